"""ai.stigmer.search.v1.SearchService."""

from __future__ import annotations

from typing import Any

import grpc
from ai.stigmer.search.v1 import query_pb2, query_pb2_grpc

from ..search import SearchService
from .common import implements, in_thread, unary


@implements(query_pb2.DESCRIPTOR.services_by_name["SearchService"])
class SearchServicer(query_pb2_grpc.SearchServiceServicer):
    """search."""

    def __init__(self, search: SearchService) -> None:
        self._search = search

    @unary
    async def search(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._search.search, request)


def register(server: grpc.aio.Server, search: SearchService) -> None:
    """Add the search service to ``server``."""
    query_pb2_grpc.add_SearchServiceServicer_to_server(SearchServicer(search), server)
