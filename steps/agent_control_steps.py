"""Steps about runtime values, secrets, models, cancellation and load on executions."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from behave import then, when
from hamcrest import (
    assert_that,
    contains_string,
    empty,
    equal_to,
    greater_than,
    greater_than_or_equal_to,
    has_items,
    has_length,
    is_not,
    less_than_or_equal_to,
)
from stigmer import StigmerError

from harness.checks.load import execution_problems
from harness.checks.paging import listed_ids, paging_problems
from harness.checks.secret_scan import forms_in, scan_files
from harness.scenario.world import CANCEL_REASON, LateUpdates, required
from harness.stack.temporal_view import (
    CLOSED_BY_CANCEL,
    TemporalView,
    require_view,
    wait_for_workflow,
)
from harness.stigmer.agents import MessageType, phase_name
from harness.stigmer.executions import RuntimeValue

SETTLE_S = 3.0


def _timeout(context) -> float:
    return context.suite_config.execution_timeout


def _wait(context, phase: str):
    world = context.world
    execution = world.api.agent_executions.wait_for_phase(world.last_execution.metadata.id, phase,
                                         timeout=_timeout(context))
    return world.remember_execution(execution)


@when('I run the agent "{slug}" with the message "{message}" and these runtime values:')
def step_run_with_env(context, slug: str, message: str) -> None:
    world = context.world
    values = {}
    for row in context.table:
        secret = row["secret"].strip().lower() in ("yes", "true")
        values[row["name"]] = RuntimeValue(row["value"], secret=secret)
        if secret:
            world.redactor.add(row["value"])
            world.secrets.runtime_values.append(row["value"])
    agent = world.agent(slug)
    world.runtime_values = values
    world.remember_execution(world.api.agent_executions.run(agent, message, runtime_env=values))


@then("its execution context hands the agent-runner each runtime value as given, secrets marked")
def step_context_values(context) -> None:
    """What an agent-runner reads for the execution (its ExecutionContext) is exactly what the
    run was given: every value, unchanged, and each secret still marked secret."""
    world = context.world
    assert world.runtime_values, "the last run was given no runtime values"
    handed = world.api.agent_executions.context_values(world.last_execution.metadata.id)
    assert_that(handed, equal_to(world.runtime_values), "the execution context's values")


@when('I run the agent "{slug}" with the message "{message}" on the configured model')
def step_run_configured_model(context, slug: str, message: str) -> None:
    world = context.world
    context.world.requested_model = context.suite_config.model
    world.run_agent(slug, message, model=context.world.requested_model)


def full_model_name(model: str) -> str:
    """The same model under its fully qualified Ollama name (host and namespace spelt out)."""
    parts = model.split("/")
    if len(parts) == 1:
        parts = ["library", *parts]
    if len(parts) == 2:
        parts = ["registry.ollama.ai", *parts]
    return "/".join(parts)


@when('I run the agent "{slug}" with the message "{message}" on the configured model under '
      'its full name')
def step_run_full_model_name(context, slug: str, message: str) -> None:
    world = context.world
    context.world.requested_model = full_model_name(context.suite_config.model)
    world.run_agent(slug, message, model=context.world.requested_model)


@when('I run the agent "{slug}" with the message "{message}" on the model "{model}"')
def step_run_model(context, slug: str, message: str, model: str) -> None:
    world = context.world
    context.world.requested_model = model
    world.run_agent(slug, message, model=model)


@then("the execution completes")
def step_completes(context) -> None:
    _wait(context, "COMPLETED")


@then("the execution fails")
def step_fails(context) -> None:
    _wait(context, "FAILED")


@then('the agent\'s answer mentions "{text}"')
def step_answer_mentions(context, text: str) -> None:
    messages = context.world.last_execution.status.messages
    answers = [m.content for m in messages if m.type == MessageType.MESSAGE_AI]
    # PyHamcrest types Matcher[T] as invariant: is_not(<matcher>) fails to unify
    assert_that(answers, is_not(empty()))  # type: ignore[arg-type]
    assert_that(answers[-1], contains_string(text))


@then('no message of the execution contains "{secret}"')
def step_no_message_leak(context, secret: str) -> None:
    execution = context.world.api.agent_executions.get(context.world.last_execution.metadata.id)
    leaking = [i for i, m in enumerate(execution.status.messages) if forms_in(m.content, secret)]
    assert_that(leaking, equal_to([]), "messages (by index) that contain the secret")
    assert_that(forms_in(execution.status.error, secret), equal_to([]))


@then('no service log contains "{secret}"')
def step_no_log_leak(context, secret: str) -> None:
    """The service logs as the services wrote them, in every encoding of the secret."""
    logs = context.stack.log_files()
    # PyHamcrest types Matcher[T] as invariant: is_not(<matcher>) fails to unify
    assert_that(logs, is_not(empty()), "no service log was collected")  # type: ignore[arg-type]
    assert_that(scan_files(logs, secret), equal_to([]))


@then("the execution reports the model it used")
def step_reports_model(context) -> None:
    """The record names exactly the model the execution asked for (not the runner's default)
    and counts the tokens it read (the prompt: instructions and message) and produced."""
    world = context.world
    execution = world.api.agent_executions.get(world.last_execution.metadata.id)
    assert_that(execution.spec.execution_config.model_name, equal_to(context.world.requested_model))
    usage = execution.status.streaming_usage
    assert_that(usage.model, equal_to(context.world.requested_model))
    assert_that(usage.output_tokens, greater_than(0), "output tokens")
    assert_that(usage.input_tokens, greater_than(0), "input tokens (the prompt the model read)")
    assert_that(usage.total_tokens, equal_to(usage.input_tokens + usage.output_tokens),
                "total tokens")
    # Counts of these texts, not of others: a token is at least one character of the answer
    # (a few special tokens aside), and every word the model read is at least one token.
    if not any(m.type == MessageType.MESSAGE_TOOL for m in execution.status.messages):
        # (a tool call's arguments are model output the answer's text does not hold)
        _assert_output_fits_answer(execution)
    agent = world.api.client.agents.get(execution.spec.agent_id)
    words = len(agent.spec.instructions.split()) + len(execution.spec.message.split())
    assert_that(usage.input_tokens, greater_than_or_equal_to(words),
                f"input tokens for a prompt of {words} words (instructions and message)")


def _assert_output_fits_answer(execution) -> None:
    """The tokens produced are the answer's: each is at least one byte of its text (a few
    special tokens aside)."""
    size = len(_ai_text(execution).encode())
    assert_that(execution.status.streaming_usage.output_tokens, less_than_or_equal_to(size + 8),
                f"output tokens of {execution.metadata.id} for an answer of {size} bytes")


@then('its failure message mentions "{text}"')
def step_failure_mentions(context, text: str) -> None:
    status = context.world.last_execution.status
    system = [m.content for m in status.messages if m.type == MessageType.MESSAGE_SYSTEM]
    # PyHamcrest types Matcher[T] as invariant: is_not(<matcher>) fails to unify
    assert_that(system, is_not(empty()), "no SYSTEM message explains the failure")  # type: ignore[arg-type]
    assert_that(system[-1], contains_string("Error: Execution failed"))
    assert_that(system[-1], contains_string(text))


def temporal(context) -> TemporalView:
    """Temporal's own view of the stack (the scenario is skipped, with why, without one)."""
    return require_view(context.stack, lambda reason: context.scenario.skip(reason=reason))


def _ai_text(execution) -> str:
    return "".join(m.content for m in execution.status.messages
                   if m.type == MessageType.MESSAGE_AI)


@when("I cancel the execution once it is running")
def step_cancel_when_running(context) -> None:
    """Cancels while the answer is being streamed (some AI text is already recorded)."""
    world = context.world
    execution_id = world.wait_until_answering(timeout=_timeout(context)).metadata.id
    world.cancel_reason = CANCEL_REASON
    world.remember_execution(world.api.agent_executions.cancel(execution_id,
                                                               world.cancel_reason))


@then("the execution ends cancelled")
def step_ends_cancelled(context) -> None:
    execution = _wait(context, "CANCELLED")
    # It stays cancelled: the runner must not overwrite the terminal phase afterwards.
    again = context.world.api.agent_executions.get(execution.metadata.id)
    assert_that(phase_name(again.status.phase), equal_to("CANCELLED"))


@then("the workflow engine stopped the execution and the agent-runner stopped working on it")
def step_workflow_and_runner_stopped(context) -> None:
    """Temporal was asked to cancel the workflow, closed it and runs none of its activities;
    afterwards the record gains nothing (no new message, no more answer text)."""
    world = context.world
    execution_id = world.last_execution.metadata.id
    view = wait_for_workflow(temporal(context), execution_id, lambda v: not v.running,
                             "to close")
    assert view.status in CLOSED_BY_CANCEL or view.cancel_requested, (
        f"the workflow was not cancelled: {view.summary()}")
    assert_that(view.status, is_not(equal_to("FAILED")), view.summary())
    # The runner's activity was told to stop (a closed workflow keeps its last pending state).
    told = [p for p in view.pending if p.state == "CANCEL_REQUESTED"] + [
        r for r in view.runs if r.cancel_requested or r.outcome == "CANCELED"]
    unfinished = [p for p in view.pending if p.state != "CANCEL_REQUESTED"]
    assert told or not view.pending, f"the runner's work was not told to stop: {view.summary()}"
    assert_that(unfinished, equal_to([]), view.summary())
    frozen = world.api.agent_executions.get(execution_id)
    time.sleep(SETTLE_S)  # longer than a runner's update interval and heartbeat throttle
    later = world.api.agent_executions.get(execution_id)
    assert_that(phase_name(later.status.phase), equal_to("CANCELLED"))
    assert_that([(m.type, m.content) for m in later.status.messages],
                equal_to([(m.type, m.content) for m in frozen.status.messages]),
                "the execution changed after it was cancelled")
    assert_that(later.status.streaming_usage, equal_to(frozen.status.streaming_usage))
    world.remember_execution(later)


@then("the execution explains that it was cancelled")
def step_explains_cancel(context) -> None:
    messages = context.world.last_execution.status.messages
    system = [m.content for m in messages if m.type == MessageType.MESSAGE_SYSTEM]
    assert_that(" ".join(system).lower(), contains_string("cancelled"))
    reason = context.world.cancel_reason
    if reason:  # and why, as the canceller said it
        assert_that(" ".join(system), contains_string(reason))


@when('I run the agent "{slug}" {count:d} times at once with the message "{message}"')
def step_run_many(context, slug: str, count: int, message: str) -> None:
    world = context.world
    agent = world.agent(slug)
    with ThreadPoolExecutor(max_workers=count) as pool:
        started = list(pool.map(lambda _: world.api.agent_executions.run(agent, message),
                                range(count)))
    for execution in started:
        world.remember_execution(execution)
    context.world.batch = [execution.metadata.id for execution in started]
    context.world.batch_request = {"agent_id": agent.metadata.id, "message": message}


@then("all {count:d} executions finish")
def step_all_finish(context, count: int) -> None:
    world = context.world
    assert_that(set(context.world.batch), has_length(count))
    deadline_each = _timeout(context) * 2
    finals = [world.api.agent_executions.wait_until_terminal(execution_id, deadline_each)
              for execution_id in context.world.batch]
    phases = [phase_name(execution.status.phase) for execution in finals]
    assert_that(phases, equal_to(["COMPLETED"] * count))


@then("none of them is lost")
def step_none_lost(context) -> None:
    """Each one is listed once and is its own execution: own id, own session, the message
    sent, and an answer of its own."""
    world = context.world
    pages = world.api.agent_executions.pages(page_size=3)
    assert_that(paging_problems(pages, 3), equal_to([]), "the list of executions")
    listed = listed_ids(pages)
    assert_that(listed, has_items(*context.world.batch))
    assert_that(len(listed), equal_to(len(set(listed))), "an execution is listed twice")
    problems = execution_problems(
        [world.api.agent_executions.get(i) for i in world.batch], **world.batch_request)
    assert_that(problems, equal_to([]))


def _timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _runner_runs(context, execution_id: str):
    """Temporal's view of a finished execution's workflow, once Temporal has closed it too (the
    record says COMPLETED a moment before the workflow's last event is written)."""
    view = wait_for_workflow(temporal(context), execution_id, lambda v: not v.running,
                             "to close after its execution finished")
    runs = [run for run in view.runs if run.heartbeat_timeout_s > 0]
    assert runs, f"Temporal ran no heartbeating agent-runner activity: {view.summary()}"
    return view, runs


@then("it ran longer than the time a silent agent-runner is trusted")
def step_ran_longer_than_heartbeat(context) -> None:
    """Longer than the heartbeat timeout Temporal itself enforced on the runner's work."""
    status = context.world.last_execution.status
    seconds = (_timestamp(status.completed_at) - _timestamp(status.started_at)).total_seconds()
    _, runs = _runner_runs(context, context.world.last_execution.metadata.id)
    trusted = max(run.heartbeat_timeout_s for run in runs)
    assert_that(seconds, greater_than(trusted))


@then("the agent-runner finished it on its first attempt")
def step_first_attempt(context) -> None:
    view, runs = _runner_runs(context, context.world.last_execution.metadata.id)
    assert_that([(r.name, r.attempt, r.outcome) for r in runs],
                equal_to([(r.name, 1, "COMPLETED") for r in runs]), view.summary())
    assert_that(view.status, equal_to("COMPLETED"), view.summary())


@when("a status update is sent to the finished execution")
def step_update_finished(context) -> None:
    """What a confused agent-runner could send: back to work with more text, FAILED, and the
    same final phase with one more answer."""
    world = context.world
    execution_id = world.last_execution.metadata.id
    late = world.late_updates = LateUpdates(world.api.agent_executions.get(execution_id))
    for phase, extra in (("IN_PROGRESS", "A sentence added after the end."), ("FAILED", ""),
                         ("COMPLETED", "Another answer, sent after the end.")):
        try:
            world.api.agent_executions.send_status(execution_id, phase, extra_ai_message=extra)
            late.errors.append(None)
        except StigmerError as error:
            late.errors.append(error)


def _late_updates(context) -> LateUpdates:
    return required(context.world.late_updates,
                    "no status update was sent to the finished execution")


@then("every update is refused because the execution has finished")
def step_updates_refused(context) -> None:
    errors = _late_updates(context).errors
    # PyHamcrest types Matcher[T] as invariant: is_not(<matcher>) fails to unify
    assert_that(errors, is_not(empty()))  # type: ignore[arg-type]
    assert_that([e.code.name if e is not None else "accepted" for e in errors],
                equal_to(["FAILED_PRECONDITION"] * len(errors)))


@then("the finished execution is unchanged")
def step_finished_unchanged(context) -> None:
    world = context.world
    before = _late_updates(context).finished
    after = world.api.agent_executions.get(before.metadata.id)
    assert_that(phase_name(after.status.phase), equal_to(phase_name(before.status.phase)))
    assert_that(after.status, equal_to(before.status))


FILLER = "The harbour was calm this morning and the gulls waited on the roofs."


@when('I run the agent "{slug}" with a message {count:d} words longer than "{message}"')
def step_run_longer_message(context, slug: str, count: int, message: str) -> None:
    """The same message with ``count`` more plain words before it (a calm note to read)."""
    filler = FILLER.split()
    words = [filler[i % len(filler)] for i in range(count)]
    context.world.run_agent(slug, " ".join(words) + " " + message)


@then("the later of the last two executions read at least {count:d} more tokens than the "
      "earlier")
def step_more_tokens_read(context, count: int) -> None:
    """Both completed; the input tokens each reports are its own prompt's: the one with
    ``count`` more words read at least ``count`` more tokens (every word is one token or
    more), and the tokens each produced fit its own answer."""
    world = context.world
    assert len(world.executions) >= 2, "this needs two executions of the scenario"
    earlier, later = (world.api.agent_executions.wait_for_phase(i, "COMPLETED", _timeout(context))
                      for i in world.executions[-2:])
    more = later.status.streaming_usage.input_tokens - earlier.status.streaming_usage.input_tokens
    assert_that(more, greater_than_or_equal_to(count),
                f"input tokens: {earlier.status.streaming_usage.input_tokens} then "
                f"{later.status.streaming_usage.input_tokens}")
    for execution in (earlier, later):
        _assert_output_fits_answer(execution)
