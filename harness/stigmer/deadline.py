"""A default deadline on every gRPC call: a server that stops answering fails the call (and so
the step) instead of hanging the run.

The official ``stigmer`` SDK takes no timeout, so ``deadline_client`` builds its client on a
channel with ``DefaultDeadline``: a call that carries no deadline of its own gets ``timeout``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import grpc
import stigmer._client as sdk_client
from stigmer import StigmerClient


class _Details(grpc.ClientCallDetails):
    def __init__(self, details: grpc.ClientCallDetails, timeout: float | None) -> None:
        self.method = details.method
        self.timeout = timeout
        self.metadata = details.metadata
        self.credentials = details.credentials
        self.wait_for_ready = getattr(details, "wait_for_ready", None)
        self.compression = getattr(details, "compression", None)


class DefaultDeadline(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Gives every call without a deadline ``timeout`` seconds."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def _details(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        return details if details.timeout is not None else _Details(details, self.timeout)

    def intercept_unary_unary(self, continuation: Callable[..., Any],
                              details: grpc.ClientCallDetails, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Callable[..., Any],
                               details: grpc.ClientCallDetails, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation: Callable[..., Any],
                               details: grpc.ClientCallDetails, requests: Any) -> Any:
        return continuation(self._details(details), requests)

    def intercept_stream_stream(self, continuation: Callable[..., Any],
                                details: grpc.ClientCallDetails, requests: Any) -> Any:
        return continuation(self._details(details), requests)


_BUILD_LOCK = threading.Lock()


def deadline_client(api_key: str, address: str,
                    timeout: float) -> tuple[StigmerClient, grpc.Channel]:
    """The SDK's client, whose every call carries a deadline (``timeout`` unless it has one),
    and the channel it uses (for the official stubs of the calls the SDK gives no deadline).

    The SDK builds its channel in its constructor (``stigmer._client.create_channel``); the
    channel it builds here is wrapped with ``DefaultDeadline`` (tests/harness/stigmer/
    test_deadline.py proves every SDK call then ends against a server that never answers,
    so an SDK change that bypasses this fails there)."""
    original = sdk_client.create_channel
    built: list[grpc.Channel] = []

    def create_channel(*args: Any, **kwargs: Any) -> grpc.Channel:
        built.append(grpc.intercept_channel(original(*args, **kwargs), DefaultDeadline(timeout)))
        return built[-1]

    with _BUILD_LOCK:
        sdk_client.create_channel = create_channel
        try:
            client = StigmerClient(api_key, base_url=address, insecure=True)
        finally:
            sdk_client.create_channel = original
    return client, built[0]
