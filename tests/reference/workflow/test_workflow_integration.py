"""Workflows end to end through the official SDK: the reference server, a Temporal dev server
and the real runner process (which hosts the interpreter), plus a loopback HTTP API."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from ai.stigmer.agentic.workflow.v1 import api_pb2, enum_pb2
from ai.stigmer.agentic.workflow.v1.serverless import validation_pb2
from ai.stigmer.agentic.workflowexecution.v1 import enum_pb2 as wex_enum
from ai.stigmer.agentic.workflowexecution.v1 import io_pb2
from google.protobuf import json_format
from stigmer import EnvVarInput, ListParams, StigmerClient, WorkflowExecutionInput
from stigmer._gen._errors import ErrorCode
from stigmer._gen._workflow import (
    ExportInput,
    WorkflowDocumentInput,
    WorkflowInput,
    WorkflowTaskInput,
)

from tests.reference.runner.runner_procs import Proc
from tests.reference.server.server_procs import ServerProc, TemporalDevServer

pytestmark = pytest.mark.timeout(120)
DOC = WorkflowDocumentInput(namespace="it", name="wf", version="1.0.0", dsl="1.0.0")
Phase = wex_enum.ExecutionPhase


class _Api(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        status, body = (500, {"error": "x"}) if self.path == "/fail" else (
            200, {"path": self.path, "token": self.headers.get("X-Token", "")})
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def api_base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProc, str]]:
    """Temporal (namespaces default + idle), the server, and one runner process."""
    temporal = TemporalDevServer(namespaces=["idle"])
    server = runner = None
    try:
        server = ServerProc(tmp_path_factory.mktemp("wf"), "--temporal-address",
                            temporal.address, "--runner-schedule-timeout", "20")
        ready = tmp_path_factory.mktemp("ready") / "runner-ready"
        runner = Proc("runner", [sys.executable, "-m", "reference.runner"], env={
            "TEMPORAL_SERVICE_ADDRESS": temporal.address,
            "STIGMER_BACKEND_ENDPOINT": server.address, "STIGMER_API_KEY": "k",
            "STIGMER_RUNNER_READY_FILE": str(ready)})
        runner.wait_for("worker ready on task queue workflow_execution_runner", 30)
        yield server, temporal.address
    finally:
        if runner is not None:
            runner.stop()
        if server is not None:
            server.stop()
        temporal.stop()


@pytest.fixture
def client(stack: tuple[ServerProc, str]) -> Iterator[StigmerClient]:
    with StigmerClient("k", base_url=stack[0].address, insecure=True) as c:
        yield c


def task(name: str, kind: int, **config: Any) -> WorkflowTaskInput:
    return WorkflowTaskInput(kind=kind, name=name, task_config=config)


def apply(client: StigmerClient, name: str, *tasks: WorkflowTaskInput) -> api_pb2.Workflow:
    return client.workflows.apply(WorkflowInput(name=name, org="it", document=DOC,
                                                tasks=list(tasks)))


def start(client: StigmerClient, workflow: api_pb2.Workflow, **env: EnvVarInput) -> str:
    return client.workflow_executions.create(WorkflowExecutionInput(
        name="", org="it", workflow_id=workflow.metadata.id, runtime_env=env)).metadata.id


def wait(client: StigmerClient, execution_id: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        execution = client.workflow_executions.get(execution_id)
        if execution.status.phase in (Phase.EXECUTION_COMPLETED, Phase.EXECUTION_FAILED,
                                      Phase.EXECUTION_CANCELLED):
            return execution
        time.sleep(0.2)
    raise TimeoutError(str(client.workflow_executions.get(execution_id).status))


def test_http_set_and_secrets(client: StigmerClient, api_base: str) -> None:
    fetch = task("fetch", enum_pb2.http_call,
                 endpoint={"uri": '${ $env.BASE + "/users/7" }'},
                 headers={"X-Token": "${ $env.TOKEN }"})
    fetch.export = ExportInput(as_="${ {fetched: .} }")
    workflow = apply(client, "fetch", fetch, task(
        "greet", enum_pb2.set_vars, variables={"seen": "${ $context.fetched.body.path }",
                                               "token": "${ $env.TOKEN }"}))
    execution_id = start(client, workflow, BASE=EnvVarInput(value=api_base),
                         TOKEN=EnvVarInput(value="sup3r-secret", is_secret=True))
    final = wait(client, execution_id)
    assert final.status.phase == Phase.EXECUTION_COMPLETED, final.status.error
    fetched = json_format.MessageToDict(final.status.tasks[0].output)
    assert fetched["body"] == {"path": "/users/7", "token": "********"}
    result = json_format.MessageToDict(final.status.output)
    assert result["seen"] == "/users/7"
    assert result["token"] is None  # the workflow itself never sees a secret value
    assert "sup3r-secret" not in str(final.status)
    assert final.status.started_at and final.status.completed_at
    listed = client.workflow_executions.list(io_pb2.ListWorkflowExecutionsRequest(org="it"))
    assert execution_id in [e.metadata.id for e in listed.entries]


def test_failure_and_cancellation(client: StigmerClient, api_base: str) -> None:
    failing = apply(client, "failing", task("call_api", enum_pb2.http_call,
                                            endpoint={"uri": '${ $env.BASE + "/fail" }'}))
    final = wait(client, start(client, failing, BASE=EnvVarInput(value=api_base)))
    assert final.status.phase == Phase.EXECUTION_FAILED
    assert final.status.error.startswith('task "call_api" failed: GET ')
    waiting = apply(client, "waiting", task("hold", enum_pb2.wait, duration={"minutes": 5}))
    execution_id = start(client, waiting)
    deadline = time.monotonic() + 20
    while not client.workflow_executions.get(execution_id).status.tasks:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    cancelled = client.workflow_executions.cancel(
        io_pb2.CancelWorkflowExecutionInput(id=execution_id, reason="test"))
    assert cancelled.status.phase == Phase.EXECUTION_CANCELLED
    snapshots = list(client.workflow_executions.subscribe(
        io_pb2.SubscribeWorkflowExecutionRequest(execution_id=execution_id)))
    assert snapshots[-1].status.phase == Phase.EXECUTION_CANCELLED


def test_validation_listing_and_errors(client: StigmerClient) -> None:
    broken = WorkflowInput(name="broken", org="it", document=DOC,
                           tasks=[task("fetch", enum_pb2.http_call, method="GET")])
    verdict = client.workflows.validate_spec(broken)
    assert verdict.state == validation_pb2.INVALID
    assert verdict.errors == ['tasks[0] "fetch": http call needs endpoint.uri']
    with pytest.raises(Exception) as caught:
        client.workflows.apply(broken)
    assert caught.value.code == ErrorCode.INVALID_ARGUMENT
    assert 'tasks[0] "fetch": http call needs endpoint.uri' in str(caught.value)
    apply(client, "listed", task("a", enum_pb2.set_vars, variables={"x": "1"}))
    slugs = [e.slug for e in client.workflows.list(ListParams(org="it")).entries]
    assert "listed" in slugs and "broken" not in slugs


def test_no_runner_fails_with_a_clear_message(stack: tuple[ServerProc, str],
                                              tmp_path: Path) -> None:
    server = ServerProc(tmp_path, "--temporal-address", stack[1], "--temporal-namespace",
                        "idle", "--runner-schedule-timeout", "1")
    try:
        with StigmerClient("k", base_url=server.address, insecure=True) as c:
            workflow = apply(c, "orphan", task("a", enum_pb2.set_vars, variables={"x": "1"}))
            final = wait(c, start(c, workflow), timeout=15)
            assert final.status.phase == Phase.EXECUTION_FAILED
            assert "no workflow-runner picked up the execution within 1s" in final.status.error
    finally:
        server.stop()


def test_without_temporal_creation_is_unavailable(tmp_path: Path) -> None:
    server = ServerProc(tmp_path)
    try:
        with StigmerClient("k", base_url=server.address, insecure=True) as c:
            workflow = apply(c, "alone", task("a", enum_pb2.set_vars, variables={"x": "1"}))
            with pytest.raises(Exception) as caught:
                start(c, workflow)
            assert caught.value.code == ErrorCode.UNAVAILABLE
            listed = c.workflow_executions.list(io_pb2.ListWorkflowExecutionsRequest())
            assert len(listed.entries) == 0
    finally:
        server.stop()
