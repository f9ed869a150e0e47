"""Async access to the Stigmer backend through the official SDK (blocking calls in threads)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol, TypeVar

from ai.stigmer.agentic.agent.v1 import api_pb2 as agent_api
from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api
from ai.stigmer.agentic.agentexecution.v1 import io_pb2 as execution_io
from ai.stigmer.agentic.agentinstance.v1 import api_pb2 as instance_api
from ai.stigmer.agentic.environment.v1 import api_pb2 as environment_api
from ai.stigmer.agentic.mcpserver.v1 import api_pb2 as mcp_api
from ai.stigmer.agentic.session.v1 import api_pb2 as session_api
from ai.stigmer.agentic.skill.v1 import api_pb2 as skill_api
from ai.stigmer.commons.apiresource import io_pb2 as resource_io
from stigmer import ErrorCode, ResourceRef, StigmerClient, StigmerError

from .errors import BackendError, ExecutionStopped

T = TypeVar("T")


class Backend(Protocol):
    """What the runner needs from the Stigmer backend (a fake implements it in tests)."""

    async def get_execution(self, execution_id: str) -> execution_api.AgentExecution: ...

    async def get_session(self, session_id: str) -> session_api.Session: ...

    async def get_agent_instance(self, instance_id: str) -> instance_api.AgentInstance: ...

    async def get_agent(self, agent_id: str) -> agent_api.Agent: ...

    async def get_skill(self, ref: resource_io.ApiResourceReference) -> skill_api.Skill: ...

    async def get_mcp_server(self, ref: resource_io.ApiResourceReference) -> mcp_api.McpServer: ...

    async def get_environment(
        self, ref: resource_io.ApiResourceReference
    ) -> environment_api.Environment: ...

    async def update_status(
        self, status: execution_io.AgentExecutionUpdateStatusInput
    ) -> execution_io.UpdateStatusResponse: ...


def _ref(proto: resource_io.ApiResourceReference) -> ResourceRef:
    return ResourceRef(org=proto.org, slug=proto.slug, version=proto.version)


def ref_text(proto: resource_io.ApiResourceReference) -> str:
    """``org/slug[@version]`` for messages."""
    text = f"{proto.org}/{proto.slug}" if proto.org else proto.slug
    return f"{text}@{proto.version}" if proto.version else text


class SdkBackend:
    """:class:`Backend` over ``stigmer.StigmerClient`` (insecure channel, bearer API key)."""

    def __init__(self, endpoint: str, api_key: str, timeout_s: float = 30.0) -> None:
        self.endpoint = endpoint
        self._timeout_s = timeout_s
        self._client = StigmerClient(api_key, base_url=endpoint, insecure=True)

    async def _in_thread(self, what: str, fn: Callable[[], T]) -> T:
        try:
            return await asyncio.wait_for(asyncio.to_thread(fn), self._timeout_s)
        except TimeoutError:
            raise BackendError(
                f"Stigmer backend at {self.endpoint} did not answer within "
                f"{self._timeout_s:g}s while trying to {what}",
                code="unavailable",
            ) from None

    def close(self) -> None:
        """Release the gRPC channel."""
        self._client.close()

    async def _call(self, what: str, fn: Callable[[], T]) -> T:
        try:
            return await self._in_thread(what, fn)
        except StigmerError as exc:
            raise BackendError(
                f"Stigmer backend at {self.endpoint} failed to {what}: "
                f"{exc.code.value}: {exc}",
                code=exc.code.value,
            ) from exc

    async def get_execution(self, execution_id: str) -> execution_api.AgentExecution:
        return await self._call(
            f"load agent execution {execution_id}",
            lambda: self._client.agent_executions.get(execution_id),
        )

    async def get_session(self, session_id: str) -> session_api.Session:
        return await self._call(
            f"load session {session_id}", lambda: self._client.sessions.get(session_id)
        )

    async def get_agent_instance(self, instance_id: str) -> instance_api.AgentInstance:
        return await self._call(
            f"load agent instance {instance_id}",
            lambda: self._client.agent_instances.get(instance_id),
        )

    async def get_agent(self, agent_id: str) -> agent_api.Agent:
        return await self._call(
            f"load agent {agent_id}", lambda: self._client.agents.get(agent_id)
        )

    async def get_skill(self, ref: resource_io.ApiResourceReference) -> skill_api.Skill:
        return await self._call(
            f"load skill {ref_text(ref)}", lambda: self._client.skills.get_by_reference(_ref(ref))
        )

    async def get_mcp_server(self, ref: resource_io.ApiResourceReference) -> mcp_api.McpServer:
        return await self._call(
            f"load MCP server {ref_text(ref)}",
            lambda: self._client.mcp_servers.get_by_reference(_ref(ref)),
        )

    async def get_environment(
        self, ref: resource_io.ApiResourceReference
    ) -> environment_api.Environment:
        return await self._call(
            f"load environment {ref_text(ref)}",
            lambda: self._client.environments.get_by_reference(_ref(ref)),
        )

    async def update_status(
        self, status: execution_io.AgentExecutionUpdateStatusInput
    ) -> execution_io.UpdateStatusResponse:
        what = f"update the status of {status.execution_id}"
        try:
            return await self._in_thread(
                what, lambda: self._client.agent_executions.update_status(status)
            )
        except StigmerError as exc:
            if exc.code == ErrorCode.FAILED_PRECONDITION:
                raise ExecutionStopped(f"execution is already terminal: {exc}") from exc
            raise BackendError(
                f"Stigmer backend at {self.endpoint} failed to {what}: {exc.code.value}: {exc}",
                code=exc.code.value,
            ) from exc
