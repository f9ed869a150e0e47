"""Steps about human control of executions: tool calls that wait for a person's approval
(approve, skip, reject), pausing and resuming, terminating."""

from __future__ import annotations

import time

from behave import then, when
from hamcrest import assert_that, equal_to, has_length, is_not

from harness.doubles.mcp_server import McpFixtureServer
from harness.scenario.world import required
from harness.stack.temporal_view import require_view, wait_for_workflow
from harness.stigmer.agents import MessageType, describe_execution, phase_name
from harness.stigmer.control import (
    DECIDED_EVENTS,
    ExecutionControl,
    approval_events,
    approval_messages,
    requested_calls,
    tool_results,
)

SETTLE_S = 3.0  # longer than the runner's polling and update intervals


def _control(context) -> ExecutionControl:
    return ExecutionControl(context.world.api.client)


def _executions(context):
    return context.world.api.agent_executions


def _execution_id(context) -> str:
    return context.world.last_execution.metadata.id


def _current(context):
    return _executions(context).get(_execution_id(context))


def _server(context, name: str) -> McpFixtureServer:
    servers = context.world.tools.servers
    assert name in servers, f"no tool server registered as {name!r} in this scenario"
    return servers[name]


def _pending_call(context) -> str:
    pending = context.world.approval.pending_calls
    assert _execution_id(context) in pending, "this execution never waited for my approval"
    return pending[_execution_id(context)]


def _timeout(context) -> float:
    return context.suite_config.execution_timeout


def _transcript(execution) -> list[tuple[int, str, list[tuple[str, int]]]]:
    return [(m.type, m.content, [(c.id, c.status) for c in m.tool_calls])
            for m in execution.status.messages]


@then('the execution waits for my approval of the "{tool}" tool')
def step_waits_for_approval(context, tool: str) -> None:
    """WAITING_FOR_APPROVAL, with one pending approval naming ``tool`` and the tool call in
    the transcript marked as waiting for approval (with the reason to give the person)."""
    world = context.world
    execution = _executions(context).wait_for_phase(_execution_id(context), "WAITING_FOR_APPROVAL",
                                         timeout=_timeout(context), interval=0.2)
    pending = [(p.tool_name, p.tool_call_id) for p in execution.status.pending_approvals]
    assert_that([name for name, _ in pending], equal_to([tool]), "pending approvals")
    call_id = pending[0][1]
    calls = [c for c in requested_calls(execution) if c.call_id == call_id]
    assert_that([(c.name, c.status, c.requires_approval) for c in calls],
                equal_to([(tool, "WAITING_APPROVAL", True)]), "the waiting tool call")
    assert calls[0].approval_message.strip(), "the tool call says nothing to the person asked"
    agent = context.world.api.client.agents.get(execution.spec.agent_id)
    wanted = approval_messages(agent).get(tool)
    if wanted:  # the agent's own words for this tool reach the person asked, not a default
        assert_that([p.message for p in execution.status.pending_approvals],
                    equal_to([wanted]), "the pending approval's message")
        assert_that(calls[0].approval_message, equal_to(wanted), "the tool call's message")
    assert_that([kind for _, kind in approval_events(execution)], equal_to(["REQUESTED"]))
    world.approval.pending_calls[execution.metadata.id] = call_id
    world.remember_execution(execution)


@then('it still waits for my approval {seconds:d} seconds later, and nothing moved')
def step_still_waits(context, seconds: int) -> None:
    """The server holds the execution: same phase, same pending call, same transcript."""
    before = _current(context)
    time.sleep(seconds)
    after = _current(context)
    assert_that(phase_name(after.status.phase), equal_to("WAITING_FOR_APPROVAL"),
                describe_execution(after))
    assert_that([p.tool_call_id for p in after.status.pending_approvals],
                equal_to([_pending_call(context)]))
    assert_that(_transcript(after), equal_to(_transcript(before)), "the transcript moved")


@then('the "{tool}" tool of the "{server}" server has not run')
def step_tool_not_run(context, tool: str, server: str) -> None:
    """The tool server itself recorded no call of ``tool`` (and the transcript holds no
    result of it)."""
    assert_that(_server(context, server).calls(tool), equal_to([]),
                f"calls of {tool} the {server} server ran")
    results = [(c.name, c.status) for _, c in tool_results(_current(context))
               if c.name == tool and c.status != "SKIPPED"]
    assert_that(results, equal_to([]), "results of the tool in the transcript")


@when('I turn back to the execution of the agent "{slug}"')
def step_turn_back(context, slug: str) -> None:
    """The scenario's latest execution of agent ``slug`` becomes the one the next steps
    mean."""
    world = context.world
    agent_id = world.agent(slug).metadata.id
    mine = [e for e in (_executions(context).get(i) for i in world.executions)
            if e.spec.agent_id == agent_id]
    assert mine, f"this scenario ran no execution of {slug}"
    world.remember_execution(mine[-1])


@when("I {decision:w} the call waiting for my approval")
def step_decide(context, decision: str) -> None:
    assert decision in DECIDED_EVENTS, f"no such decision: {decision!r}"
    world = context.world
    world.approval.decided_at = time.time()
    execution = _control(context).decide(_execution_id(context), _pending_call(context),
                                         decision)
    world.approval.decision = decision
    world.remember_execution(execution)


@then('the "{tool}" tool of the "{server}" server ran once, after my decision')
def step_tool_ran_once(context, tool: str, server: str) -> None:
    """After the decision was sent, the server ran exactly one call of ``tool``, with the
    arguments the transcript shows the agent asked for."""
    every = _server(context, server).calls(tool)
    decided_at = required(context.world.approval.decided_at, "no decision was sent")
    calls = [c for c in every if c["at"] > decided_at]
    assert_that(calls, has_length(1), f"calls of {tool} after my decision, of {every}")
    asked = [c for c in requested_calls(_current(context))
             if c.call_id == _pending_call(context)]
    assert_that(asked, has_length(1))
    assert_that(calls[0]["arguments"], equal_to(asked[0].arguments))


@then('the "{tool}" tool of the "{server}" server never ran')
def step_tool_never_ran(context, tool: str, server: str) -> None:
    """Still no call of ``tool`` once the execution has settled (finished, or a while on)."""
    time.sleep(SETTLE_S)
    step_tool_not_run(context, tool, server)


@then("my decision is recorded on the execution")
def step_decision_recorded(context) -> None:
    """The tool call carries the decision and when it was taken, nothing waits any more,
    and the approval events are: requested, then the decision."""
    world = context.world
    decision = world.approval.decision
    assert decision, "no decision was sent"
    execution = _current(context)
    call_id = _pending_call(context)
    calls = [c for c in requested_calls(execution) if c.call_id == call_id]
    assert_that([(c.decision, bool(c.decided_at)) for c in calls], equal_to([(decision, True)]),
                "the decision on the tool call")
    assert_that(list(execution.status.pending_approvals), equal_to([]), "still pending")
    events = approval_events(execution)
    assert_that([kind for _, kind in events], equal_to(["REQUESTED", DECIDED_EVENTS[decision]]))
    assert_that(len({request for request, _ in events}), equal_to(1),
                f"the events are about different requests: {events}")


@then("the execution stops there, without a failure")
def step_stops_there(context) -> None:
    """It ends (a person's refusal is no failure: not FAILED) and the agent did not go on:
    no AI message follows the one that asked for the refused call."""
    world = context.world
    execution = _executions(context).wait_until_terminal(_execution_id(context), _timeout(context))
    world.remember_execution(execution)
    assert_that(phase_name(execution.status.phase), is_not(equal_to("FAILED")),
                describe_execution(execution))
    call_id = _pending_call(context)
    messages = list(execution.status.messages)
    asking = [i for i, m in enumerate(messages) if m.type == MessageType.MESSAGE_AI
              and any(c.id == call_id for c in m.tool_calls)]
    assert_that(asking, has_length(1), "AI messages asking for the refused call")
    later = [m.content for m in messages[asking[0] + 1:] if m.type == MessageType.MESSAGE_AI]
    assert_that(later, equal_to([]), "the agent went on after the refusal")


@then('the agent went on without the "{tool}" tool and answered')
def step_went_on(context, tool: str) -> None:
    """COMPLETED; the skipped call's TOOL message says it was not run, and the agent's
    answer comes after it."""
    execution = _executions(context).wait_for_phase(_execution_id(context), "COMPLETED",
                                                 timeout=_timeout(context))
    messages = list(execution.status.messages)
    skipped = [i for i, c in tool_results(execution) if c.name == tool and c.status == "SKIPPED"]
    assert_that(skipped, has_length(1), "TOOL messages of the skipped call")
    answers = [m.content for m in messages[skipped[0] + 1:]
               if m.type == MessageType.MESSAGE_AI and m.content.strip()]
    assert_that(answers, is_not(equal_to([])), "no answer after the skipped call")


# ---- pause, resume, terminate ---------------------------------------------------------


@when("I pause the execution")
def step_pause(context) -> None:
    context.world.remember_execution(_control(context).pause(_execution_id(context),
                                                             "paused by the acceptance suite"))


@when("I resume the execution")
def step_resume(context) -> None:
    context.world.remember_execution(_control(context).resume(_execution_id(context)))


@when("I terminate the execution")
def step_terminate(context) -> None:
    context.world.remember_execution(_control(context).terminate(
        _execution_id(context), "terminated by the acceptance suite"))


@then("the execution is paused")
def step_is_paused(context) -> None:
    execution = _current(context)
    assert_that(phase_name(execution.status.phase), equal_to("PAUSED"),
                describe_execution(execution))


@then('it stays paused for {seconds:d} seconds without running the "{tool}" tool of the '
      '"{server}" server')
def step_stays_paused(context, seconds: int, tool: str, server: str) -> None:
    """Paused holds the work: the phase stays PAUSED, the tool server runs nothing and the
    transcript does not move."""
    before = _current(context)
    time.sleep(seconds)
    after = _current(context)
    assert_that(phase_name(after.status.phase), equal_to("PAUSED"), describe_execution(after))
    assert_that(_server(context, server).calls(tool), equal_to([]),
                f"calls of {tool} the {server} server ran while paused")
    assert_that(_transcript(after), equal_to(_transcript(before)), "moved while paused")


@then("the execution ends terminated")
def step_ends_terminated(context) -> None:
    world = context.world
    execution = _executions(context).wait_for_phase(_execution_id(context), "TERMINATED",
                                         timeout=_timeout(context))
    system = [m.content for m in execution.status.messages
              if m.type == MessageType.MESSAGE_SYSTEM]
    assert "terminated" in " ".join(system).lower(), f"no SYSTEM message says so: {system}"
    world.remember_execution(execution)


@then("Temporal terminated its work and it changes no more")
def step_temporal_terminated(context) -> None:
    """Temporal's own view: the workflow closed TERMINATED with no activity left running;
    afterwards the record gains nothing."""
    view = require_view(context.stack, lambda reason: context.scenario.skip(reason=reason))
    execution_id = _execution_id(context)
    closed = wait_for_workflow(view, execution_id, lambda v: not v.running, "to close")
    assert_that(closed.status, equal_to("TERMINATED"), closed.summary())
    frozen = _current(context)
    time.sleep(SETTLE_S)
    later = _current(context)
    assert_that(phase_name(later.status.phase), equal_to("TERMINATED"))
    assert_that(_transcript(later), equal_to(_transcript(frozen)), "changed after terminate")


@then("it never waited for an approval")
def step_never_waited(context) -> None:
    """No phase it went through was WAITING_FOR_APPROVAL, no approval event was recorded and
    no tool call asked for one."""
    followed = required(context.world.followed, "no agent execution was run and followed")
    assert "WAITING_FOR_APPROVAL" not in followed.phases, followed.phases
    execution = _current(context)
    assert_that(approval_events(execution), equal_to([]), "approval events")
    asked = [c.name for c in requested_calls(execution) if c.requires_approval]
    assert_that(asked, equal_to([]), "tool calls that asked for approval")
