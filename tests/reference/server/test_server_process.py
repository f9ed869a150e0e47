"""Integration: process lifecycle, health, persistence, auth, concurrency (SDK over gRPC)."""

from __future__ import annotations

import signal
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest
from ai.stigmer.agentic.agentexecution.v1 import io_pb2 as execution_io
from ai.stigmer.commons.apiresource.apiresourcekind import api_resource_kind_pb2 as kinds
from grpc_health.v1 import health_pb2, health_pb2_grpc
from stigmer import StigmerClient, StigmerError, is_unauthenticated
from stigmer._gen._agent import AgentInput
from stigmer._gen._agentexecution import AgentExecutionInput
from stigmer._gen._errors import ErrorCode
from stigmer._gen._session import SessionInput
from stigmer._gen._types import ListParams
from stigmer._search import SearchParams

from tests.reference.server.server_procs import ServerProc

INSTRUCTIONS = "Answer briefly and politely."

Start = Callable[..., ServerProc]


def sdk(server: ServerProc, key: str = "k") -> StigmerClient:
    return StigmerClient(api_key=key, base_url=server.address, insecure=True)


def count_rows(db: Path, kind: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM resources WHERE kind = ?",
                                (kind,)).fetchone()[0])


def health_status(address: str) -> int:
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        return stub.Check(health_pb2.HealthCheckRequest(), timeout=5).status


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_health_and_clean_shutdown(start_server: Start, sig: int) -> None:
    server = start_server()
    assert health_status(server.address) == health_pb2.HealthCheckResponse.SERVING
    assert server.stop(sig) == 0
    assert "stopped" in server.output()


def test_all_hosts_share_the_port(start_server: Start) -> None:
    server = start_server("--host", "127.0.0.1", "--host", "127.0.0.2")
    assert f"listening on 127.0.0.1:{server.port}" in server.output()
    assert health_status(f"127.0.0.2:{server.port}") == health_pb2.HealthCheckResponse.SERVING


def test_data_survives_restart(start_server: Start, tmp_path: Path) -> None:
    data = tmp_path / "persist"
    first = start_server(data_dir=data)
    with sdk(first) as client:
        agent = client.agents.apply(AgentInput(
            name="persistent", org="", instructions="Keep these instructions."))
    assert first.stop() == 0
    second = start_server(data_dir=data)
    with sdk(second) as client:
        again = client.agents.get(agent.metadata.id)
        assert again.spec.instructions == "Keep these instructions."
        assert client.agent_instances.get(agent.status.default_instance_id).metadata.id
        reapplied = client.agents.apply(AgentInput(
            name="persistent", org="", instructions="Version two of the rules."))
        assert reapplied.metadata.id == agent.metadata.id
        assert client.agents.list(ListParams(query="persistent")).total_count == 1


def test_auth_required_with_api_key(start_server: Start) -> None:
    server = start_server("--api-key", "s3cret")
    with sdk(server, "s3cret") as good:
        assert good.agents.apply(AgentInput(
            name="authed", org="", instructions=INSTRUCTIONS)).metadata.id
    with sdk(server, "wrong") as bad:
        with pytest.raises(StigmerError) as err:
            bad.agents.list(ListParams())
        assert is_unauthenticated(err.value) and "invalid API key" in str(err.value)
    with grpc.insecure_channel(server.address) as channel:
        get = channel.unary_unary("/ai.stigmer.agentic.agent.v1.AgentQueryController/get")
        with pytest.raises(grpc.RpcError) as raw:
            get(b"")
        assert raw.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "missing API key" in raw.value.details()
        subscribe = channel.unary_stream(
            "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController/subscribe")
        with pytest.raises(grpc.RpcError) as streamed:
            list(subscribe(b""))
        assert streamed.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert health_status(server.address) == health_pb2.HealthCheckResponse.SERVING
    assert "s3cret" not in server.output()


def test_local_mode_accepts_any_key(shared_server: ServerProc) -> None:
    for key in ("anything", "other"):
        with sdk(shared_server, key) as client:
            assert client.agents.list(ListParams(query="x")).total_count >= 0


def test_concurrent_clients(shared_server: ServerProc) -> None:
    def apply_same(i: int) -> str:
        with sdk(shared_server) as client:
            return client.agents.apply(AgentInput(
                name="contended", org="conc", instructions=f"Instructions number {i}.")).metadata.id

    def create_same(i: int) -> str:
        with sdk(shared_server) as client:
            try:
                return client.agents.create(AgentInput(
                    name="racer", org="conc", instructions=INSTRUCTIONS)).metadata.id
            except StigmerError as exc:
                return exc.code.value

    def apply_distinct(i: int) -> str:
        with sdk(shared_server) as client:
            return client.agents.apply(AgentInput(
                name=f"worker-{i}", org="conc", instructions=INSTRUCTIONS)).metadata.id

    with ThreadPoolExecutor(20) as pool:
        same = set(pool.map(apply_same, range(20)))
        raced = list(pool.map(create_same, range(20)))
        distinct = set(pool.map(apply_distinct, range(20)))
    assert len(same) == 1
    assert raced.count(ErrorCode.ALREADY_EXISTS.value) == 19
    assert len(distinct) == 20
    with sdk(shared_server) as client:
        listed = client.agents.list(ListParams(org="conc", page=None))
        assert listed.total_count == 22
        instances = client.search.query(SearchParams(kinds=[kinds.agent_instance], org="conc"))
        assert instances.total_count == 22  # exactly one default instance per agent


def test_no_temporal_means_unavailable_and_no_leftovers(start_server: Start) -> None:
    server = start_server()
    db = server.data_dir / "stigmer.db"
    with sdk(server) as client:
        agent = client.agents.apply(AgentInput(name="lonely", org="", instructions=INSTRUCTIONS))
        with pytest.raises(StigmerError) as err:
            client.agent_executions.create(AgentExecutionInput(
                name="", org="", agent_id=agent.metadata.id, message="hello"))
        assert err.value.code == ErrorCode.UNAVAILABLE
        assert str(err.value) == "Temporal workflow engine is unavailable. Please try again later"
        listed = client.agent_executions.list(execution_io.ListAgentExecutionsRequest())
        assert list(listed.entries) == []
    assert count_rows(db, "agent_execution") == 0
    assert count_rows(db, "session") == 0


def test_sessions_create_get_delete(shared_server: ServerProc) -> None:
    with sdk(shared_server) as client:
        agent = client.agents.apply(AgentInput(name="talker", org="", instructions=INSTRUCTIONS))
        session = client.sessions.create(SessionInput(
            name="chat", org="", agent_instance_id=agent.status.default_instance_id,
            subject="testing"))
        assert session.metadata.id.startswith("ses-")
        assert client.sessions.get(session.metadata.id).spec.subject == "testing"
        assert client.sessions.delete(session.metadata.id).metadata.id == session.metadata.id
        with pytest.raises(StigmerError) as err:
            client.sessions.get(session.metadata.id)
        assert err.value.code == ErrorCode.NOT_FOUND
        with pytest.raises(StigmerError) as err:
            client.sessions.create(SessionInput(name="x", org="", agent_instance_id="ain-404"))
        assert err.value.code == ErrorCode.NOT_FOUND
