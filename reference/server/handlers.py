"""Helpers to rebuild gRPC method handlers (used by the server interceptors)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc


def same_shape(
    handler: grpc.RpcMethodHandler,
    behavior: Callable[..., Any],
    request_deserializer: Callable[[bytes], Any] | None,
) -> grpc.RpcMethodHandler:
    """A handler with ``handler``'s streaming shape and serializer but a new behavior."""
    serializer = handler.response_serializer
    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(behavior, request_deserializer, serializer)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(behavior, request_deserializer, serializer)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(behavior, request_deserializer, serializer)
    return grpc.unary_unary_rpc_method_handler(behavior, request_deserializer, serializer)


def rejecting(
    handler: grpc.RpcMethodHandler, code: grpc.StatusCode, message: str
) -> grpc.RpcMethodHandler:
    """A handler that fails every call with ``code``/``message`` (request left undecoded)."""

    async def reject(request: Any, context: grpc.aio.ServicerContext) -> None:
        await context.abort(code, message)

    return same_shape(handler, reject, None)


def behavior_of(handler: grpc.RpcMethodHandler) -> Callable[..., Any]:
    """The behavior function of a handler, whatever its shape."""
    behavior = (
        handler.unary_unary or handler.unary_stream or handler.stream_unary
        or handler.stream_stream
    )
    if behavior is None:
        raise ValueError("a method handler without a behavior")
    return behavior


class HandlerInterceptor(grpc.aio.ServerInterceptor):
    """A server interceptor that may replace each registered method's handler.

    Unknown methods (no handler) pass through untouched; subclasses implement :meth:`wrap`.
    """

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        return self.wrap(handler, handler_call_details)

    def wrap(
        self, handler: grpc.RpcMethodHandler, details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler:
        """The handler to use for the call described by ``details``."""
        raise NotImplementedError
