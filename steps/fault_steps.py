"""Steps that break parts of the platform on purpose (``harness.stack.faults``) and check that
executions end or recover; every fault is repaired by a scenario cleanup."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from behave import given, then, when
from hamcrest import (
    assert_that,
    contains_string,
    equal_to,
    greater_than,
    has_item,
    is_in,
    is_not,
    less_than,
    not_none,
)

from harness.checks.load import execution_problems
from harness.scenario.world import Crash, required
from harness.stack.faults import Faults, unsupported_reason
from harness.stack.temporal_view import require_view, wait_for_workflow
from harness.stigmer.agents import MessageType, describe_execution, phase_name
from harness.waiting import wait_until


def _faults(context) -> Faults:
    faults = context.world.faults
    assert faults is not None, "the scenario did not ask to break parts of the platform"
    return faults


def temporal(context):
    """Temporal's own view of the stack (the scenario is skipped, with why, without one)."""
    return require_view(context.stack, lambda reason: context.scenario.skip(reason=reason))


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
    faults = Faults.of(context.stack)
    context.world.faults = faults
    # Repairs whatever is still broken when the scenario ends, passed or failed.
    context.add_cleanup(faults.restore)


def _run_to_completion(context, slug: str, message: str):
    world = context.world
    execution = world.api.agent_executions.run(world.agent(slug), message)
    world.remember_execution(execution)
    done = world.api.agent_executions.wait_for_phase(execution.metadata.id, "COMPLETED",
                                    timeout=context.suite_config.execution_timeout)
    return world.remember_execution(done)


@given('I have run the agent "{slug}" with the message "{message}" to completion')
def step_have_run(context, slug: str, message: str) -> None:
    done = _run_to_completion(context, slug, message)
    context.world.before_fault = done


@then('I can run the agent "{slug}" with the message "{message}" to completion')
def step_can_run(context, slug: str, message: str) -> None:
    _run_to_completion(context, slug, message)


@when("the agent-runner crashes once the execution is running, and a new one starts")
def step_crash_runner(context) -> None:
    """Kills the runner while it streams the answer and Temporal shows it working on the
    execution (so the kill cannot miss); remembers which worker and which process that was."""
    world = context.world
    execution_id = world.last_execution.metadata.id
    wait_until(lambda: world.api.agent_executions.get(execution_id),
               lambda e: phase_name(e.status.phase) == "IN_PROGRESS" and any(
                   m.content.strip() for m in e.status.messages
                   if m.type == MessageType.MESSAGE_AI),
               timeout=context.suite_config.execution_timeout, interval=0.1,
               what=f"{execution_id} to stream its answer", describe=describe_execution)

    def working(view) -> list:
        return [p for p in view.pending if p.state == "STARTED" and p.worker]

    view = wait_for_workflow(temporal(context), execution_id, lambda v: bool(working(v)),
                             "to run an activity on an agent-runner")
    work = working(view)[0]
    runner_before = _faults(context).runner_process()
    world.crash = Crash(work=work, at=datetime.now(UTC), runner_before=runner_before)
    _faults(context).crash_runner()
    world.crash.runner_after = _faults(context).runner_process()


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
    world.remember_execution(world.api.agent_executions.wait_for_phase(
        world.last_execution.metadata.id, "COMPLETED", timeout=seconds))


@then("the execution fails within {seconds:d} seconds")
def step_fails_within(context, seconds: int) -> None:
    world = context.world
    world.remember_execution(world.wait_for("FAILED", timeout=seconds))


@then("it finished after the crash")
def step_finished_after_crash(context) -> None:
    """Finished after the kill, by a retry of the crashed work on a new agent-runner process,
    with nothing lost or done twice."""
    world = context.world
    crash = required(world.crash, "the agent-runner was not crashed in this scenario")
    execution = world.api.agent_executions.get(world.last_execution.metadata.id)
    completed = execution.status.completed_at
    assert_that(completed, not_none())
    finished = datetime.fromisoformat(completed.replace("Z", "+00:00"))
    assert_that(finished, greater_than(crash.at))
    # Temporal's view: the crashed work was retried, and the retry finished it.
    crashed = crash.work
    view = wait_for_workflow(temporal(context), execution.metadata.id, lambda v: not v.running,
                             "to close after its execution finished")
    runs = view.runs_of(crashed.name)
    assert_that([(r.outcome, r.attempt > 1) for r in runs][-1:], equal_to([("COMPLETED", True)]),
                f"no retry after the crash finished the work: {view.summary()}")
    assert_that(runs[-1].last_failure, is_not(equal_to("")), view.summary())
    # A new process did it (the worker name, or the process the stack runs, changed).
    before, after = crash.runner_before, crash.runner_after
    assert (runs[-1].finished_by and runs[-1].finished_by != crashed.worker) or (
        before and after and before != after), (
        f"the same agent-runner process finished it: worker {crashed.worker} -> "
        f"{runs[-1].finished_by}; process {before!r} -> {after!r}")
    # Nothing lost, nothing done twice: the message once, exactly one whole final answer.
    problems = execution_problems([execution], execution.spec.agent_id, execution.spec.message)
    assert_that(problems, equal_to([]), describe_execution(execution))


@then("the execution finished before the restart is still completed with its answer")
def step_before_fault_kept(context) -> None:
    """The same record as before the restart: phase, messages, answer and times."""
    before = required(context.world.before_fault,
                      "no execution was run to completion before the fault")
    execution = context.world.api.agent_executions.get(before.metadata.id)
    assert_that(phase_name(execution.status.phase), is_in(["COMPLETED"]),
                describe_execution(execution))
    kinds = [m.type for m in execution.status.messages]
    assert_that(kinds, has_item(MessageType.MESSAGE_AI))
    assert_that(execution.spec, equal_to(before.spec))
    assert_that([(m.type, m.content) for m in execution.status.messages],
                equal_to([(m.type, m.content) for m in before.status.messages]))
    assert_that((execution.status.started_at, execution.status.completed_at),
                equal_to((before.status.started_at, before.status.completed_at)))


@then("every agent is as it was before the restart")
def step_agents_unchanged(context) -> None:
    """Same agents, each with the same identifier, version and spec as when applied."""
    world = context.world
    applied = world.agents
    assert applied, "the scenario applied no agent"
    assert_that(sorted(world.api.agents.slugs()), equal_to(sorted(applied)))
    for slug, agent in applied.items():
        stored = world.agent(slug)
        assert_that((stored.metadata.id, stored.metadata.version.id, stored.spec),
                    equal_to((agent.metadata.id, agent.metadata.version.id, agent.spec)), slug)
        assert_that(stored.status.default_instance_id, equal_to(agent.status.default_instance_id))


@then("its failure message names the model endpoint's address")
def step_failure_names_endpoint(context) -> None:
    """The SYSTEM message names where the agent-runner looked for the model (its port)."""
    port = urlsplit(context.stack.info.llm_url).port
    assert port, f"the stack does not say where its model endpoint is: {context.stack.info}"
    system = [m.content for m in context.world.last_execution.status.messages
              if m.type == MessageType.MESSAGE_SYSTEM]
    assert system, "no SYSTEM message explains the failure"
    assert_that(system[-1], contains_string(f":{port}"))


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
    world.attempt(lambda: world.run_agent(slug, message))


@then("it is refused or fails within {seconds:d} seconds with an error naming the workflow engine")
def step_refused_or_fails(context, seconds: int) -> None:
    world = context.world
    if world.last_error is not None:
        assert_that(world.last_attempt.seconds, less_than(seconds))
        assert_that(str(world.last_error), contains_string("workflow engine"))
        return
    execution = world.api.agent_executions.wait_until_terminal(world.last_execution.metadata.id,
                                              seconds - world.last_attempt.seconds)
    world.remember_execution(execution)
    assert_that(phase_name(execution.status.phase), equal_to("FAILED"))
    explanation = " ".join(m.content for m in execution.status.messages
                           if m.type == MessageType.MESSAGE_SYSTEM)
    assert_that(explanation, contains_string("workflow engine"))
