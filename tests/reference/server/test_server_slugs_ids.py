"""Unit tests: slug rules and prefixed ids."""

from __future__ import annotations

import pytest

from reference.server import ids, slugs


@pytest.mark.parametrize("slug", ["a", "basic-agent", "a1", "0-x-9", "a" * 63])
def test_valid_slugs(slug: str) -> None:
    assert slugs.is_valid(slug)


@pytest.mark.parametrize("slug", ["", "-a", "a-", "A", "a_b", "a.b", "a" * 64, "héllo", "a b"])
def test_invalid_slugs(slug: str) -> None:
    assert not slugs.is_valid(slug)


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Basic Agent", "basic-agent"), ("  my_agent  ", "my-agent"), ("A  B\tC", "a-b-c"),
     ("code-reviewer", "code-reviewer")],
)
def test_resolve_derives_slug_from_name(name: str, slug: str) -> None:
    assert slugs.resolve(name) == slug


def test_resolve_rejects_name_naming_rule_and_value() -> None:
    with pytest.raises(slugs.InvalidSlugError) as err:
        slugs.resolve("Invalid Name!")
    assert "'Invalid Name!'" in str(err.value)
    assert slugs.SLUG_PATTERN in str(err.value)


def test_resolve_prefers_explicit_slug_and_validates_it() -> None:
    assert slugs.resolve("Whatever Name!", "explicit") == "explicit"
    with pytest.raises(slugs.InvalidSlugError, match=r"metadata\.slug 'Bad_Slug'"):
        slugs.resolve("ok", "Bad_Slug")


def test_best_effort_always_yields_a_valid_slug() -> None:
    assert slugs.best_effort("Run of Basic Agent!", "fallback") == "run-of-basic-agent"
    assert slugs.best_effort("!!!", "fallback") == "fallback"
    assert slugs.is_valid(slugs.best_effort("x" * 200, "fallback"))


def test_ids_are_prefixed_ulids_in_creation_order() -> None:
    first, second = ids.new_id(ids.AGENT_EXECUTION), ids.new_id(ids.AGENT_EXECUTION)
    assert first.startswith("aex-") and len(first) == 30
    assert ids.prefix_of(first) == "aex"
    assert first != second
    assert ids.prefix_of("agt-nope") is None
    assert {ids.AGENT, ids.AGENT_INSTANCE, ids.SESSION, ids.WORKFLOW, ids.WORKFLOW_EXECUTION} == {
        "agt", "ain", "ses", "wfl", "wex"}
