"""Unit tests: the in-process broker and ExecutionService.subscribe (no leaks)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from ai.stigmer.agentic.agent.v1 import api_pb2 as agent_api
from ai.stigmer.agentic.agentexecution.v1 import api_pb2, enum_pb2, io_pb2

from reference.server import pubsub
from reference.server.agents import AgentService, Mode
from reference.server.executions import ExecutionService
from reference.server.pubsub import Broker, Event
from reference.server.store import Store

pytestmark = pytest.mark.anyio


class FakeEngine:
    """Accepts every workflow start."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.cancelled: list[str] = []

    async def start_agent_execution(self, execution_id: str, *, session_id: str = "",
                                    agent_id: str = "") -> None:
        self.started.append(execution_id)

    async def cancel_agent_execution(self, execution_id: str) -> None:
        self.cancelled.append(execution_id)


async def test_publish_from_another_thread_reaches_subscriber() -> None:
    broker = Broker(asyncio.get_running_loop())
    sub = broker.subscribe("k")
    thread = threading.Thread(target=broker.publish, args=("k", Event(1, "snap")))
    thread.start()
    thread.join()
    received = await asyncio.wait_for(anext(aiter(sub)), 2)
    assert received == Event(1, "snap")
    sub.close()
    assert broker.subscriber_count("k") == 0


async def test_overflow_drops_oldest_and_close_ends_iteration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pubsub, "MAX_QUEUED", 2)
    broker = Broker(asyncio.get_running_loop())
    sub = broker.subscribe("k")
    for revision in range(1, 5):
        broker.publish("k", Event(revision, None))
    broker.close()
    revisions = [event.revision async for event in sub]
    assert revisions == [4]  # 3 was dropped when the close sentinel arrived


async def test_subscribe_streams_changes_and_cleans_up(tmp_path: Path) -> None:
    store = Store(tmp_path / "stigmer.db")
    broker = Broker(asyncio.get_running_loop())
    engine = FakeEngine()
    service = ExecutionService(store, broker, engine)
    agent = AgentService(store).save(
        agent_api.Agent(metadata={"name": "sub-agent"}), Mode.APPLY
    )
    execution = await service.create(
        api_pb2.AgentExecution(spec={"agent_id": agent.metadata.id, "message": "hi"})
    )
    exec_id = execution.metadata.id
    assert engine.started == [exec_id]

    stream = service.subscribe(exec_id)
    first = await anext(stream)
    assert first.status.phase == enum_pb2.EXECUTION_PENDING
    assert broker.subscriber_count(exec_id) == 1
    await asyncio.to_thread(
        service.update_status,
        io_pb2.AgentExecutionUpdateStatusInput(
            execution_id=exec_id, status={"phase": enum_pb2.EXECUTION_IN_PROGRESS}
        ),
    )
    second = await asyncio.wait_for(anext(stream), 2)
    assert second.status.phase == enum_pb2.EXECUTION_IN_PROGRESS
    await stream.aclose()  # the client went away
    assert broker.subscriber_count(exec_id) == 0

    done = service.subscribe(exec_id)
    await anext(done)
    cancelled = await service.cancel(io_pb2.CancelAgentExecutionInput(id=exec_id, reason="stop"))
    assert cancelled.status.phase == enum_pb2.EXECUTION_CANCELLED
    last = await asyncio.wait_for(anext(done), 2)
    assert last.status.phase == enum_pb2.EXECUTION_CANCELLED
    assert [x async for x in done] == []  # the stream ended after the terminal phase
    assert broker.subscriber_count(exec_id) == 0
    assert engine.cancelled == [exec_id]
    store.close()
