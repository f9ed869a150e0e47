"""Sub-agent delegation: a tool per sub-agent, its own conversation, and what is recorded."""

from __future__ import annotations

import pytest
from ai.stigmer.agentic.agentexecution.v1 import enum_pb2 as enums

from reference.runner.activities import ExecuteGraphton
from reference.runner.config import RunnerConfig
from reference.runner.context import SkillDoc, SubAgentPlan
from reference.runner.subagents import sub_agent_chat, tool_name, tool_spec
from tests.reference.runner.runner_fakes import (
    EXECUTION_ID,
    FakeBackend,
    FakeChatModel,
    make_execution,
    text_round,
    tool_round,
    unreachable,
)

pytestmark = pytest.mark.anyio

POEM = "Waves fold into foam."


def _backend(model_override: str = "") -> FakeBackend:
    backend = FakeBackend(make_execution("Use the delegate_to_poet tool to write a poem."))
    sub = backend.agent.spec.sub_agents.add()
    sub.name = "poet"
    sub.description = "Writes short poems."
    sub.instructions = "You are a poet."
    sub.model_override = model_override
    return backend


def test_tool_names_and_specs() -> None:
    assert tool_name("poet") == "delegate_to_poet"
    assert tool_name("Research Team!") == "delegate_to_research_team"
    spec = tool_spec(SubAgentPlan(name="poet", description="Writes poems."))
    assert spec["function"]["name"] == "delegate_to_poet"
    assert "Writes poems." in spec["function"]["description"]
    assert spec["function"]["parameters"]["required"] == ["task"]


def test_sub_agent_chat_uses_its_instructions_and_skills() -> None:
    plan = SubAgentPlan(name="poet", instructions="You are a poet.",
                        skills=(SkillDoc("rhymes", "Always rhyme."),))
    system, user = sub_agent_chat(plan, "a poem about the sea")
    assert system["content"].startswith("You are a poet.")
    assert "Always rhyme." in system["content"]
    assert user == {"role": "user", "content": "a poem about the sea"}


async def test_delegation_runs_the_sub_agent_and_records_it() -> None:
    backend = _backend(model_override="tiny:1b")
    model = FakeChatModel(tool_round("delegate_to_poet", task="a poem about the sea"),
                          text_round(POEM), text_round("Here is the poem."))
    await ExecuteGraphton(RunnerConfig(), backend, model).run(EXECUTION_ID)

    parent_tools = [t["function"]["name"] for t in model.calls[0]["tools"]]
    assert parent_tools == ["delegate_to_poet"]
    sub_call = model.calls[1]
    assert sub_call["model"] == "tiny:1b" and sub_call["tools"] == []
    assert sub_call["messages"][0]["content"] == "You are a poet."
    assert sub_call["messages"][1]["content"] == "a poem about the sea"
    assert model.calls[2]["messages"][-1] == {
        "role": "tool", "content": POEM, "tool_name": "delegate_to_poet"}

    final = backend.updates[-1].status
    assert final.phase == enums.EXECUTION_COMPLETED
    (run,) = final.sub_agent_executions
    assert (run.name, run.input, run.output) == ("poet", "a poem about the sea", POEM)
    assert run.status == enums.SUB_AGENT_COMPLETED and run.started_at and run.completed_at
    assert [m.type for m in run.messages] == [enums.MESSAGE_HUMAN, enums.MESSAGE_AI]
    tool_messages = [m for m in final.messages if m.type == enums.MESSAGE_TOOL]
    assert [m.content for m in tool_messages] == [POEM]
    call = tool_messages[0].tool_calls[0]
    assert call.name == "delegate_to_poet" and call.tool_kind == enums.TOOL_KIND_SUBAGENT
    assert call.status == enums.TOOL_CALL_COMPLETED and call.result == POEM
    in_progress = [u.status.sub_agent_executions[0].status for u in backend.updates
                   if u.status.sub_agent_executions]
    assert in_progress[0] == enums.SUB_AGENT_IN_PROGRESS


async def test_sub_agent_defaults_to_the_execution_model_and_message() -> None:
    backend = _backend()
    model = FakeChatModel(tool_round("delegate_to_poet"), text_round(POEM), text_round("Ok."))
    await ExecuteGraphton(RunnerConfig(), backend, model).run(EXECUTION_ID)
    assert model.calls[1]["model"] == RunnerConfig().llm_model
    assert model.calls[1]["messages"][1]["content"] == backend.execution.spec.message


async def test_failing_sub_agent_is_a_failed_tool_call_not_a_failed_execution() -> None:
    backend = _backend()
    model = FakeChatModel(tool_round("delegate_to_poet", task="x"), unreachable,
                          text_round("The poet is unavailable."))
    await ExecuteGraphton(RunnerConfig(), backend, model).run(EXECUTION_ID)
    final = backend.updates[-1].status
    assert final.phase == enums.EXECUTION_COMPLETED
    (run,) = final.sub_agent_executions
    assert run.status == enums.SUB_AGENT_FAILED and "unreachable" in run.error
    (tool,) = [m for m in final.messages if m.type == enums.MESSAGE_TOOL]
    assert tool.tool_calls[0].status == enums.TOOL_CALL_FAILED
