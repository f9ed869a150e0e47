"""Turns oversized and undecodable requests into clear gRPC errors (a server interceptor)."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from .handlers import HandlerInterceptor, behavior_of, same_shape

MIB = 1024 * 1024


@dataclass(frozen=True)
class Rejected:
    """Stands in for a request that must not reach the servicer."""

    code: grpc.StatusCode
    message: str


def decoder(
    deserialize: Callable[[bytes], Any], method: str, max_bytes: int
) -> Callable[[bytes], Any]:
    """Wrap a request deserializer with a size limit and a readable decode error."""
    message_type = getattr(getattr(deserialize, "__self__", None), "DESCRIPTOR", None)
    type_name = message_type.full_name if message_type is not None else "the request message"

    def decode(raw: bytes) -> Any:
        if len(raw) > max_bytes:
            return Rejected(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"request to {method} is {len(raw)} bytes, over the server limit of "
                f"{max_bytes} bytes ({max_bytes / MIB:g} MiB); send less data per call",
            )
        try:
            return deserialize(raw)
        except (DecodeError, ValueError, TypeError) as exc:
            return Rejected(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"malformed request to {method}: not a valid {type_name} ({exc})",
            )

    return decode


def guard(handler: grpc.RpcMethodHandler, method: str, max_bytes: int) -> grpc.RpcMethodHandler:
    """``handler`` with requests checked before the servicer sees them (unary requests)."""
    if handler.request_streaming or handler.request_deserializer is None:
        return handler
    inner = behavior_of(handler)
    decode = decoder(handler.request_deserializer, method, max_bytes)
    if inspect.isasyncgenfunction(inner):

        async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            if isinstance(request, Rejected):
                await context.abort(request.code, request.message)
            async for item in inner(request, context):
                yield item

        return same_shape(handler, stream, decode)

    async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
        if isinstance(request, Rejected):
            await context.abort(request.code, request.message)
        return await inner(request, context)

    return same_shape(handler, call, decode)


class RequestGuardInterceptor(HandlerInterceptor):
    """Applies :func:`guard` to every method."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes

    def wrap(
        self, handler: grpc.RpcMethodHandler, details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler:
        return guard(handler, details.method or "", self._max_bytes)
