"""The workflow expression language: parsing, evaluation, templates."""

from __future__ import annotations

import pytest

from reference.workflow_dsl.expressions import (
    ExpressionError,
    Scope,
    check_templates,
    parse,
    render,
    resolve,
    unavailable,
)

SCOPE = Scope(
    context={"user": {"name": "Ada", "tags": ["a", "b"]}, "n": 5, "items": [{"p": 2}, {"p": 3}],
             "flag": False, "m": {"k-1": "dash"}},
    variables={"env": {"BASE": "http://h:1"}, "input": {"message": "hi"},
               "secret": unavailable("no secrets here")},
)


@pytest.mark.parametrize(("text", "expected"), [
    ("${ .user.name }", "Ada"),
    ("${ .user.tags[1] }", "b"),
    ("${ .user.tags[-1] }", "b"),
    ('${ .m["k-1"] }', "dash"),
    ("${ .missing.deeper }", None),
    ("${ .user.tags[9] }", None),
    ("${ length(.items) }", 2),
    ("${ .items[0].p + .items[1].p }", 5),
    ("${ .n * 2 - 1 }", 9),
    ("${ .n / 2 }", 2.5),
    ("${ .n % 2 == 1 }", True),
    ("${ .n > 3 and .n < 10 }", True),
    ("${ not .flag }", True),
    ("${ .flag or .n }", True),
    ("${ -.n }", -5),
    ("${ [1, 'two', true, null] }", [1, "two", True, None]),
    ("${ upper(.user.name) }", "ADA"),
    ("${ contains(.user.tags, 'a') }", True),
    ("${ number('42') + 1 }", 43),
    ("${ $env.BASE }/users/${ .n }", "http://h:1/users/5"),
    ("${ $input.message }!", "hi!"),
    ("flag=${ .flag } list=${ .user.tags }", 'flag=false list=["a", "b"]'),
    ('${ "a}b" }', "a}b"),
    ("plain text", "plain text"),
    ("${ 'x' + .n }", "x5"),
])
def test_render(text: str, expected: object) -> None:
    assert render(text, SCOPE) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("${ $secret.TOKEN }", "no secrets here"),
    ("${ $nope }", "unknown variable $nope"),
    ("${ .n + }", "unexpected end"),
    ("${ .n < 'a' }", "cannot compare"),
    ("${ .n / 0 }", "division by zero"),
    ("${ foo(.n) }", "unknown name 'foo'"),
    ("${ .n ", "unterminated"),
    ("${ .n ; }", "unexpected character"),
    ("${ length(.n) }", "length() needs"),
    ("${ .user[0] }", "indexed by a name"),
])
def test_errors_say_why(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("$", r"\$")):
        render(text, SCOPE)


def test_resolve_walks_structures_and_keeps_types() -> None:
    value = {"a": ["${ .n }", {"b": "${ .user.name }"}], "c": 3}
    assert resolve(value, SCOPE) == {"a": [5, {"b": "Ada"}], "c": 3}


def test_check_templates_names_the_path() -> None:
    problems = check_templates({"cases": [{"when": "${ .x == }"}], "ok": "${ .y }"})
    assert len(problems) == 1 and problems[0].startswith("cases[0].when: ")


def test_no_python_evaluation() -> None:
    for text in ("__import__('os')", "().__class__", "open('x')"):
        with pytest.raises(ExpressionError):
            parse(text)
    assert render("${ .__class__ }", SCOPE) is None  # a missing key, never an attribute
