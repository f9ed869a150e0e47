"""Every SDK call the harness makes carries a deadline: against a gRPC server that accepts
calls and never answers, each one fails within the default deadline instead of hanging."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest

from harness.processes import free_port
from harness.stigmer.client import StigmerApi

DEADLINE = 1.0


class NeverAnswers(grpc.GenericRpcHandler):
    """Every method of every service: accepted, never answered."""

    def __init__(self, release: threading.Event) -> None:
        self.release = release
        self.calls: list[str] = []

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        self.calls.append(details.method)

        def hang(request: bytes, context: grpc.ServicerContext) -> bytes:
            self.release.wait(60)
            return b""

        return grpc.unary_unary_rpc_method_handler(hang)


@pytest.fixture
def hung_server() -> Iterator[tuple[str, NeverAnswers]]:
    release = threading.Event()
    handler = NeverAnswers(release)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), handlers=[handler])
    port = free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    try:
        yield f"127.0.0.1:{port}", handler
    finally:
        release.set()
        server.stop(0).wait(5)


CALLS = {
    "get an agent": lambda api: api.agents.get("anything"),
    "list agents": lambda api: api.agents.slugs(),
    "get an execution": lambda api: api.agent_executions.get("aex-anything"),
    "list executions": lambda api: api.agent_executions.ids(),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_call_to_a_server_that_never_answers_ends_at_the_deadline(
        hung_server: tuple[str, NeverAnswers], name: str) -> None:
    address, handler = hung_server
    api = StigmerApi(address, "k", "org", call_timeout=DEADLINE)
    started = time.monotonic()
    try:
        with pytest.raises(Exception) as raised:
            CALLS[name](api)
    finally:
        api.close()
    elapsed = time.monotonic() - started
    assert handler.calls, "the call reached the server"
    assert DEADLINE * 0.8 <= elapsed < DEADLINE + 5
    assert "DEADLINE_EXCEEDED" in repr(raised.value) or "Deadline" in str(raised.value)


def test_a_call_with_its_own_deadline_keeps_it(hung_server: tuple[str, NeverAnswers]) -> None:
    address, _handler = hung_server
    api = StigmerApi(address, "k", "org", call_timeout=30)
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError):
            # a stream with its own deadline
            api.agent_executions.follow("aex-anything", timeout=0.5)
    finally:
        api.close()
    assert time.monotonic() - started < 5
