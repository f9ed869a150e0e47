"""Steps about runtime values, secrets, models, cancellation and load on executions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from behave import then, when
from hamcrest import (
    assert_that,
    contains_string,
    empty,
    equal_to,
    greater_than,
    has_items,
    has_length,
    is_not,
)

from harness.secret_scan import forms_in, scan_files
from harness.stigmer_api import MessageType, RuntimeValue, phase_name


def _timeout(context) -> float:
    return context.suite_config.execution_timeout


def _wait(context, phase: str):
    world = context.world
    execution = world.api.wait_for_phase(world.last_execution.metadata.id, phase,
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
    agent = world.api.get_agent(slug)
    world.remember_execution(world.api.run(agent, message, runtime_env=values))


@when('I run the agent "{slug}" with the message "{message}" on the configured model')
def step_run_configured_model(context, slug: str, message: str) -> None:
    world = context.world
    context.requested_model = context.suite_config.model
    execution = world.api.run(world.api.get_agent(slug), message, model=context.requested_model)
    world.remember_execution(execution)


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
    context.requested_model = full_model_name(context.suite_config.model)
    execution = world.api.run(world.api.get_agent(slug), message, model=context.requested_model)
    world.remember_execution(execution)


@when('I run the agent "{slug}" with the message "{message}" on the model "{model}"')
def step_run_model(context, slug: str, message: str, model: str) -> None:
    world = context.world
    context.requested_model = model
    world.remember_execution(world.api.run(world.api.get_agent(slug), message, model=model))


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
    assert_that(answers, is_not(empty()))
    assert_that(answers[-1], contains_string(text))


@then('no message of the execution contains "{secret}"')
def step_no_message_leak(context, secret: str) -> None:
    execution = context.world.api.execution(context.world.last_execution.metadata.id)
    leaking = [i for i, m in enumerate(execution.status.messages) if forms_in(m.content, secret)]
    assert_that(leaking, equal_to([]), "messages (by index) that contain the secret")
    assert_that(forms_in(execution.status.error, secret), equal_to([]))


@then('no service log contains "{secret}"')
def step_no_log_leak(context, secret: str) -> None:
    """The service logs as the services wrote them, in every encoding of the secret."""
    logs = context.stack.log_files()
    assert_that(logs, is_not(empty()), "no service log was collected")
    assert_that(scan_files(logs, secret), equal_to([]))


@then("the execution reports the model it used")
def step_reports_model(context) -> None:
    """The record names exactly the model the execution asked for (not the runner's default)
    and counts the tokens it produced."""
    world = context.world
    execution = world.api.execution(world.last_execution.metadata.id)
    assert_that(execution.spec.execution_config.model_name, equal_to(context.requested_model))
    usage = execution.status.streaming_usage
    assert_that(usage.model, equal_to(context.requested_model))
    assert_that(usage.output_tokens, greater_than(0))


@then('its failure message mentions "{text}"')
def step_failure_mentions(context, text: str) -> None:
    status = context.world.last_execution.status
    system = [m.content for m in status.messages if m.type == MessageType.MESSAGE_SYSTEM]
    assert_that(system, is_not(empty()), "no SYSTEM message explains the failure")
    assert_that(system[-1], contains_string("Error: Execution failed"))
    assert_that(system[-1], contains_string(text))


@when("I cancel the execution once it is running")
def step_cancel_when_running(context) -> None:
    world = context.world
    world.api.wait_for_phase(world.last_execution.metadata.id, "IN_PROGRESS",
                             timeout=_timeout(context), interval=0.1)
    world.remember_execution(world.api.cancel(world.last_execution.metadata.id))


@then("the execution ends cancelled")
def step_ends_cancelled(context) -> None:
    execution = _wait(context, "CANCELLED")
    # It stays cancelled: the runner must not overwrite the terminal phase afterwards.
    again = context.world.api.execution(execution.metadata.id)
    assert_that(phase_name(again.status.phase), equal_to("CANCELLED"))


@then("the execution explains that it was cancelled")
def step_explains_cancel(context) -> None:
    messages = context.world.last_execution.status.messages
    system = [m.content for m in messages if m.type == MessageType.MESSAGE_SYSTEM]
    assert_that(" ".join(system).lower(), contains_string("cancelled"))


@when('I run the agent "{slug}" {count:d} times at once with the message "{message}"')
def step_run_many(context, slug: str, count: int, message: str) -> None:
    world = context.world
    agent = world.api.get_agent(slug)
    with ThreadPoolExecutor(max_workers=count) as pool:
        started = list(pool.map(lambda _: world.api.run(agent, message), range(count)))
    for execution in started:
        world.remember_execution(execution)
    context.batch = [execution.metadata.id for execution in started]


@then("all {count:d} executions finish")
def step_all_finish(context, count: int) -> None:
    world = context.world
    assert_that(set(context.batch), has_length(count))
    deadline_each = _timeout(context) * 2
    finals = [world.api.wait_until_terminal(execution_id, deadline_each)
              for execution_id in context.batch]
    phases = [phase_name(execution.status.phase) for execution in finals]
    assert_that(phases, equal_to(["COMPLETED"] * count))


@then("none of them is lost")
def step_none_lost(context) -> None:
    assert_that(context.world.api.list_execution_ids(), has_items(*context.batch))


def _timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@then("it ran longer than the time a silent agent-runner is trusted")
def step_ran_longer_than_heartbeat(context) -> None:
    status = context.world.last_execution.status
    seconds = (_timestamp(status.completed_at) - _timestamp(status.started_at)).total_seconds()
    assert_that(seconds, greater_than(context.suite_config.runner_heartbeat_timeout))
