"""Servicer mixins: the RPCs that only hand a request to a domain service.

Put a mixin before the generated ``...Servicer`` base (so its methods win) and pass the
domain service to the constructor; :func:`.common.implements` leaves them alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc

from ..resources import Mode
from .common import in_thread, server_stream, unary


class Servicer:
    """Holds the domain service the RPCs delegate to."""

    def __init__(self, service: Any) -> None:
        self._service = service


class GetById(Servicer):
    """``get`` by ``request.value``."""

    @unary
    async def get(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._service.get, request.value)


class ResourceQueries(GetById):
    """``get`` and ``getByReference``."""

    @unary
    async def getByReference(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._service.get_by_reference, request)


class DeleteById(Servicer):
    """``delete`` by the id in ``request.<delete_field>``."""

    delete_field = "value"

    @unary
    async def delete(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._service.delete, getattr(request, self.delete_field))


class ResourceCommands(DeleteById):
    """``apply`` / ``create`` / ``update`` (one ``save`` in three modes) and ``delete``."""

    @unary
    async def apply(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._service.save, request, Mode.APPLY)

    @unary
    async def create(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._service.save, request, Mode.CREATE)

    @unary
    async def update(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._service.save, request, Mode.UPDATE)


class ExecutionCommands(Servicer):
    """``create`` / ``updateStatus`` / ``cancel`` / ``delete`` of an execution service."""

    @unary
    async def create(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._service.create(request)

    @unary
    async def updateStatus(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._service.update_status, request)

    @unary
    async def cancel(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._service.cancel(request)

    @unary
    async def delete(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._service.delete(request.value)


class ExecutionQueries(GetById):
    """``get`` / ``list`` / ``subscribe`` (by ``request.<subscribe_field>``) of executions."""

    subscribe_field = "value"

    @unary
    async def list(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._service.list, request)

    @server_stream
    async def subscribe(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Any]:
        async for execution in self._service.subscribe(getattr(request, self.subscribe_field)):
            yield execution
