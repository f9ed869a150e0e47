"""Pure helpers of harness.stigmer: phases (one helper, both kinds of execution), execution
descriptions, manifest -> SDK input."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from stigmer import AgentInput, ErrorCode, StigmerError

from harness.stigmer.agents import (
    AgentExecution,
    MessageType,
    Phase,
    describe_execution,
    message_type_name,
    phase_name,
)
from harness.stigmer.executions import Executions, Followed
from harness.stigmer.inputs import agent_input_from_proto
from harness.stigmer.manifests import load_manifests
from harness.stigmer.projects import Inventory, Stored
from harness.stigmer.workflows import WorkflowPhase, describe_workflow_execution


def offline(phases, describe) -> Executions:
    """The execution helper of one kind, without a server (its pure parts)."""
    return Executions(None, phases, describe, stream=lambda _i, _t: iter(()),
                      cancel_input=lambda _i, _r: None)


AGENT_EXECUTIONS = offline(Phase, describe_execution)
WORKFLOW_EXECUTIONS = offline(WorkflowPhase, describe_workflow_execution)
phase_value = AGENT_EXECUTIONS.phase_value

FULL_AGENT = """\
apiVersion: agentic.stigmer.ai/v1
kind: Agent
metadata:
  name: Code Reviewer
  slug: code-reviewer
  org: fixtures
  visibility: visibility_public
  labels: {team: e2e}
spec:
  description: Reviews pull requests
  iconUrl: https://example.com/icon.png
  instructions: Review the diff.
  skillRefs:
    - {org: fixtures, slug: coding-style, version: v1}
  mcpServerUsages:
    - mcpServerRef: {org: fixtures, slug: github}
      enabledTools: [list_prs, get_diff]
      toolApprovalOverrides:
        - {toolName: get_diff, requiresApproval: true, message: "ok?"}
  subAgents:
    - name: summarizer
      description: Summarizes
      instructions: Summarize the review.
      modelOverride: smollm2:135m
      mcpAccess:
        - {mcpServer: github, enabledTools: [get_diff]}
      skillRefs:
        - {org: fixtures, slug: summaries}
  env:
    GITHUB_TOKEN: {isSecret: true, description: token}
    REVIEW_DEPTH: {optional: true}
"""


def execution(phase: int, *messages: tuple[int, str]) -> AgentExecution:
    result = AgentExecution()
    result.metadata.id = "aex-01TEST"
    result.status.phase = phase
    for kind, content in messages:
        result.status.messages.add(type=kind, content=content)
    return result


@pytest.mark.parametrize("phase", list(Phase.values()))
def test_phase_name_and_value_round_trip(phase: int) -> None:
    name = phase_name(phase)
    assert not name.startswith("EXECUTION_")
    assert phase_value(name) == phase
    assert phase_value(name.lower()) == phase
    assert phase_value(Phase.Name(phase)) == phase


def test_phase_value_accepts_spaces_and_rejects_unknown() -> None:
    assert phase_value(" in progress ") == Phase.EXECUTION_IN_PROGRESS
    assert phase_name(Phase.EXECUTION_IN_PROGRESS) == "IN_PROGRESS"
    with pytest.raises(ValueError):
        phase_value("exploded")


def test_terminal_phases() -> None:
    assert {phase_name(p) for p in AGENT_EXECUTIONS.terminal} == {
        "COMPLETED", "FAILED", "CANCELLED", "TERMINATED"}


@pytest.mark.parametrize("kind", [AGENT_EXECUTIONS, WORKFLOW_EXECUTIONS])
def test_one_helper_names_the_phases_of_either_kind(kind: Executions) -> None:
    # Same names, different numbers (TERMINATED is 8 for agents, 6 for workflows).
    for name in ("PENDING", "IN_PROGRESS", "COMPLETED", "TERMINATED", "PAUSED"):
        assert kind.phase_name(kind.phase_value(name)) == name
    assert {kind.phase_name(p) for p in kind.terminal} == {
        "COMPLETED", "FAILED", "CANCELLED", "TERMINATED"}
    assert AGENT_EXECUTIONS.phase_value("terminated") != WORKFLOW_EXECUTIONS.phase_value(
        "terminated")


def test_message_type_name() -> None:
    assert message_type_name(MessageType.MESSAGE_AI) == "AI"
    assert message_type_name(MessageType.MESSAGE_SYSTEM) == "SYSTEM"


def test_describe_execution_names_phase_count_and_last_message() -> None:
    described = describe_execution(execution(
        Phase.EXECUTION_FAILED, (MessageType.MESSAGE_HUMAN, "hi"),
        (MessageType.MESSAGE_SYSTEM, "Error: Execution failed:\n boom  ")))
    assert described == ("aex-01TEST phase=FAILED messages=2 "
                         "last='Error: Execution failed:  boom'")


def test_describe_execution_without_messages_and_long_messages() -> None:
    assert describe_execution(execution(Phase.EXECUTION_PENDING)) == (
        "aex-01TEST phase=PENDING messages=0 last='-'")
    long = describe_execution(execution(Phase.EXECUTION_IN_PROGRESS,
                                        (MessageType.MESSAGE_AI, "x" * 500)))
    assert f"last='{'x' * 120}'" in long


def test_followed_execution_phases_collapse_repeats() -> None:
    followed = Followed(phase_name, [
        execution(Phase.EXECUTION_PENDING), execution(Phase.EXECUTION_IN_PROGRESS),
        execution(Phase.EXECUTION_IN_PROGRESS), execution(Phase.EXECUTION_COMPLETED)])
    assert followed.phases == ["PENDING", "IN_PROGRESS", "COMPLETED"]
    assert followed.final.status.phase == Phase.EXECUTION_COMPLETED


def test_agent_input_from_a_manifest_keeps_every_spec_field(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(textwrap.dedent(FULL_AGENT))
    (manifest,) = load_manifests(path)
    proto = manifest.to_proto(org="e2e-review-abc123")

    agent_input = agent_input_from_proto(proto)

    assert isinstance(agent_input, AgentInput)
    assert agent_input.name == "Code Reviewer"
    assert agent_input.org == "e2e-review-abc123"
    assert agent_input.slug == "code-reviewer"
    assert agent_input.labels == {"team": "e2e"}
    assert agent_input.instructions == "Review the diff."
    assert agent_input.icon_url == "https://example.com/icon.png"
    assert [(r.org, r.slug, r.version) for r in agent_input.skill_refs] == [
        ("fixtures", "coding-style", "v1")]
    (usage,) = agent_input.mcp_server_usages
    assert usage.mcp_server_ref.slug == "github"
    assert usage.enabled_tools == ["list_prs", "get_diff"]
    (sub,) = agent_input.sub_agents
    assert (sub.name, sub.model_override) == ("summarizer", "smollm2:135m")
    assert agent_input.env["GITHUB_TOKEN"].is_secret is True
    assert agent_input.env["REVIEW_DEPTH"].optional is True

    # What the SDK sends is the manifest's resource (the SDK fills in reference kinds).
    sent = agent_input._to_proto()
    for ref in [*sent.spec.skill_refs, *(s for a in sent.spec.sub_agents for s in a.skill_refs),
                *(u.mcp_server_ref for u in sent.spec.mcp_server_usages)]:
        ref.ClearField("kind")
    assert sent.spec == proto.spec
    assert sent.metadata == proto.metadata


def test_agent_input_from_a_minimal_manifest(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text("apiVersion: agentic.stigmer.ai/v1\nkind: Agent\nmetadata: {name: bare}\n")
    (manifest,) = load_manifests(path)
    agent_input = agent_input_from_proto(manifest.to_proto(org="o"))
    assert agent_input.slug is None
    assert agent_input.labels is None
    assert agent_input.skill_refs == [] and agent_input.sub_agents == []
    assert agent_input.env == {}


def _unavailable() -> StigmerError:
    return StigmerError(ErrorCode.UNAVAILABLE, "Temporal is not up", grpc.StatusCode.UNAVAILABLE)


def test_a_create_refused_as_unavailable_is_asked_again_once_the_services_came_up() -> None:
    executions = offline(Phase, describe_execution)
    answers: list[object] = [_unavailable(), "created"]

    def create() -> object:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    started: list[bool] = []
    executions.on_unavailable = lambda: started.append(True) or True
    assert executions._create(create) == "created"
    assert started == [True] and answers == []


@pytest.mark.parametrize("error", [_unavailable(), StigmerError(
    ErrorCode.INVALID_ARGUMENT, "spec.message: string.min_len", grpc.StatusCode.INVALID_ARGUMENT)])
def test_a_refusal_stands_when_nothing_new_came_up(error: StigmerError) -> None:
    executions = offline(Phase, describe_execution)
    calls: list[int] = []

    def create() -> object:
        calls.append(1)
        raise error

    executions.on_unavailable = lambda: False
    with pytest.raises(StigmerError) as raised:
        executions._create(create)
    assert raised.value is error and calls == [1]


def test_an_inventory_names_every_resource_and_execution_a_request_left() -> None:
    when = datetime(2026, 12, 2, tzinfo=UTC)
    agent = Stored("Agent", "greeter", "Greeter", "agt-1", "ver-1", when)
    before = Inventory({agent.key: agent}, frozenset({"aex-1"}), frozenset())
    assert before.changes_since(before) == []
    mcp = Stored("McpServer", "tools", "Tools", "mcp-1", "ver-2", when)
    rewritten = Stored("Agent", "greeter", "Greeter", "agt-1", "ver-3", when)
    after = Inventory({agent.key: rewritten, mcp.key: mcp}, frozenset({"aex-1", "aex-2"}),
                      frozenset({"wex-1"}))
    assert after.changes_since(before) == [
        "McpServer/tools added", "Agent/greeter rewritten (version ver-1 -> ver-3)",
        "agent execution aex-2 stored", "workflow execution wex-1 stored"]
