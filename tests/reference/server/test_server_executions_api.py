"""Integration: agent executions against a real Temporal dev server, through the SDK."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from ai.stigmer.agentic.agentexecution.v1 import api_pb2, enum_pb2, io_pb2, message_pb2
from stigmer import StigmerClient, StigmerError
from stigmer._gen._agent import AgentInput
from stigmer._gen._agentexecution import AgentExecutionInput
from stigmer._gen._errors import ErrorCode
from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from tests.reference.server.server_procs import ServerProc, TemporalDevServer, free_port

INSTRUCTIONS = "Answer briefly and politely."

PENDING, IN_PROGRESS = enum_pb2.EXECUTION_PENDING, enum_pb2.EXECUTION_IN_PROGRESS
COMPLETED, FAILED = enum_pb2.EXECUTION_COMPLETED, enum_pb2.EXECUTION_FAILED
CANCELLED = enum_pb2.EXECUTION_CANCELLED
HUMAN, AI, SYSTEM = enum_pb2.MESSAGE_HUMAN, enum_pb2.MESSAGE_AI, enum_pb2.MESSAGE_SYSTEM
Unique = Callable[[str], str]


def sdk(server: ServerProc) -> StigmerClient:
    return StigmerClient(api_key="k", base_url=server.address, insecure=True)


def status_update(execution_id: str, phase: int = 0,
                  *messages: tuple[int, str]) -> io_pb2.AgentExecutionUpdateStatusInput:
    return io_pb2.AgentExecutionUpdateStatusInput(
        execution_id=execution_id,
        status=api_pb2.AgentExecutionStatus(
            phase=phase,  # type: ignore[arg-type]
            messages=[message_pb2.AgentMessage(type=k, content=c)  # type: ignore[arg-type]
                      for k, c in messages],
        ),
    )


def follow(
    client: StigmerClient, execution_id: str, timeout_s: float
) -> list[api_pb2.AgentExecution]:
    """Every snapshot of subscribe until the stream ends (fails after ``timeout_s``)."""
    snapshots: list[api_pb2.AgentExecution] = []
    done = threading.Event()

    def consume() -> None:
        snapshots.extend(client.agent_executions.subscribe(execution_id))
        done.set()

    threading.Thread(target=consume, daemon=True).start()
    assert done.wait(timeout_s), f"subscribe did not end: {[s.status.phase for s in snapshots]}"
    return snapshots


def error_of(call: Callable[[], object]) -> StigmerError:
    with pytest.raises(StigmerError) as err:
        call()
    return err.value


@pytest.fixture(scope="module")
def main_server(temporal: TemporalDevServer,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    proc = ServerProc(tmp_path_factory.mktemp("main"), "--temporal-address", temporal.address,
                      "--temporal-namespace", "ref-main", "--runner-schedule-timeout", "120")
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def main_client(main_server: ServerProc) -> Iterator[StigmerClient]:
    with sdk(main_server) as client:
        yield client


@pytest.fixture
def agent_id(main_client: StigmerClient, unique: Unique) -> str:
    return main_client.agents.apply(AgentInput(
        name=unique("exec-agent"), org="", instructions=INSTRUCTIONS)).metadata.id


def start(
    client: StigmerClient, agent_id: str, message: str = "Say hello"
) -> api_pb2.AgentExecution:
    return client.agent_executions.create(
        AgentExecutionInput(name="", org="", agent_id=agent_id, message=message))


def test_create_get_list(main_client: StigmerClient, agent_id: str) -> None:
    agent = main_client.agents.get(agent_id)
    first = start(main_client, agent_id)
    assert first.metadata.id.startswith("aex-") and first.metadata.org == "local"
    assert first.status.phase == PENDING
    assert first.spec.agent_id == agent_id and first.spec.message == "Say hello"
    session = main_client.sessions.get(first.spec.session_id)
    assert session.metadata.id.startswith("ses-")
    assert session.spec.agent_instance_id == agent.status.default_instance_id
    assert main_client.agent_executions.get(first.metadata.id).metadata.id == first.metadata.id
    second = main_client.agent_executions.create(AgentExecutionInput(
        name="Follow up!", org="", session_id=first.spec.session_id, message="And again"))
    assert second.spec.agent_id == agent_id and second.spec.session_id == first.spec.session_id
    by_session = main_client.agent_executions.list_by_session(
        io_pb2.ListAgentExecutionsBySessionRequest(session_id=first.spec.session_id))
    assert [e.metadata.id for e in by_session.entries] == [second.metadata.id, first.metadata.id]
    pending = main_client.agent_executions.list(
        io_pb2.ListAgentExecutionsRequest(phase=PENDING, org="local", page_size=100))
    assert {first.metadata.id, second.metadata.id} <= {e.metadata.id for e in pending.entries}
    page = main_client.agent_executions.list(io_pb2.ListAgentExecutionsRequest(page_size=1))
    assert len(page.entries) == 1 and page.next_page_token and page.total_pages >= 2
    assert main_client.agent_executions.list(
        io_pb2.ListAgentExecutionsRequest(org="elsewhere")).entries == []


def test_create_errors(main_client: StigmerClient, agent_id: str) -> None:
    err = error_of(lambda: start(main_client, "agt-01MISSING"))
    assert (err.code, str(err)) == (ErrorCode.NOT_FOUND, "Agent not found: agt-01MISSING")
    err = error_of(lambda: start(main_client, agent_id, message=""))
    assert err.code == ErrorCode.INVALID_ARGUMENT and "spec.message: must be at least 1" in str(err)
    err = error_of(lambda: start(main_client, "", message="hi"))
    assert err.code == ErrorCode.INVALID_ARGUMENT and "spec.agent_id is required" in str(err)
    err = error_of(lambda: main_client.agent_executions.create(AgentExecutionInput(
        name="", org="", session_id="ses-01MISSING", message="hi")))
    assert err.code == ErrorCode.NOT_FOUND and "Session not found" in str(err)
    err = error_of(lambda: main_client.agent_executions.get("aex-01MISSING"))
    assert err.code == ErrorCode.NOT_FOUND and "aex-01MISSING" in str(err)


def test_update_status_merges_and_terminal_is_final(main_client: StigmerClient,
                                                    agent_id: str) -> None:
    exec_id = start(main_client, agent_id).metadata.id
    update = main_client.agent_executions.update_status
    response = update(status_update(exec_id, IN_PROGRESS, (HUMAN, "Say hello")))
    assert response.signal == enum_pb2.EXECUTION_CONTROL_SIGNAL_UNSPECIFIED
    for text in ("Hel", "Hello", "Hello there"):
        update(status_update(exec_id, IN_PROGRESS, (HUMAN, "Say hello"), (AI, text)))
    current = main_client.agent_executions.get(exec_id)
    assert [(m.type, m.content) for m in current.status.messages] == [
        (HUMAN, "Say hello"), (AI, "Hello there")]
    assert current.status.phase == IN_PROGRESS and current.status.started_at
    update(status_update(exec_id, PENDING))  # backwards: ignored
    assert main_client.agent_executions.get(exec_id).status.phase == IN_PROGRESS
    update(status_update(exec_id, COMPLETED, (HUMAN, "Say hello"), (AI, "Hello there!")))
    final = main_client.agent_executions.get(exec_id)
    assert final.status.phase == COMPLETED and final.status.completed_at
    assert final.status.messages[-1].content == "Hello there!"
    err = error_of(lambda: update(status_update(exec_id, FAILED)))
    assert err.code == ErrorCode.FAILED_PRECONDITION and "COMPLETED" in str(err)
    err = error_of(lambda: update(status_update(exec_id, 0, (AI, "late"))))
    assert err.code == ErrorCode.FAILED_PRECONDITION
    err = error_of(lambda: update(status_update("aex-01MISSING", IN_PROGRESS)))
    assert err.code == ErrorCode.NOT_FOUND
    err = error_of(lambda: update(io_pb2.AgentExecutionUpdateStatusInput(execution_id=exec_id)))
    assert err.code == ErrorCode.INVALID_ARGUMENT and "status: value is required" in str(err)


def test_subscribe_sees_the_sequence(main_client: StigmerClient, agent_id: str) -> None:
    exec_id = start(main_client, agent_id).metadata.id
    received: list[api_pb2.AgentExecution] = []
    first = threading.Event()

    def consume() -> None:
        for snapshot in main_client.agent_executions.subscribe(exec_id):
            received.append(snapshot)
            first.set()

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    assert first.wait(5)
    update = main_client.agent_executions.update_status
    update(status_update(exec_id, IN_PROGRESS, (HUMAN, "Say hello")))
    time.sleep(0.2)
    update(status_update(exec_id, IN_PROGRESS, (HUMAN, "Say hello"), (AI, "Hi")))
    time.sleep(0.2)
    update(status_update(exec_id, COMPLETED, (HUMAN, "Say hello"), (AI, "Hi!")))
    consumer.join(5)
    assert not consumer.is_alive(), "subscribe must end after a terminal phase"
    assert [s.status.phase for s in received] == [PENDING, IN_PROGRESS, IN_PROGRESS, COMPLETED]
    assert [len(s.status.messages) for s in received] == [0, 1, 2, 2]
    assert received[-1].status.messages[-1].content == "Hi!"
    again = follow(main_client, exec_id, 5)  # already terminal: one snapshot, then the end
    assert [s.status.phase for s in again] == [COMPLETED]
    err = error_of(lambda: list(main_client.agent_executions.subscribe("aex-01MISSING")))
    assert err.code == ErrorCode.NOT_FOUND


def test_cancel_marks_cancelled_and_cancels_workflow(main_client: StigmerClient, agent_id: str,
                                                     temporal: TemporalDevServer) -> None:
    exec_id = start(main_client, agent_id).metadata.id
    cancelled = main_client.agent_executions.cancel(
        io_pb2.CancelAgentExecutionInput(id=exec_id, reason="user changed their mind"))
    assert cancelled.status.phase == CANCELLED
    last = cancelled.status.messages[-1]
    assert (last.type, last.content) == (SYSTEM, "Execution cancelled: user changed their mind")
    assert main_client.agent_executions.get(exec_id).status.phase == CANCELLED
    err = error_of(lambda: main_client.agent_executions.cancel(
        io_pb2.CancelAgentExecutionInput(id=exec_id)))
    assert err.code == ErrorCode.FAILED_PRECONDITION and "CANCELLED" in str(err)
    err = error_of(lambda: main_client.agent_executions.update_status(
        status_update(exec_id, IN_PROGRESS)))
    assert err.code == ErrorCode.FAILED_PRECONDITION

    async def workflow_status() -> WorkflowExecutionStatus | None:
        client = await Client.connect(temporal.address, namespace="ref-main")
        for _ in range(50):
            status = (await client.get_workflow_handle(exec_id).describe()).status
            if status == WorkflowExecutionStatus.CANCELED:
                break
            await asyncio.sleep(0.1)
        return status

    assert asyncio.run(workflow_status()) == WorkflowExecutionStatus.CANCELED


def test_delete(main_client: StigmerClient, agent_id: str) -> None:
    exec_id = start(main_client, agent_id).metadata.id
    assert main_client.agent_executions.delete(exec_id).metadata.id == exec_id
    assert error_of(lambda: main_client.agent_executions.get(exec_id)).code == ErrorCode.NOT_FOUND
    assert error_of(lambda: main_client.agent_executions.delete(exec_id)).code == (
        ErrorCode.NOT_FOUND)


def test_no_runner_fails_with_an_explanation(temporal: TemporalDevServer,
                                             start_server: Callable[..., ServerProc]) -> None:
    server = start_server("--temporal-address", temporal.address, "--temporal-namespace",
                          "ref-norunner", "--runner-schedule-timeout", "3")
    with sdk(server) as client:
        agent = client.agents.apply(AgentInput(name="orphan", org="", instructions=INSTRUCTIONS))
        exec_id = start(client, agent.metadata.id).metadata.id
        snapshots = follow(client, exec_id, 20)
    final = snapshots[-1].status
    assert final.phase == FAILED
    expected = ("no agent-runner picked up the execution within 3s on task queue "
                "agent_execution_runner")
    assert (final.messages[-1].type, final.messages[-1].content) == (
        SYSTEM, f"Error: Execution failed: {expected}")
    assert final.error == expected


def test_temporal_unreachable_then_started_later(start_server: Callable[..., ServerProc]) -> None:
    port = free_port()
    server = start_server("--temporal-address", f"127.0.0.1:{port}")
    with sdk(server) as client:
        agent = client.agents.apply(AgentInput(name="stranded", org="", instructions=INSTRUCTIONS))
        began = time.monotonic()
        err = error_of(lambda: start(client, agent.metadata.id))
        assert time.monotonic() - began < 8
        assert err.code == ErrorCode.UNAVAILABLE
        assert str(err) == "Temporal workflow engine is unavailable. Please try again later"
        assert client.agent_executions.list(io_pb2.ListAgentExecutionsRequest()).entries == []
        late = TemporalDevServer(port=port)  # Temporal comes up after the server
        try:
            deadline = time.monotonic() + 15
            while True:
                try:
                    execution = start(client, agent.metadata.id)
                    break
                except StigmerError as exc:
                    assert exc.code == ErrorCode.UNAVAILABLE
                    assert time.monotonic() < deadline, "server never reconnected to Temporal"
                    time.sleep(0.3)
            assert execution.status.phase == PENDING
        finally:
            late.stop()


# ---- a fake agent-runner: a Temporal worker on agent_execution_runner -----------------------


@pytest.fixture(scope="module")
def runner_server(temporal: TemporalDevServer,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    proc = ServerProc(tmp_path_factory.mktemp("runner"), "--temporal-address", temporal.address,
                      "--temporal-namespace", "ref-runner", "--runner-schedule-timeout", "20")
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def fake_runner(runner_server: ServerProc, temporal: TemporalDevServer) -> Iterator[None]:
    """The runner contract: EnsureThread, then ExecuteGraphton(execution_id, thread_id) that
    streams a reply through update_status and returns the final status (or fails on request:
    raising, or returning a FAILED status it did not record, as the PyPI runner may)."""

    @activity.defn(name="EnsureThread")
    def ensure_thread(session_id: str, agent_id: str) -> str:
        return f"thread-{session_id}"

    @activity.defn(name="ExecuteGraphton")
    def execute_graphton(execution_id: str, thread_id: str) -> api_pb2.AgentExecutionStatus:
        with sdk(runner_server) as client:
            execution = client.agent_executions.get(execution_id)
            human = (HUMAN, execution.spec.message)
            if execution.spec.message == "please fail":
                raise ApplicationError("model exploded", non_retryable=True)
            if execution.spec.message == "return failure":
                return api_pb2.AgentExecutionStatus(phase=FAILED, error="no model")
            push = client.agent_executions.update_status
            push(status_update(execution_id, IN_PROGRESS, human))
            for text in ("Hel", "Hello", "Hello there"):
                push(status_update(execution_id, IN_PROGRESS, human, (AI, text)))
                activity.heartbeat()
            push(status_update(execution_id, COMPLETED, human,
                               (AI, f"Hello there! ({thread_id})")))
            return api_pb2.AgentExecutionStatus(phase=COMPLETED)

    stop = threading.Event()
    ready = threading.Event()

    async def run() -> None:
        client = await Client.connect(temporal.address, namespace="ref-runner")
        with ThreadPoolExecutor(4) as pool:
            async with Worker(client, task_queue="agent_execution_runner",
                              activities=[ensure_thread, execute_graphton],
                              activity_executor=pool):
                ready.set()
                while not stop.is_set():
                    await asyncio.sleep(0.05)

    thread = threading.Thread(target=lambda: asyncio.run(run()), daemon=True)
    thread.start()
    assert ready.wait(15), "fake runner worker did not start"
    yield
    stop.set()
    thread.join(15)


def test_runner_drives_execution_to_completed(runner_server: ServerProc,
                                              fake_runner: None) -> None:
    with sdk(runner_server) as client:
        agent = client.agents.apply(AgentInput(name="greeter", org="", instructions=INSTRUCTIONS))
        exec_id = start(client, agent.metadata.id, "Say hello").metadata.id
        snapshots = follow(client, exec_id, 20)
    phases = [s.status.phase for s in snapshots]
    assert phases[0] == PENDING and phases[-1] == COMPLETED and IN_PROGRESS in phases
    session_id = snapshots[-1].spec.session_id
    assert session_id
    assert [(m.type, m.content) for m in snapshots[-1].status.messages] == [
        (HUMAN, "Say hello"), (AI, f"Hello there! (thread-{session_id})")]


def test_returned_failed_status_is_recorded(runner_server: ServerProc,
                                            fake_runner: None) -> None:
    with sdk(runner_server) as client:
        agent = client.agents.apply(AgentInput(name="returner", org=""))
        exec_id = start(client, agent.metadata.id, "return failure").metadata.id
        final = follow(client, exec_id, 20)[-1].status
    assert final.phase == FAILED
    assert final.messages[-1].content == (
        "Error: Execution failed: the agent-runner failed: no model")


def test_runner_failure_is_recorded(runner_server: ServerProc, fake_runner: None) -> None:
    with sdk(runner_server) as client:
        agent = client.agents.apply(AgentInput(name="fragile", org="", instructions=INSTRUCTIONS))
        exec_id = start(client, agent.metadata.id, "please fail").metadata.id
        final = follow(client, exec_id, 20)[-1].status
    assert final.phase == FAILED
    assert final.messages[-1].content == (
        "Error: Execution failed: the agent-runner failed: model exploded")
