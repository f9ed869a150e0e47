"""Steps that break parts of the platform on purpose (``harness.faults``) and check that
executions end or recover; every fault is repaired by a scenario cleanup."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from behave import given, then, when
from hamcrest import (
    assert_that,
    contains_string,
    equal_to,
    greater_than,
    has_item,
    is_in,
    less_than,
    not_none,
)
from stigmer import StigmerError

from harness.faults import Faults, unsupported_reason
from harness.stigmer_api import MessageType, describe_execution, phase_name


def _faults(context) -> Faults:
    faults = getattr(context, "faults", None)
    assert faults is not None, "the scenario did not ask to break parts of the platform"
    return faults


def _skipped(context, **needs: bool) -> bool:
    """Skip the scenario, with the reason, when the stack cannot inject the fault."""
    reason = unsupported_reason(context.stack, **needs)
    if reason:
        context.scenario.skip(reason=reason)
    return bool(reason)


@given("the platform lets me break its parts on purpose")
def step_faults_allowed(context) -> None:
    if _skipped(context):
        return
    faults = Faults(context.stack)
    context.faults = faults
    # Repairs whatever is still broken when the scenario ends, passed or failed.
    context.add_cleanup(faults.restore)


def _run_to_completion(context, slug: str, message: str):
    world = context.world
    execution = world.api.run(world.api.get_agent(slug), message)
    world.remember_execution(execution)
    done = world.api.wait_for_phase(execution.metadata.id, "COMPLETED",
                                    timeout=context.suite_config.execution_timeout)
    return world.remember_execution(done)


@given('I have run the agent "{slug}" with the message "{message}" to completion')
def step_have_run(context, slug: str, message: str) -> None:
    context.world.notes["before_fault"] = _run_to_completion(context, slug, message).metadata.id


@then('I can run the agent "{slug}" with the message "{message}" to completion')
def step_can_run(context, slug: str, message: str) -> None:
    _run_to_completion(context, slug, message)


@when("the agent-runner crashes once the execution is running, and a new one starts")
def step_crash_runner(context) -> None:
    world = context.world
    world.api.wait_for_phase(world.last_execution.metadata.id, "IN_PROGRESS",
                             timeout=context.suite_config.execution_timeout, interval=0.1)
    world.notes["crashed_at"] = datetime.now(UTC)
    _faults(context).crash_runner()


@when("the workflow engine restarts")
def step_restart_temporal(context) -> None:
    _faults(context).restart_temporal()


@when("the Stigmer server restarts")
def step_restart_server(context) -> None:
    _faults(context).restart_server()


@given("the model endpoint has gone away")
def step_llm_away(context) -> None:
    if not _skipped(context, needs_llm=True):
        _faults(context).llm_away()


@when("the model endpoint is back")
def step_llm_back(context) -> None:
    _faults(context).llm_back()


@then("the execution completes within {seconds:d} seconds")
def step_completes_within(context, seconds: int) -> None:
    world = context.world
    world.remember_execution(world.api.wait_for_phase(
        world.last_execution.metadata.id, "COMPLETED", timeout=seconds))


@then("the execution fails within {seconds:d} seconds")
def step_fails_within(context, seconds: int) -> None:
    world = context.world
    started = time.monotonic()
    execution = world.api.wait_for_phase(world.last_execution.metadata.id, "FAILED",
                                         timeout=seconds)
    world.remember_execution(execution)
    world.notes["failed_after_s"] = time.monotonic() - started


@then("it finished after the crash")
def step_finished_after_crash(context) -> None:
    completed = context.world.last_execution.status.completed_at
    assert_that(completed, not_none())
    finished = datetime.fromisoformat(completed.replace("Z", "+00:00"))
    assert_that(finished, greater_than(context.world.notes["crashed_at"]))


@then("the execution finished before the restart is still completed with its answer")
def step_before_fault_kept(context) -> None:
    execution = context.world.api.execution(context.world.notes["before_fault"])
    assert_that(phase_name(execution.status.phase), is_in(["COMPLETED"]),
                describe_execution(execution))
    kinds = [m.type for m in execution.status.messages]
    assert_that(kinds, has_item(MessageType.MESSAGE_AI))


@given("the execution services run in containers")
def step_services_in_containers(context) -> None:
    _skipped(context, needs_compose=True)


@given("the container engine has stopped the execution services")
def step_services_stopped(context) -> None:
    _faults(context).services_stopped()


@when("the container engine starts the execution services again")
def step_services_back(context) -> None:
    _faults(context).services_back()


@when('I try to run the agent "{slug}" with the message "{message}"')
def step_try_run(context, slug: str, message: str) -> None:
    """Records the refusal (e.g. an agent that does not exist) for the Then-steps."""
    world = context.world
    world.last_error = None
    world.notes["result"] = None
    started = time.monotonic()
    try:
        execution = world.api.run(world.api.get_agent(slug), message)
        world.notes["result"] = world.remember_execution(execution)
    except StigmerError as error:
        world.last_error = error
    world.notes["seconds"] = time.monotonic() - started


@then("it is refused or fails within {seconds:d} seconds with an error naming the workflow engine")
def step_refused_or_fails(context, seconds: int) -> None:
    world = context.world
    if world.last_error is not None:
        assert_that(world.notes["seconds"], less_than(seconds))
        assert_that(str(world.last_error), contains_string("workflow engine"))
        return
    execution = world.api.wait_until_terminal(world.last_execution.metadata.id,
                                              seconds - world.notes["seconds"])
    world.remember_execution(execution)
    assert_that(phase_name(execution.status.phase), equal_to("FAILED"))
    explanation = " ".join(m.content for m in execution.status.messages
                           if m.type == MessageType.MESSAGE_SYSTEM)
    assert_that(explanation, contains_string("workflow engine"))
