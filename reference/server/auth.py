"""Bearer API-key authentication (a server interceptor); the health service is exempt."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

import grpc

from .handlers import HandlerInterceptor, rejecting

EXEMPT_PREFIXES = ("/grpc.health.v1.Health/",)
MISSING = (
    "missing API key: send metadata 'authorization: Bearer <api key>' "
    "(the server was started with --api-key)"
)
INVALID = "invalid API key in 'authorization: Bearer <api key>'"


def check(metadata: Sequence[tuple[str, Any]] | None, api_key: str) -> str | None:
    """None when ``metadata`` carries ``authorization: Bearer <api_key>``, else the problem."""
    values = [v for k, v in (metadata or ()) if k.lower() == "authorization"]
    if not values:
        return MISSING
    for value in values:
        text = value.decode() if isinstance(value, bytes) else str(value)
        scheme, _, token = text.strip().partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), api_key.encode()
        ):
            return None
    return INVALID


class ApiKeyInterceptor(HandlerInterceptor):
    """With an API key configured, rejects calls without it as UNAUTHENTICATED."""

    def __init__(self, api_key: str | None) -> None:
        self._api_key = api_key or None

    def wrap(
        self, handler: grpc.RpcMethodHandler, details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler:
        method = details.method or ""
        if self._api_key is None or method.startswith(EXEMPT_PREFIXES):
            return handler
        problem = check(details.invocation_metadata, self._api_key)
        if problem is None:
            return handler
        return rejecting(handler, grpc.StatusCode.UNAUTHENTICATED, problem)
