"""Steps about sub-agents: what a delegation leaves in the execution's record."""

from __future__ import annotations

from behave import then
from hamcrest import (
    assert_that,
    contains_exactly,
    contains_string,
    equal_to,
    has_item,
    has_length,
    is_not,
)

from harness.scenario.world import required
from harness.stigmer.transcripts import message_kinds, sub_agent_runs, sub_agent_status, tool_uses


def _sub_agent_run(context):
    """The delegation "the agent delegated to its sub-agent" found."""
    return required(context.world.sub_agent_run,
                    "no delegation to a sub-agent was found (check that the agent delegated)")


def _final(context):
    return context.world.api.agent_executions.get(context.world.last_execution.metadata.id)


@then('the agent delegated to its sub-agent "{name}"')
def step_delegated(context, name: str) -> None:
    runs = [run for run in sub_agent_runs(_final(context)) if run.name == name]
    assert_that(runs, has_length(1), f"sub-agent executions of {name}")
    run = runs[0]
    assert_that(sub_agent_status(run), equal_to("COMPLETED"))
    assert_that(run.input.strip(), is_not(equal_to("")), "the task given to the sub-agent")
    assert_that(run.output.strip(), is_not(equal_to("")), "the sub-agent's answer")
    assert_that(message_kinds(run.messages), contains_exactly("HUMAN", "AI"))
    assert_that(run.messages[-1].content, equal_to(run.output))
    context.world.sub_agent_run = run


@then("the sub-agent's answer is recorded as a tool result")
def step_answer_as_tool_result(context) -> None:
    run = _sub_agent_run(context)
    uses = [(u.name, u.status, u.content) for u in tool_uses(_final(context))]
    assert_that(uses, has_item((f"delegate_to_{run.name}", "COMPLETED", run.output)))


@then('the sub-agent\'s answer mentions "{text}" in any letter case')
def step_sub_answer_mentions(context, text: str) -> None:
    """Its own record's answer: what only its instructions (not the agent's) ask for."""
    run = _sub_agent_run(context)
    assert_that(run.output.lower(), contains_string(text.lower()),
                f"the answer of the sub-agent {run.name} to {run.input!r}")


@then('the sub-agent "{name}" failed, naming the model "{model}" it asked for')
def step_sub_agent_failed_on_model(context, name: str, model: str) -> None:
    """Its own record: FAILED, with an error that names the model of its own (so it ran on
    that model, not on the agent's)."""
    runs = [run for run in sub_agent_runs(_final(context)) if run.name == name]
    assert_that(runs, is_not(equal_to([])), f"no sub-agent execution of {name}")
    assert_that([(sub_agent_status(run), model in run.error) for run in runs],
                has_item(("FAILED", True)), f"the runs of {name}: {[run.error for run in runs]}")
