"""Steps about running workflows and checking what their tasks did."""

from __future__ import annotations

import time

from behave import given, then, when
from hamcrest import (
    assert_that,
    contains_string,
    equal_to,
    has_length,
    is_not,
    matches_regexp,
    starts_with,
)

from harness import validation
from harness.stigmer_api import RuntimeValue
from harness.workflow_api import (
    task_outputs,
    task_status_name,
    workflow_output,
    workflow_phase_name,
)


def _timeout(context) -> float:
    return context.suite_config.execution_timeout


def _plain(value):
    """Struct numbers come back as floats: 15.0 reads as 15."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _run(context, slug: str, message: str = "", env: dict | None = None):
    world = context.world
    workflow = world.api.get_workflow(slug)
    runtime = {"API_BASE": world.fixture_api_url, **(env or {})}
    execution = world.api.run_workflow(workflow, message, runtime)
    world.workflow_executions.append(execution.metadata.id)
    for value in (env or {}).values():
        if isinstance(value, RuntimeValue) and value.secret:
            world.redactor.add(value.value)
    return execution


def _last_id(context) -> str:
    assert context.world.workflow_executions, "no workflow was run"
    return context.world.workflow_executions[-1]


@when('I run the workflow "{slug}" with the message "{message}" and follow it')
def step_run_follow(context, slug: str, message: str) -> None:
    execution = _run(context, slug, message)
    followed = context.world.api.follow_workflow(execution.metadata.id, _timeout(context))
    context.world.notes["followed_workflow"] = followed


@when('I run the workflow "{slug}" with the setting "{setting}" and the secret "{secret}"')
def step_run_env(context, slug: str, setting: str, secret: str) -> None:
    key, value = setting.split("=", 1)
    secret_key, secret_value = secret.split("=", 1)
    context.world.notes["secret"] = secret_value
    _run(context, slug, env={key: value, secret_key: RuntimeValue(secret_value, secret=True)})


@when('I run the workflow "{slug}"')
def step_run(context, slug: str) -> None:
    _run(context, slug)


@when('I run the workflow "{slug}" {count:d} times in a row')
def step_run_many(context, slug: str, count: int) -> None:
    for _ in range(count):
        execution = _run(context, slug)
        context.world.api.wait_for_workflow_phase(execution.metadata.id, "COMPLETED",
                                                  _timeout(context) * 2)


@then("the workflow execution completes")
def step_completes(context) -> None:
    execution = context.world.api.wait_for_workflow_phase(_last_id(context), "COMPLETED",
                                                          _timeout(context))
    context.world.notes["workflow_execution"] = execution


@then('its result has "{name}" equal to "{value}"')
def step_result(context, name: str, value: str) -> None:
    output = workflow_output(context.world.notes["workflow_execution"])
    assert name in output, f"{name!r} not in the result {output}"
    assert_that(str(_plain(output[name])), equal_to(value))


@then("every task of the workflow execution completed")
def step_all_tasks_completed(context) -> None:
    execution = context.world.api.workflow_execution(_last_id(context))
    statuses = {t.task_id: task_status_name(t.status) for t in execution.status.tasks}
    assert statuses, "no task was reported"
    assert all(s == "COMPLETED" for s in statuses.values()), statuses


@then('the workflow execution reports the phases "{phases}" in that order')
def step_phases(context, phases: str) -> None:
    seen = [p for p in context.world.notes["followed_workflow"].phases if p != "PENDING"]
    assert_that(seen, equal_to([p.strip() for p in phases.split(",")]))


@then('the workflow execution fails, saying the task "{task}" failed')
def step_fails_task(context, task: str) -> None:
    step_fails(context, f'task "{task}" failed')


@then('the workflow execution fails, saying "{text}"')
def step_fails(context, text: str) -> None:
    execution = context.world.api.wait_for_workflow_phase(_last_id(context), "FAILED",
                                                          _timeout(context))
    assert_that(execution.status.error, contains_string(text))


@then('the status of the workflow execution never shows the secret')
def step_no_secret(context) -> None:
    execution = context.world.api.workflow_execution(_last_id(context))
    assert_that(str(execution.status), is_not(contains_string(context.world.notes["secret"])))


@given('the task "{task}" of the workflow execution is running')
@when('the task "{task}" of the workflow execution is running')
def step_task_running(context, task: str) -> None:
    context.world.api.wait_for_task(_last_id(context), task, "IN_PROGRESS", _timeout(context))


@when("I cancel the workflow execution")
def step_cancel(context) -> None:
    context.world.api.cancel_workflow_execution(_last_id(context))


@then("the workflow execution is cancelled and stays cancelled")
def step_cancelled(context) -> None:
    api = context.world.api
    execution = api.wait_for_workflow_phase(_last_id(context), "CANCELLED", 10)
    time.sleep(1.5)
    again = api.workflow_execution(_last_id(context))
    assert_that(workflow_phase_name(again.status.phase), equal_to("CANCELLED"))
    assert_that(len(again.status.tasks), equal_to(len(execution.status.tasks)))


@then('the answer of the agent "{agent}" is kept in the result as "{name}"')
def step_agent_answer(context, agent: str, name: str) -> None:
    execution = context.world.notes["workflow_execution"]
    answer = workflow_output(execution).get(name, "")
    coherent = validation.is_coherent_answer(answer)
    assert coherent, f"answer is not coherent ({coherent.reason}): {answer!r}"
    calls = [o for o in task_outputs(execution).values() if o.get("agent") == agent]
    assert_that(calls, has_length(1))
    assert_that(calls[0]["execution_id"], starts_with("aex-"))
    child = context.world.api.execution(calls[0]["execution_id"])
    assert_that(child.spec.agent_id, equal_to(context.world.api.get_agent(agent).metadata.id))


@then("{count:d} distinct workflow executions completed, each with its own agent execution")
def step_distinct(context, count: int) -> None:
    api = context.world.api
    ids = context.world.workflow_executions
    assert_that(set(ids), has_length(count))
    children = set()
    for execution_id in ids:
        execution = api.workflow_execution(execution_id)
        assert_that(workflow_phase_name(execution.status.phase), equal_to("COMPLETED"))
        children.update(o["execution_id"] for o in task_outputs(execution).values()
                        if "execution_id" in o)
    assert_that(children, has_length(count))
    workflow_id = api.workflow_execution(ids[0]).spec.workflow_id
    assert_that(api.workflow_executions_of(workflow_id), has_length(count))


# ---- the command line ------------------------------------------------------------------

@when('I run the workflow "{name}" from the command line')
def step_cli_run(context, name: str) -> None:
    world = context.world
    world.last_cli = world.cli.run(name, "go", env={"API_BASE": world.fixture_api_url},
                                   kind="workflow", timeout=_timeout(context) + 30)


@then("it shows each task completing and the final phase")
def step_cli_tasks(context) -> None:
    stdout = context.world.last_cli.stdout
    assert_that(stdout, matches_regexp(r"(?m)^Task \w+: COMPLETED"))
    assert_that(stdout, matches_regexp(r"(?m)^Workflow execution COMPLETED: \d+ tasks"))
