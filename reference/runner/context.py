"""Loads everything one execution needs (execution, instance, agent, skills, env, MCP servers)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ai.stigmer.agentic.agent.v1 import api_pb2 as agent_api
from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api
from ai.stigmer.agentic.agentinstance.v1 import api_pb2 as instance_api
from ai.stigmer.commons.apiresource import io_pb2 as resource_io

from .backend import Backend, ref_text
from .errors import BackendError, RunnerError, ToolError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnvValue:
    """One environment variable given to the agent; secret values never reach transcripts."""

    value: str
    is_secret: bool = False


@dataclass(frozen=True)
class SkillDoc:
    """A skill's name and instructions (SKILL.md)."""

    name: str
    content: str


@dataclass(frozen=True)
class McpServerPlan:
    """How to start one MCP server the agent uses (stdio transport)."""

    slug: str
    command: str
    args: tuple[str, ...] = ()
    working_dir: str = ""
    env: dict[str, str] = field(default_factory=dict)
    enabled_tools: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExecutionContext:
    """The resolved inputs of one execution."""

    execution_id: str
    message: str
    model: str
    agent_name: str = ""
    instructions: str = ""
    skills: tuple[SkillDoc, ...] = ()
    env: dict[str, EnvValue] = field(default_factory=dict)
    mcp_servers: tuple[McpServerPlan, ...] = ()

    @property
    def secret_values(self) -> list[str]:
        """Values to mask everywhere."""
        return [v.value for v in self.env.values() if v.is_secret and v.value]


def select_model(execution: execution_api.AgentExecution, default: str) -> str:
    """Per-execution ``execution_config.model_name``, else the runner default.

    (AgentSpec has no model field in 3.41.0; only sub-agents carry ``model_override``.)
    """
    return execution.spec.execution_config.model_name.strip() or default


async def _resolve_instance(
    backend: Backend, execution: execution_api.AgentExecution
) -> instance_api.AgentInstance | None:
    instance_id = execution.spec.session_spec.agent_instance_id
    if not instance_id and execution.spec.session_id:
        try:
            session = await backend.get_session(execution.spec.session_id)
            instance_id = session.spec.agent_instance_id
        except BackendError as exc:
            log.info("session lookup failed, using the agent's default instance: %s", exc)
    if not instance_id:
        return None
    return await backend.get_agent_instance(instance_id)


async def _load_env(
    backend: Backend,
    execution: execution_api.AgentExecution,
    instance: instance_api.AgentInstance | None,
) -> dict[str, EnvValue]:
    env: dict[str, EnvValue] = {}
    for ref in instance.spec.environment_refs if instance else ():
        environment = await backend.get_environment(ref)
        for name, item in environment.spec.data.items():
            env[name] = EnvValue(item.value, item.is_secret)
    for name, item in execution.spec.runtime_env.items():
        env[name] = EnvValue(item.value, item.is_secret)
    return env


async def _load_skills(
    backend: Backend, refs: list[resource_io.ApiResourceReference]
) -> tuple[SkillDoc, ...]:
    docs = []
    for ref in refs:
        skill = await backend.get_skill(ref)
        name = skill.spec.name or skill.metadata.name or ref.slug
        docs.append(SkillDoc(name=name, content=skill.spec.skill_md.strip()))
    return tuple(docs)


async def _load_mcp_servers(
    backend: Backend, agent: agent_api.Agent, env: dict[str, EnvValue]
) -> tuple[McpServerPlan, ...]:
    plans = []
    for usage in agent.spec.mcp_server_usages:
        server = await backend.get_mcp_server(usage.mcp_server_ref)
        slug = server.metadata.slug or usage.mcp_server_ref.slug
        if not server.spec.stdio.command:
            raise ToolError(
                f"MCP server {ref_text(usage.mcp_server_ref)} has no stdio command "
                "(the reference runner supports stdio MCP servers only)"
            )
        server_env: dict[str, str] = {}
        for name, declaration in server.spec.env.items():
            if name in env:
                server_env[name] = env[name].value
            elif not declaration.optional:
                raise ToolError(
                    f"MCP server {slug} needs environment variable {name}, "
                    "which the execution does not provide"
                )
        plans.append(
            McpServerPlan(
                slug=slug,
                command=server.spec.stdio.command,
                args=tuple(server.spec.stdio.args),
                working_dir=server.spec.stdio.working_dir,
                env=server_env,
                enabled_tools=tuple(usage.enabled_tools or server.spec.default_enabled_tools),
            )
        )
    return tuple(plans)


async def load_agent_context(
    backend: Backend, execution: execution_api.AgentExecution, default_model: str
) -> ExecutionContext:
    """Resolve instance, agent, env, skills and MCP servers of a loaded execution."""
    instance = await _resolve_instance(backend, execution)
    agent_id = execution.spec.agent_id or (instance.spec.agent_id if instance else "")
    if not agent_id:
        raise RunnerError(
            f"execution {execution.metadata.id} names no agent "
            "(spec.agent_id and its agent instance are empty)"
        )
    agent = await backend.get_agent(agent_id)
    if instance is None and agent.status.default_instance_id:
        instance = await backend.get_agent_instance(agent.status.default_instance_id)
    env = await _load_env(backend, execution, instance)
    skill_refs = list(agent.spec.skill_refs) + list(execution.spec.session_spec.skill_refs)
    return ExecutionContext(
        execution_id=execution.metadata.id,
        message=execution.spec.message,
        model=select_model(execution, default_model),
        agent_name=agent.metadata.name,
        instructions=agent.spec.instructions,
        skills=await _load_skills(backend, skill_refs),
        env=env,
        mcp_servers=await _load_mcp_servers(backend, agent, env),
    )
