"""Every request checked against the protos' ``buf.validate`` rules before a servicer sees it
(a server interceptor): a violation is INVALID_ARGUMENT naming the field and the rule, and the
call goes no further, so nothing is stored."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf.message import Message

from reference.proto_rules import refusal

from .handlers import HandlerInterceptor, behavior_of, same_shape


def validating(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    """``handler`` with each (unary) request validated first."""
    if handler.request_streaming:
        return handler
    inner = behavior_of(handler)

    async def check(request: Any, context: grpc.aio.ServicerContext) -> None:
        problem = refusal(request) if isinstance(request, Message) else None
        if problem:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, problem)

    if inspect.isasyncgenfunction(inner):

        async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            await check(request, context)
            async for item in inner(request, context):
                yield item

        return same_shape(handler, stream, handler.request_deserializer)

    async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await check(request, context)
        return await inner(request, context)

    return same_shape(handler, call, handler.request_deserializer)


class RequestValidationInterceptor(HandlerInterceptor):
    """Applies :func:`validating` to every method (installed after the request guard)."""

    def wrap(
        self, handler: grpc.RpcMethodHandler, details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler:
        return validating(handler)
