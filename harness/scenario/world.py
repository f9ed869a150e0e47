"""Per-scenario state: an isolated organization, the API and CLI bound to it, and the record
of what the scenario did (for assertions and for failure artifacts)."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from ai.stigmer.agentic.agentexecution.v1.enum_pb2 import MessageType
from ai.stigmer.agentic.agentexecution.v1.subagent_pb2 import SubAgentExecution
from stigmer import StigmerError

from harness.config import REPO_ROOT, SuiteConfig
from harness.doubles.mcp_server import McpFixtureServer
from harness.doubles.secured_server import SecuredServer
from harness.profile import cli_dialect_for
from harness.secrets import Redactor, register_config_secrets, scenario_redactor
from harness.stack.faults import Faults
from harness.stack.temporal_view import PendingActivity
from harness.stigmer.agents import Agent, AgentExecution, describe_execution
from harness.stigmer.cli import CliResult, StigmerCli, dialect
from harness.stigmer.client import StigmerApi
from harness.stigmer.env_layers import RuntimeLayers
from harness.stigmer.executions import Followed, FollowedLater, RuntimeValue
from harness.stigmer.fixtures import FixtureResource
from harness.stigmer.manifests import Manifest, load_manifests
from harness.stigmer.projects import Inventory, Stored
from harness.stigmer.skills import Skill
from harness.stigmer.transcripts import ToolUse
from harness.stigmer.workflows import Workflow, WorkflowExecution
from harness.waiting import wait_until

FIXTURES = REPO_ROOT / "features" / "fixtures"

T = TypeVar("T")
#: The reason the cancel steps give: without the word "cancelled", so the execution's
#: explanation must carry what was given.
CANCEL_REASON = "the operator needs the agent-runner back"


def required(value: T | None, missing: str) -> T:
    """``value``, which an earlier step must have set: else the step fails saying ``missing``
    (e.g. "no workflow was run with a secret")."""
    assert value is not None, missing
    return value


def scenario_org(name: str, isolate: bool) -> str:
    """A unique, slug-safe organization per scenario (or Stigmer's local org)."""
    if not isolate:
        return "local"
    words = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:24].strip("-")
    return f"e2e-{words}-{secrets.token_hex(3)}"


@dataclass
class Attempt:
    """A call the scenario tried: what it returned, or the refusal it raised, and how long."""

    result: Any = None
    error: Exception | None = None
    seconds: float = 0.0


@dataclass
class Probe:
    """The prerequisite scenarios' own probes: the settings and Docker host they check, and
    what the checks said (by prerequisite name)."""

    config: SuiteConfig | None = None
    docker_host: str = ""
    results: dict[str, Any] = field(default_factory=dict)
    missing: Any = None  # the PrerequisiteResult reported missing


@dataclass
class Secrets:
    """The secrets the scenario made or gave, which it then checks never show."""

    secret: str = ""  # THE secret the leak checks look for (a workflow's, the vault's token...)
    api_token: str = ""  # the token the suite's HTTP API accepts in this scenario
    runtime_values: list[str] = field(default_factory=list)  # secret runtime values given (tables)


@dataclass
class Applied:
    """What the scenario applied through the API (fixtures) and deleted, and what the
    organization held just before its last apply."""

    attempted: list[FixtureResource] = field(default_factory=list)  # the last apply's resources
    ids_before: dict[str, str] = field(default_factory=dict)  # Kind/slug -> id, before it
    versions_before: dict[str, str] = field(default_factory=dict)  # Kind/slug -> version id
    workflow_ids_before: dict[str, str] = field(default_factory=dict)  # workflow slug -> id
    manifests: dict[str, Manifest] = field(default_factory=dict)  # Kind/slug -> last applied
    first_ids: dict[str, str] = field(default_factory=dict)  # Kind/slug -> id ("I have applied")
    deployed_agents: set[str] = field(default_factory=set)  # slugs applied as agents
    deleted_agents: set[str] = field(default_factory=set)  # slugs deleted since (not re-applied)
    deleted: dict[str, Agent] = field(default_factory=dict)  # slug -> the agent as deleted
    deleted_workflows: set[str] = field(default_factory=set)  # slugs deleted since applied

    def workflows(self) -> set[str]:
        """Slugs of the workflows applied through the API and not deleted since."""
        return {key.split("/", 1)[1] for key in self.manifests
                if key.startswith("Workflow/")} - self.deleted_workflows


@dataclass
class ToolServers:
    """The suite's MCP servers the scenario started and registered, and a tool call they got."""

    servers: dict[str, McpFixtureServer] = field(default_factory=dict)  # by registered slug
    placeholder_values: dict[str, str] | None = None  # their addresses for manifests ({{ }})
    last_use: ToolUse | None = None  # the completed tool call "the agent called ..." found


@dataclass
class Approval:
    """Tool calls that waited for my approval, and the decision I sent."""

    pending_calls: dict[str, str] = field(default_factory=dict)  # execution id -> tool call id
    decision: str = ""  # approve / skip / reject (DECIDED_EVENTS), "" before one is sent
    decided_at: float | None = None  # time.time() just before the decision was sent


@dataclass
class Crash:
    """The agent-runner crash a fault scenario caused."""

    work: PendingActivity  # Temporal's activity the killed runner was running
    at: datetime  # when it was killed (UTC)
    runner_before: str  # which runner process ran before ('' when unknown)
    runner_after: str = ""  # which one runs after the restart ('' when unknown)


@dataclass
class LateUpdates:
    """Status updates sent to an execution after it had finished."""

    finished: AgentExecution  # the record just before they were sent
    errors: list[StigmerError | None] = field(default_factory=list)  # per update (None: taken)


@dataclass
class WorkflowRuns:
    """What the scenario's workflow executions showed."""

    created: dict[str, WorkflowExecution] = field(default_factory=dict)  # id -> as created
    followed: Followed[WorkflowExecution] | None = None  # the stream of the last one followed
    finished: WorkflowExecution | None = None  # the last one waited for to COMPLETED / FAILED


@dataclass
class ScenarioWorld:
    """What one scenario works with and leaves behind."""

    config: SuiteConfig
    server_address: str
    name: str
    org: str = ""
    redactor: Redactor = field(default_factory=scenario_redactor)  # a scope of the run's
    agents: dict[str, Agent] = field(default_factory=dict)  # slug -> as applied here
    executions: list[str] = field(default_factory=list)
    last_execution: AgentExecution | None = None
    last_error: Exception | None = None
    last_cli: CliResult | None = None
    fixture_api_url: str = ""  # the fixture JSON API, as the agent-runner reaches it
    workflows: dict[str, object] = field(default_factory=dict)
    workflow_executions: list[str] = field(default_factory=list)
    secured: SecuredServer | None = None  # the key-checking server of the security scenarios
    answer: str = ""  # what a caller was answered ("" = served)
    requested_model: str = ""  # the model the last execution asked for
    last_attempt: Attempt = field(default_factory=Attempt)  # the last call tried (attempt)
    faults: Faults | None = None  # set when the scenario may break parts of the platform
    batch: list[str] = field(default_factory=list)  # executions started together
    batch_request: dict[str, str] = field(default_factory=dict)  # what each of them asked
    burst: dict[str, Any] = field(default_factory=dict)  # the load burst's record
    probe: Probe = field(default_factory=Probe)
    followed_later: FollowedLater[Any] | None = None  # a stream opened after the execution ended
    skill_pushes: dict[str, list[Any]] = field(default_factory=dict)  # skill -> each push's answer
    runtime_values: dict[str, RuntimeValue] = field(default_factory=dict)  # given to the last run
    # -- what steps record for later steps (each set by one kind of step) -------------------
    secrets: Secrets = field(default_factory=Secrets)
    applied: Applied = field(default_factory=Applied)
    skills: dict[str, Skill] = field(default_factory=dict)  # pushed (or applied) skills by name
    tools: ToolServers = field(default_factory=ToolServers)
    approval: Approval = field(default_factory=Approval)
    my_message: str | None = None  # the message of the last agent run ("I run the agent ...")
    followed: Followed[AgentExecution] | None = None  # the last agent execution run and followed
    cancel_reason: str = ""  # the reason the last cancel gave ("" = none given)
    late_updates: LateUpdates | None = None
    sub_agent_run: SubAgentExecution | None = None  # the delegation "delegated to" checked
    before_fault: AgentExecution | None = None  # an execution completed before a fault
    crash: Crash | None = None
    runtime_layers: RuntimeLayers | None = None  # the CLI's env/secret layers of the last run
    workflow: Workflow | None = None  # the workflow definition last read back
    workflow_runs: WorkflowRuns = field(default_factory=WorkflowRuns)
    project_before: dict[str, Stored] | None = None  # the org's snapshot before a project apply
    inventory_before: Inventory | None = None  # what the org held before the last bad input
    deleted_by_cli: Any = None  # the resource the last delete from the command line removed
    #: brings the execution services up for a scenario that runs an execution without its
    #: tags saying so (True when it started them now); set by the behave hooks
    start_execution_services: Callable[[], bool] = field(default=lambda: False, repr=False)

    def __post_init__(self) -> None:
        self.org = self.org or scenario_org(self.name, self.config.org_isolation)
        register_config_secrets(self.config, self.redactor)
        self.api = StigmerApi(self.server_address, self.config.api_key, self.org,
                              call_timeout=self.config.grpc_timeout)
        cli_dialect = cli_dialect_for(self.config.cli_dialect, self.config.target_profile)
        self.cli = StigmerCli(self.config.cli_argv, self.server_address, self.config.api_key,
                              self.org, cwd=REPO_ROOT, dialect=dialect(cli_dialect),
                              exit_codes=self.config.target_profile.cli_exit_codes,
                              on_unavailable=self._services_needed)
        self.api.agent_executions.on_unavailable = self._services_needed
        self.api.workflow_executions.on_unavailable = self._services_needed

    def _services_needed(self) -> bool:
        return self.start_execution_services()

    # -- fixtures -------------------------------------------------------------------------
    @staticmethod
    def fixture_path(relative: str) -> Path:
        return FIXTURES / relative

    def manifests(self, relative: str) -> list[Manifest]:
        return load_manifests(self.fixture_path(relative))

    # -- the phrases steps repeat ----------------------------------------------------------
    def agent(self, slug: str) -> Agent:
        """The agent ``slug`` of this scenario's organization; a missing one fails the step
        saying how to deploy it (not with the API's traceback)."""
        agent = self.api.agents.find(slug)
        if agent is None:
            deployed = ", ".join(sorted(self.api.agents.slugs())) or "none"
            raise AssertionError(
                f'no agent "{slug}" in this scenario\'s organization (agents here: {deployed}): '
                'apply it first, e.g. Given I have applied the "<fixture>" manifests')
        return agent

    def run_agent(self, slug: str, message: str,
                  runtime_env: Mapping[str, RuntimeValue | str] | None = None,
                  model: str | None = None) -> AgentExecution:
        """Look up the agent ``slug``, start it with ``message`` and remember the execution."""
        agent = self.agent(slug)
        return self.remember_execution(self.api.agent_executions.run(
            agent, message, runtime_env=runtime_env, model=model))

    def wait_for(self, phase: str, execution_id: str = "",
                 timeout: float | None = None) -> AgentExecution:
        """Wait until the execution (the last one by default) is in ``phase`` (within the
        configured execution timeout unless told), and remember what it became."""
        execution_id = execution_id or self.last_execution_id
        return self.remember_execution(self.api.agent_executions.wait_for_phase(
            execution_id, phase, timeout=self.config.execution_timeout if timeout is None
            else timeout))

    def wait_until_answering(self, execution_id: str = "",
                             timeout: float | None = None) -> AgentExecution:
        """Wait until the execution (the last one by default) is IN_PROGRESS with some AI
        text already recorded: its answer is being streamed."""
        execution_id = execution_id or self.last_execution_id

        def answering(execution: AgentExecution) -> bool:
            return (self.api.agent_executions.phase_name(execution.status.phase) == "IN_PROGRESS"
                    and any(m.content.strip() for m in execution.status.messages
                            if m.type == MessageType.MESSAGE_AI))

        return wait_until(lambda: self.api.agent_executions.get(execution_id), answering,
                          timeout=self.config.execution_timeout if timeout is None else timeout,
                          interval=0.1, what=f"{execution_id} to stream its answer",
                          describe=describe_execution)

    def attempt(self, call: Callable[[], Any],
                     refusals: tuple[type[Exception], ...] = (StigmerError,)) -> Attempt:
        """Time ``call`` and capture its refusal (one of ``refusals``) instead of raising;
        the outcome is ``self.last_attempt`` (and the refusal ``self.last_error``)."""
        self.last_error = None
        self.last_attempt = Attempt()
        started = time.monotonic()
        try:
            self.last_attempt.result = call()
        except refusals as error:
            self.last_attempt.error = self.last_error = error
        self.last_attempt.seconds = time.monotonic() - started
        return self.last_attempt

    @property
    def last_execution_id(self) -> str:
        assert self.last_execution is not None, "the scenario has not started an execution"
        return str(self.last_execution.metadata.id)

    # -- records --------------------------------------------------------------------------
    def remember_execution(self, execution: AgentExecution) -> AgentExecution:
        execution_id = execution.metadata.id
        if execution_id and execution_id not in self.executions:
            self.executions.append(execution_id)
        self.last_execution = execution
        return execution

    def transcript(self) -> str:
        """Every execution of the scenario: phase, timings and messages (redacted)."""
        parts = []
        for execution_id in self.executions:
            try:
                execution = self.api.agent_executions.get(execution_id)
            except Exception as error:
                parts.append(f"{execution_id}: could not be read: {error}")
                continue
            status = execution.status
            parts.append(describe_execution(execution))
            parts.append(f"  started={status.started_at or '-'} "
                         f"completed={status.completed_at or '-'} error={status.error or '-'}")
            for index, message in enumerate(status.messages):
                kind = MessageType.Name(message.type).removeprefix("MESSAGE_")
                parts.append(f"  [{index}] {kind}: {message.content}")
        return self.redactor("\n".join(parts) + "\n") if parts else "(no executions)\n"

    def cli_transcript(self) -> str:
        return self.redactor("\n".join(result.transcript() for result in self.cli.history))

    def close(self) -> None:
        self.api.close()
