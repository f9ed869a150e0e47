"""What a paged list of executions must say about itself (no behave, no reference import)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def paging_problems(pages: Sequence[Any], page_size: int) -> list[str]:
    """What is wrong with the pages of one listing (``[]`` when nothing): every page's
    ``total_pages`` is the number of pages there really are, and no page but the last one
    holds fewer than ``page_size`` entries."""
    problems = []
    counts = [page.total_pages for page in pages]
    if any(count != len(pages) for count in counts):
        problems.append(f"{len(pages)} pages of {page_size} listed, but they say {counts}")
    sizes = [len(page.entries) for page in pages]
    if any(size != page_size for size in sizes[:-1]):
        problems.append(f"a page before the last one is short: {sizes}")
    return problems


def listed_ids(pages: Sequence[Any]) -> list[str]:
    """The ids of every entry of the pages, in order."""
    return [entry.metadata.id for page in pages for entry in page.entries]
