"""Shared servicer plumbing: error mapping, thread offloading, UNIMPLEMENTED completion."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import grpc
from google.protobuf.descriptor import ServiceDescriptor

from .. import errors

log = logging.getLogger("reference.server.rpc")
T = TypeVar("T")
NOT_IMPLEMENTED = "{} is not implemented by the reference Stigmer server"


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking store work off the event loop."""
    return await asyncio.to_thread(fn, *args)


async def _abort_for(exc: Exception, context: grpc.aio.ServicerContext, name: str) -> None:
    if isinstance(exc, errors.ServiceError):
        await context.abort(exc.code, exc.message)
    log.exception("unexpected error in %s", name)
    await context.abort(grpc.StatusCode.INTERNAL, f"internal error in {name}: {exc!r}")


def unary(method: Callable[..., Any]) -> Callable[..., Any]:
    """Map :class:`ServiceError` (and surprises) of a unary RPC to gRPC statuses."""

    @functools.wraps(method)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await method(self, request, context)
        except grpc.aio.AbortError:
            raise
        except Exception as exc:
            await _abort_for(exc, context, method.__name__)

    return wrapper


def server_stream(method: Callable[..., AsyncIterator[Any]]) -> Callable[..., Any]:
    """Like :func:`unary`, for server-streaming RPCs written as async generators."""

    @functools.wraps(method)
    async def wrapper(
        self: Any, request: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Any]:
        try:
            async for item in method(self, request, context):
                yield item
        except grpc.aio.AbortError:
            raise
        except Exception as exc:
            await _abort_for(exc, context, method.__name__)

    return wrapper


def implements(service: ServiceDescriptor) -> Callable[[type[T]], type[T]]:
    """Class decorator: every RPC of ``service`` the class does not implement (as an async
    method) answers UNIMPLEMENTED with a message naming the RPC."""

    def complete(cls: type[T]) -> type[T]:
        for method in service.methods:
            current = getattr(cls, method.name, None)
            if inspect.iscoroutinefunction(current) or inspect.isasyncgenfunction(current):
                continue
            setattr(cls, method.name, _unimplemented(f"/{service.full_name}/{method.name}"))
        return cls

    return complete


def _unimplemented(path: str) -> Callable[..., Any]:
    async def handler(self: Any, request: Any, context: grpc.aio.ServicerContext) -> None:
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, NOT_IMPLEMENTED.format(path))

    handler.__name__ = path.rsplit("/", 1)[-1]
    return handler


class UnknownMethodHandler(grpc.GenericRpcHandler):
    """Registered last: any method of any unregistered service gets a named UNIMPLEMENTED."""

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        path = handler_call_details.method

        async def reject(request: Any, context: grpc.aio.ServicerContext) -> None:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, NOT_IMPLEMENTED.format(path))

        return grpc.unary_unary_rpc_method_handler(reject)
