"""Cross-resource search (``SearchService.search``), which the SDK's ``agents.list`` uses."""

from __future__ import annotations

from typing import Any

from ai.stigmer.search.v1 import io_pb2

from . import paging
from .kinds import BY_API_KIND, BY_KEY, Kind
from .store import Query, Record, Store


class SearchService:
    """Filters by kinds and org, matches the query as a substring of name or slug, paginates."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def search(self, request: io_pb2.SearchRequest) -> io_pb2.SearchResponse:
        """One page of results ordered by slug, with total and per-kind counts."""
        kinds = _kinds(list(request.kinds))
        window = paging.by_number(request.page.num, request.page.size)
        response = io_pb2.SearchResponse()
        if not kinds:
            return response
        query = Query(
            kinds=[k.key for k in kinds], org=request.org.strip() or None,
            text=request.query.strip() or None, order_by_slug=True,
        )
        with self._store.read() as tx:
            total = tx.count(query)
            counts = tx.count_by_kind(query)
            records = tx.select(query, window.limit, window.offset)
        response.total_count = total
        response.total_pages = window.total_pages(total)
        for key, count in counts.items():
            response.counts_by_kind[key] = count
        response.entries.extend(_result(BY_KEY[r.kind], r) for r in records)
        return response


def _kinds(requested: list[int]) -> list[Kind]:
    if not requested:
        return [k for k in BY_API_KIND.values() if k.searchable]
    # kinds this server does not store (skills, workflows, ...) simply have no results
    return [BY_API_KIND[k] for k in requested if k in BY_API_KIND and BY_API_KIND[k].searchable]


def _result(kind: Kind, record: Record) -> io_pb2.SearchResult:
    resource: Any = kind.parse(record)
    meta = resource.metadata
    spec = resource.spec
    result = io_pb2.SearchResult(
        kind=kind.api_kind, id=meta.id, name=meta.name, slug=meta.slug,
        qualified_slug=f"{meta.org}/{meta.slug}", org=meta.org,
        description=getattr(spec, "description", ""), visibility=meta.visibility,
        tags=list(meta.tags), score=1.0, icon_url=getattr(spec, "icon_url", ""),
    )
    result.created_at.FromMilliseconds(record.created_at)
    result.updated_at.FromMilliseconds(record.updated_at)
    return result
