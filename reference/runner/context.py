"""Loads everything one execution needs (execution, instance, agent, skills, env, MCP servers)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from ai.stigmer.agentic.agent.v1 import api_pb2 as agent_api
from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api
from ai.stigmer.agentic.agentinstance.v1 import api_pb2 as instance_api
from ai.stigmer.agentic.mcpserver.v1 import api_pb2 as mcp_api
from ai.stigmer.commons.apiresource import io_pb2 as resource_io

from .approvals import ToolApproval, approval_policy, merged_policy
from .backend import Backend
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
    """How to reach one MCP server the agent uses: a stdio ``command`` the runner starts, or
    a streamable-HTTP ``url`` (with ``headers`` and a per-request ``timeout_s``)."""

    slug: str
    command: str = ""
    args: tuple[str, ...] = ()
    working_dir: str = ""
    env: dict[str, str] = field(default_factory=dict)
    enabled_tools: tuple[str, ...] = ()
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    timeout_s: float = 0.0
    approvals: dict[str, ToolApproval] = field(default_factory=dict)

    @property
    def transport(self) -> str:
        """``http`` or ``stdio``."""
        return "http" if self.url else "stdio"

    @property
    def target(self) -> str:
        """The URL or command, for messages."""
        return self.url or self.command


@dataclass(frozen=True)
class SubAgentPlan:
    """A sub-agent the agent can delegate to: its own instructions, skills and model."""

    name: str
    description: str = ""
    instructions: str = ""
    model: str = ""
    skills: tuple[SkillDoc, ...] = ()


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
    sub_agents: tuple[SubAgentPlan, ...] = ()
    approvals: dict[str, ToolApproval] = field(default_factory=dict)

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
    for name, value in execution.spec.runtime_env.items():
        env[name] = EnvValue(value.value, value.is_secret)
    return env


_FRONTMATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n.*?\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def skill_body(skill_md: str) -> str:
    """SKILL.md without its YAML frontmatter (name/description are metadata, not guidance)."""
    return _FRONTMATTER.sub("", skill_md, count=1).strip()


def in_org(ref: resource_io.ApiResourceReference, org: str) -> resource_io.ApiResourceReference:
    """``ref`` with its organization defaulted to ``org`` (the agent's) when empty."""
    if ref.org or not org:
        return ref
    resolved = resource_io.ApiResourceReference()
    resolved.CopyFrom(ref)
    resolved.org = org
    return resolved


async def _load_skills(
    backend: Backend, refs: list[resource_io.ApiResourceReference], org: str = ""
) -> tuple[SkillDoc, ...]:
    docs = []
    for ref in refs:
        skill = await backend.get_skill(in_org(ref, org))
        name = skill.spec.name or skill.metadata.name or ref.slug
        docs.append(SkillDoc(name=name, content=skill_body(skill.spec.skill_md)))
    return tuple(docs)


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(text: str, env: dict[str, EnvValue], slug: str) -> str:
    """Replace ``${NAME}`` with the execution's value of NAME (missing: a ToolError)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise ToolError(f"MCP server {slug} refers to ${{{name}}}, "
                            "which the execution does not provide")
        return env[name].value

    return _ENV_REF.sub(value, text)


def _http_target(server: mcp_api.McpServer, env: dict[str, EnvValue], slug: str) -> str:
    http = server.spec.http
    url = expand_env(http.url.strip(), env, slug)
    if http.query_params:
        query = urlencode({k: expand_env(v, env, slug) for k, v in http.query_params.items()})
        url = f"{url}{'&' if '?' in url else '?'}{query}"
    return url


def _server_env(
    server: mcp_api.McpServer, env: dict[str, EnvValue], slug: str
) -> dict[str, str]:
    server_env: dict[str, str] = {}
    for name, declaration in server.spec.env.items():
        if name in env:
            server_env[name] = env[name].value
        elif not declaration.optional:
            raise ToolError(
                f"MCP server {slug} needs environment variable {name}, "
                "which the execution does not provide"
            )
    return server_env


def mcp_plan(
    server: mcp_api.McpServer, env: dict[str, EnvValue], enabled_tools: tuple[str, ...],
    fallback_slug: str = "",
) -> McpServerPlan:
    """How to reach ``server`` (stdio command or streamable-HTTP URL)."""
    slug = server.metadata.slug or fallback_slug
    server_env = _server_env(server, env, slug)
    kind = server.spec.WhichOneof("server_type")
    if kind == "http" and server.spec.http.url.strip():
        http = server.spec.http
        return McpServerPlan(
            slug=slug, url=_http_target(server, env, slug), env=server_env,
            headers={k: expand_env(v, env, slug) for k, v in http.headers.items()},
            timeout_s=float(http.timeout_seconds), enabled_tools=enabled_tools,
        )
    if kind == "stdio" and server.spec.stdio.command:
        return McpServerPlan(
            slug=slug, command=server.spec.stdio.command, args=tuple(server.spec.stdio.args),
            working_dir=server.spec.stdio.working_dir, env=server_env,
            enabled_tools=enabled_tools,
        )
    raise ToolError(
        f"MCP server {slug} has neither a stdio command nor an http url "
        "(the reference runner supports stdio and streamable-HTTP MCP servers)"
    )


async def _load_mcp_servers(
    backend: Backend, agent: agent_api.Agent, env: dict[str, EnvValue]
) -> tuple[McpServerPlan, ...]:
    plans = []
    for usage in agent.spec.mcp_server_usages:
        server = await backend.get_mcp_server(in_org(usage.mcp_server_ref, agent.metadata.org))
        enabled = tuple(usage.enabled_tools or server.spec.default_enabled_tools)
        plan = mcp_plan(server, env, enabled, usage.mcp_server_ref.slug)
        plans.append(replace(plan, approvals=approval_policy(server, usage)))
    return tuple(plans)


async def _load_sub_agents(
    backend: Backend, agent: agent_api.Agent, model: str
) -> tuple[SubAgentPlan, ...]:
    plans = []
    for sub in agent.spec.sub_agents:
        if sub.mcp_access:
            log.info("sub-agent %s: MCP access is not given to sub-agents by this runner",
                     sub.name)
        plans.append(SubAgentPlan(
            name=sub.name, description=sub.description, instructions=sub.instructions,
            model=sub.model_override.strip() or model,
            skills=await _load_skills(backend, list(sub.skill_refs), agent.metadata.org),
        ))
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
    model = select_model(execution, default_model)
    mcp_servers = await _load_mcp_servers(backend, agent, env)
    approvals = {} if execution.spec.auto_approve_all else merged_policy(
        plan.approvals for plan in mcp_servers)
    return ExecutionContext(
        execution_id=execution.metadata.id,
        message=execution.spec.message,
        model=model,
        agent_name=agent.metadata.name,
        instructions=agent.spec.instructions,
        skills=await _load_skills(backend, skill_refs, agent.metadata.org),
        env=env,
        mcp_servers=mcp_servers,
        sub_agents=await _load_sub_agents(backend, agent, model),
        approvals=approvals,
    )
