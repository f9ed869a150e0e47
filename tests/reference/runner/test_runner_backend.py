"""SdkBackend over a real gRPC channel to a minimal in-process servicer."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from ai.stigmer.agentic.agent.v1 import query_pb2_grpc as agent_query
from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api
from ai.stigmer.agentic.agentexecution.v1 import command_pb2_grpc as execution_command
from ai.stigmer.agentic.agentexecution.v1 import enum_pb2 as enums
from ai.stigmer.agentic.agentexecution.v1 import io_pb2 as execution_io
from ai.stigmer.agentic.agentexecution.v1 import query_pb2_grpc as execution_query

from reference.runner.backend import SdkBackend
from reference.runner.errors import BackendError, ExecutionStopped
from reference.runner.messages import build_status, build_update

pytestmark = pytest.mark.anyio


class _Executions(execution_query.AgentExecutionQueryControllerServicer,
                  execution_command.AgentExecutionCommandControllerServicer):
    def __init__(self) -> None:
        self.updates: list[execution_io.AgentExecutionUpdateStatusInput] = []
        self.metadata: list[dict[str, str]] = []
        self.terminal = False

    def get(self, request, context):
        self.metadata.append(dict(context.invocation_metadata()))
        if request.value != "aex-1":
            context.abort(grpc.StatusCode.NOT_FOUND, f"agent execution {request.value} not found")
        execution = execution_api.AgentExecution()
        execution.metadata.id = "aex-1"
        execution.spec.message = "hi"
        return execution

    def updateStatus(self, request, context):
        if self.terminal:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "execution is already CANCELLED")
        self.updates.append(request)
        return execution_io.UpdateStatusResponse()


class _Agents(agent_query.AgentQueryControllerServicer):
    def get(self, request, context):
        context.abort(grpc.StatusCode.UNAVAILABLE, "store is down")


@pytest.fixture
def served() -> Iterator[tuple[_Executions, str]]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    executions = _Executions()
    execution_query.add_AgentExecutionQueryControllerServicer_to_server(executions, server)
    execution_command.add_AgentExecutionCommandControllerServicer_to_server(executions, server)
    agent_query.add_AgentQueryControllerServicer_to_server(_Agents(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield executions, f"127.0.0.1:{port}"
    finally:
        server.stop(None)


async def test_get_sends_the_api_key_as_bearer(served: tuple[_Executions, str]) -> None:
    executions, endpoint = served
    backend = SdkBackend(endpoint, "sk-test")
    try:
        execution = await backend.get_execution("aex-1")
    finally:
        backend.close()
    assert execution.spec.message == "hi"
    assert executions.metadata[0]["authorization"] == "Bearer sk-test"


async def test_errors_become_backend_errors_naming_endpoint_and_call(
    served: tuple[_Executions, str],
) -> None:
    _, endpoint = served
    backend = SdkBackend(endpoint, "k")
    try:
        with pytest.raises(BackendError) as missing:
            await backend.get_execution("aex-404")
        with pytest.raises(BackendError) as down:
            await backend.get_agent("agt-1")
    finally:
        backend.close()
    assert missing.value.code == "not-found"
    assert f"Stigmer backend at {endpoint} failed to load agent execution aex-404" in str(
        missing.value)
    assert down.value.code == "unavailable"


async def test_update_status_and_terminal_rejection(served: tuple[_Executions, str]) -> None:
    executions, endpoint = served
    backend = SdkBackend(endpoint, "k")
    update = build_update("aex-1", build_status(enums.EXECUTION_IN_PROGRESS, []))
    try:
        await backend.update_status(update)
        executions.terminal = True
        with pytest.raises(ExecutionStopped, match="already terminal"):
            await backend.update_status(update)
    finally:
        backend.close()
    assert executions.updates[0].execution_id == "aex-1"
    assert executions.updates[0].status.phase == enums.EXECUTION_IN_PROGRESS
