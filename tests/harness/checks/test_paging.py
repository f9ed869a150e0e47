"""A listing's pages must agree with themselves: their count of pages, no short page early."""

from __future__ import annotations

from types import SimpleNamespace

from harness.checks.paging import listed_ids, paging_problems


def page(total_pages: int, *ids: str) -> SimpleNamespace:
    entries = [SimpleNamespace(metadata=SimpleNamespace(id=i)) for i in ids]
    return SimpleNamespace(total_pages=total_pages, entries=entries)


def test_consistent_pages_have_no_problem() -> None:
    pages = [page(2, "a", "b", "c"), page(2, "d")]
    assert paging_problems(pages, 3) == []
    assert listed_ids(pages) == ["a", "b", "c", "d"]
    assert paging_problems([page(1, "a")], 3) == []


def test_a_page_count_that_loses_the_partial_last_page_is_a_problem() -> None:
    assert paging_problems([page(1, "a", "b", "c"), page(1, "d")], 3) == [
        "2 pages of 3 listed, but they say [1, 1]"]
    assert paging_problems([page(0, "a")], 3) == ["1 pages of 3 listed, but they say [0]"]


def test_a_short_page_before_the_last_is_a_problem() -> None:
    assert paging_problems([page(2, "a"), page(2, "b")], 3) == [
        "a page before the last one is short: [1, 1]"]
