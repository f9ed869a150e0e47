"""Pagination helpers: page-number paging (PageInfo) and opaque page tokens."""

from __future__ import annotations

from dataclasses import dataclass

from . import errors

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Window:
    """A slice of a result set."""

    limit: int
    offset: int

    def total_pages(self, total: int) -> int:
        """Number of pages of this size needed for ``total`` items."""
        return (total + self.limit - 1) // self.limit

    def next_token(self, total: int) -> str:
        """Page token of the following page, or "" on the last page."""
        following = self.offset + self.limit
        return str(following) if following < total else ""


def _size(size: int) -> int:
    if size < 0:
        raise errors.invalid(f"page size must not be negative (got {size})")
    return min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def by_number(num: int, size: int) -> Window:
    """1-based page ``num`` of ``size`` items (0 means defaults: page 1, 20 items)."""
    if num < 0:
        raise errors.invalid(f"page number must not be negative (got {num})")
    limit = _size(size)
    return Window(limit=limit, offset=(max(num, 1) - 1) * limit)


def by_token(size: int, token: str) -> Window:
    """The page starting at ``token`` (as returned in ``next_page_token``)."""
    limit = _size(size)
    if not token:
        return Window(limit=limit, offset=0)
    if not token.isdigit():
        raise errors.invalid(f"invalid page_token {token!r}: pass a next_page_token unchanged")
    return Window(limit=limit, offset=int(token))
