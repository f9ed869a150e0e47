"""Fixtures for the reference CLI tests: an in-memory fake of the SDK client and a runner."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from ai.stigmer.agentic.agent.v1 import api_pb2 as agent_api_pb2
from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api_pb2
from ai.stigmer.agentic.agentexecution.v1 import io_pb2 as execution_io_pb2
from ai.stigmer.search.v1 import io_pb2 as search_io_pb2
from stigmer import ErrorCode, ListResult, StigmerError

from reference.cli.config import Settings
from reference.cli.context import Context
from reference.cli.main import main

REPO_ROOT = Path(__file__).resolve().parents[3]
FIXTURES = REPO_ROOT / "features" / "fixtures"


def stigmer_error(status: grpc.StatusCode, message: str) -> StigmerError:
    """A StigmerError as the SDK raises it for `status`."""
    codes = {c.name: c for c in ErrorCode}
    return StigmerError(codes.get(status.name, ErrorCode.UNKNOWN), message, status)


class FakeAgents:
    """Agents kept in memory, addressed by id or org/slug."""

    def __init__(self) -> None:
        self.items: dict[str, agent_api_pb2.Agent] = {}
        self.apply_error: StigmerError | None = None
        self.deleted: list[str] = []

    def add(self, name: str, org: str = "local", description: str = "") -> agent_api_pb2.Agent:
        agent = agent_api_pb2.Agent(api_version="agentic.stigmer.ai/v1", kind="Agent")
        agent.metadata.name = name
        agent.metadata.slug = name
        agent.metadata.org = org
        agent.metadata.id = f"agt-{len(self.items) + 1:04d}"
        agent.spec.description = description
        self.items[agent.metadata.id] = agent
        return agent

    def _by_slug(self, org: str, slug: str) -> agent_api_pb2.Agent | None:
        for agent in self.items.values():
            if agent.metadata.org == org and agent.metadata.slug == slug:
                return agent
        return None

    def get(self, agent_id: str) -> agent_api_pb2.Agent:
        if agent_id not in self.items:
            raise stigmer_error(grpc.StatusCode.NOT_FOUND, f"Agent not found: {agent_id}")
        return self.items[agent_id]

    def get_by_reference(self, ref: Any) -> agent_api_pb2.Agent:
        agent = self._by_slug(ref.org, ref.slug)
        if agent is None:
            raise stigmer_error(grpc.StatusCode.NOT_FOUND, f"Agent not found: {ref.slug}")
        return agent

    def apply(self, input: Any) -> agent_api_pb2.Agent:
        if self.apply_error is not None:
            raise self.apply_error
        incoming = input._to_proto()
        slug = incoming.metadata.slug or incoming.metadata.name
        existing = self._by_slug(incoming.metadata.org, slug)
        stored = agent_api_pb2.Agent()
        stored.CopyFrom(incoming)
        stored.metadata.slug = slug
        stored.metadata.id = existing.metadata.id if existing else f"agt-{len(self.items) + 1:04d}"
        self.items[stored.metadata.id] = stored
        return stored

    def delete(self, agent_id: str) -> agent_api_pb2.Agent:
        agent = self.get(agent_id)
        del self.items[agent_id]
        self.deleted.append(agent_id)
        return agent

    def list(self, params: Any) -> ListResult:
        entries = [
            search_io_pb2.SearchResult(
                id=a.metadata.id, name=a.metadata.name, slug=a.metadata.slug,
                org=a.metadata.org, description=a.spec.description,
            )
            for a in self.items.values() if a.metadata.org == params.org
        ]
        return ListResult(entries=entries, total_count=len(entries), total_pages=1)


class FakeWorkflows:
    """A server without workflows: every call answers UNIMPLEMENTED (configurable)."""

    def __init__(self) -> None:
        self.error = stigmer_error(grpc.StatusCode.UNIMPLEMENTED, "Method not implemented!")

    def get_by_reference(self, ref: Any) -> Any:
        raise self.error

    def get(self, workflow_id: str) -> Any:
        raise self.error

    def apply(self, input: Any) -> Any:
        raise self.error


@dataclass
class FakeExecutions:
    """Agent executions: `create` records its input; `subscribe` replays `script`."""

    script: list[execution_api_pb2.AgentExecution] = field(default_factory=list)
    created: list[execution_api_pb2.AgentExecution] = field(default_factory=list)
    create_error: StigmerError | None = None
    subscribe_error: StigmerError | None = None
    stored: dict[str, execution_api_pb2.AgentExecution] = field(default_factory=dict)
    cancelled: list[Any] = field(default_factory=list)

    def create(self, input: Any) -> execution_api_pb2.AgentExecution:
        if self.create_error is not None:
            raise self.create_error
        execution = input._to_proto()
        execution.metadata.id = f"aex-{len(self.created) + 1:04d}"
        execution.status.phase = 1
        self.created.append(execution)
        self.stored[execution.metadata.id] = execution
        return execution

    def subscribe(self, execution_id: str) -> Iterator[execution_api_pb2.AgentExecution]:
        if self.subscribe_error is not None:
            raise self.subscribe_error
        for snapshot in self.script:
            self.stored[execution_id] = snapshot
            yield snapshot

    def get(self, execution_id: str) -> execution_api_pb2.AgentExecution:
        if execution_id not in self.stored:
            raise stigmer_error(grpc.StatusCode.NOT_FOUND, f"not found: {execution_id}")
        return self.stored[execution_id]

    def list(self, request: Any) -> execution_io_pb2.AgentExecutionList:
        return execution_io_pb2.AgentExecutionList(entries=list(self.stored.values()))

    def cancel(self, request: Any) -> execution_api_pb2.AgentExecution:
        self.cancelled.append(request)
        execution = execution_api_pb2.AgentExecution()
        execution.metadata.id = request.id
        execution.status.phase = 5
        return execution


class FakeClient:
    """Stands in for `stigmer.StigmerClient` with the sub-clients the CLI uses."""

    def __init__(self) -> None:
        self.agents = FakeAgents()
        self.workflows = FakeWorkflows()
        self.agent_executions = FakeExecutions()
        self.workflow_executions = None
        self.closed = False

    def close(self) -> None:
        self.closed = True


@dataclass
class CliResult:
    """Exit code and captured output of one in-process CLI run."""

    code: int
    out: str
    err: str


@pytest.fixture
def fake_client() -> FakeClient:
    """A fresh in-memory client."""
    return FakeClient()


@pytest.fixture
def cli(fake_client: FakeClient) -> Callable[..., CliResult]:
    """Run the CLI in-process against `fake_client`: `cli("list", "agents")`."""

    def run(*argv: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        ctx = Context(Settings(), connector=lambda _settings: fake_client, out=out, err=err)
        code = main(list(argv), context=ctx)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def fixtures_dir() -> Path:
    """`features/fixtures`."""
    return FIXTURES


def execution_snapshot(
    phase: int, messages: list[tuple[int, str]], execution_id: str = "aex-0001", error: str = ""
) -> execution_api_pb2.AgentExecution:
    """An AgentExecution with a phase and (type, content) messages."""
    execution = execution_api_pb2.AgentExecution()
    execution.metadata.id = execution_id
    execution.status.phase = phase
    execution.status.error = error
    for message_type, content in messages:
        execution.status.messages.add(type=message_type, content=content)
    return execution


@pytest.fixture
def make_error() -> Callable[[grpc.StatusCode, str], StigmerError]:
    """Factory for SDK errors: `make_error(grpc.StatusCode.NOT_FOUND, "...")`."""
    return stigmer_error


@pytest.fixture
def snapshot() -> Callable[..., execution_api_pb2.AgentExecution]:
    """Factory for execution snapshots (see `execution_snapshot`)."""
    return execution_snapshot
