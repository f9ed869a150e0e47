"""In-process tests of the assembled server: stream cancellation does not leak subscribers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest
from ai.stigmer.agentic.agent.v1 import api_pb2 as agent_api
from ai.stigmer.agentic.agent.v1 import command_pb2_grpc as agent_command
from ai.stigmer.agentic.agentexecution.v1 import api_pb2, command_pb2_grpc, io_pb2, query_pb2_grpc

from reference.server.app import ServerApp
from reference.server.config import Config

pytestmark = pytest.mark.anyio


class FakeEngine:
    """Accepts every workflow start; records cancellations."""

    def __init__(self) -> None:
        self.cancelled: list[str] = []

    async def start_agent_execution(self, execution_id: str, *, session_id: str = "",
                                    agent_id: str = "") -> None:
        """Pretend the workflow started."""

    async def cancel_agent_execution(self, execution_id: str) -> None:
        self.cancelled.append(execution_id)

    async def start(self) -> None:
        """Nothing to do."""

    async def stop(self) -> None:
        """Nothing to do."""


async def test_cancelled_subscribe_stream_releases_its_subscription(tmp_path: Path) -> None:
    engine = FakeEngine()
    app = ServerApp(Config(data_dir=tmp_path, port=0), engine=engine)
    port = await app.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            agent = await agent_command.AgentCommandControllerStub(channel).apply(
                agent_api.Agent(api_version="agentic.stigmer.ai/v1", kind="Agent",
                                metadata={"name": "streamer"},
                                spec={"instructions": "Stream every answer."}))
            execution = await command_pb2_grpc.AgentExecutionCommandControllerStub(
                channel).create(api_pb2.AgentExecution(
                    api_version="agentic.stigmer.ai/v1", kind="AgentExecution", metadata={},
                    spec={"agent_id": agent.metadata.id, "message": "hi"}))
            exec_id = execution.metadata.id
            query = query_pb2_grpc.AgentExecutionQueryControllerStub(channel)
            for _ in range(3):
                call = query.subscribe(io_pb2.AgentExecutionId(value=exec_id))
                first = await call.read()
                assert first.metadata.id == exec_id
                assert app.broker.subscriber_count(exec_id) >= 1
                call.cancel()
            for _ in range(100):
                if app.broker.subscriber_count(exec_id) == 0:
                    break
                await asyncio.sleep(0.02)
            assert app.broker.subscriber_count(exec_id) == 0
            still_open = query.subscribe(io_pb2.AgentExecutionId(value=exec_id))
            await still_open.read()
    finally:
        await app.stop()  # ends the still-open stream instead of hanging shutdown
    assert await asyncio.wait_for(still_open.code(), 5) in (
        grpc.StatusCode.OK, grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)
