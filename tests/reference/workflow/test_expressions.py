"""Workflow runtime expressions: jq, whole strings only, the state variables, no host env."""

from __future__ import annotations

import os

import pytest

from reference.workflow_dsl.expressions import (
    ExpressionError,
    Scope,
    check,
    check_templates,
    is_expression,
    resolve,
)

SCOPE = Scope(dot={"n": 5}, variables={
    "input": {"message": "hi"}, "env": {"BASE": "http://h:1"}, "data": {"total": 15},
    "context": {"user": {"name": "Ada"}}, "output": {"status": 200}, "item": {"p": 2}})


@pytest.mark.parametrize(("text", "expected"), [
    ("${ $input.message }", "hi"),
    ("${ $env.BASE }", "http://h:1"),
    ("${ $data.total }", 15),
    ("${ $context.user.name }", "Ada"),
    ("${ $output.status }", 200),
    ("${ $item.p }", 2),
    ("${ .n * 2 }", 10),
    ("  ${ .n }  ", 5),
    ('${ "Hello " + $context.user.name }', "Hello Ada"),
    ('${ "\\($data.total) values" }', "15 values"),
    ("${ [1, 2, 3] | length }", 3),
    ("${ $input.message | ascii_upcase }", "HI"),
    ("${ .missing.deeper }", None),
    ("${ {a: 1} }", {"a": 1}),
    ("${ 1, 2 }", 1),  # the first result, as zigflow
])
def test_whole_string_expressions_are_jq(text: str, expected: object) -> None:
    assert resolve(text, SCOPE) == expected


@pytest.mark.parametrize("text", [
    "Hello ${ $input.message }",
    "${ $input.message } and more",
    "${ .a } ${ .b }x",
    "plain text",
    "$input.message",
])
def test_anything_else_stays_text(text: str) -> None:
    assert not is_expression(text)
    assert resolve(text, SCOPE) == text


def test_objects_and_lists_are_walked() -> None:
    value = {"a": ["${ $data.total }", "x ${ 1 }"], "b": {"c": "${ .n }"}, "d": 3}
    assert resolve(value, SCOPE) == {"a": [15, "x ${ 1 }"], "b": {"c": 5}, "d": 3}


def test_dot_is_what_the_scope_gives_null_in_a_set_task() -> None:
    assert resolve("${ . }", SCOPE.with_dot(None)) is None


@pytest.mark.parametrize("text", ["${ env }", "${ $ENV }", "${ env.PATH }", "${ $ENV.HOME }",
                                  "${ [env, $ENV] | tostring }"])
def test_the_process_environment_is_never_exposed(text: str, monkeypatch) -> None:
    monkeypatch.setenv("WF_HOST_SECRET", "host-only-value-123")
    result = resolve(text, SCOPE)
    assert "host-only-value-123" not in str(result)
    assert os.environ.get("PATH", "/usr/bin") not in str(result)
    assert result in ({}, None, "[{},{}]")


@pytest.mark.parametrize("text", ["${ input }", '${ "x" | halt_error }', "${ halt }"])
def test_ways_out_of_the_data_are_refused(text: str) -> None:
    with pytest.raises(ExpressionError, match="not available"):
        resolve(text, SCOPE)


def test_no_module_can_be_imported() -> None:
    with pytest.raises(ExpressionError):
        resolve('${ import "x" as x; 1 }', SCOPE)


def test_errors_name_the_field_and_say_why() -> None:
    with pytest.raises(ExpressionError) as caught:
        resolve({"variables": {"x": "${ $data.total | error(\"boom\") }"}}, SCOPE, "taskConfig")
    assert caught.value.field == "taskConfig.variables.x"
    assert "boom" in str(caught.value) and "taskConfig.variables.x" in str(caught.value)


def test_unknown_variables_are_compile_errors() -> None:
    with pytest.raises(ExpressionError, match=r"\$secret is not defined"):
        resolve("${ $secret.TOKEN }", SCOPE, "f")


def test_no_result_is_an_error() -> None:
    with pytest.raises(ExpressionError, match="gave no result"):
        resolve("${ empty }", SCOPE, "f")


def test_check_compiles_with_the_state_variables_and_extra_names() -> None:
    check("${ [$context, $input, $output, $data, $env] }")
    check("${ $item }", ["item"])
    with pytest.raises(ExpressionError):
        check("${ $item }")
    assert check_templates({"a": {"b": "${ .x == }"}, "c": "text ${ .x == }"}, "taskConfig") \
        == [check_templates("${ .x == }", "taskConfig.a.b")[0]]
    assert check_templates("${ .x == }", "f")[0].startswith("f: ")


def test_a_string_that_starts_and_ends_like_one_is_one_expression() -> None:
    # Strict form, as the real runner: "${ .a } and ${ .b }" is one (invalid) jq program.
    assert is_expression("${ .a } and ${ .b }")
    assert check_templates("${ .a } and ${ .b }", "f")


def test_now_is_the_workflows_clock_not_the_hosts() -> None:
    scope = Scope(now=1767225600.0)
    assert resolve("${ now | todate }", scope) == "2026-01-01T00:00:00Z"
    with pytest.raises(ExpressionError, match="now is not available"):
        resolve("${ now }", Scope())
