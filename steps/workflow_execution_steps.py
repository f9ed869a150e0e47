"""Steps about running workflows and checking what their tasks did."""

from __future__ import annotations

import json
import re
import secrets
import time
from datetime import datetime

from behave import given, then, when
from hamcrest import (
    assert_that,
    contains_exactly,
    contains_string,
    empty,
    equal_to,
    has_length,
    less_than,
    matches_regexp,
    not_none,
    starts_with,
)

from harness.checks import validation
from harness.checks.secret_scan import forms_in
from harness.scenario.world import required
from harness.stack.temporal_view import require_view, wait_for_workflow
from harness.stigmer.agents import MessageType
from harness.stigmer.executions import RuntimeValue
from harness.stigmer.workflows import (
    WorkflowExecution,
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
    workflow = world.api.workflows.get(slug)
    runtime = {"API_BASE": world.fixture_api_url, **(env or {})}
    execution = world.api.workflow_executions.run(workflow, message, runtime)
    world.workflow_executions.append(execution.metadata.id)
    # The record as created: its phase is the first one the execution went through.
    world.workflow_runs.created[execution.metadata.id] = execution
    for value in (env or {}).values():
        if isinstance(value, RuntimeValue) and value.secret:
            world.redactor.add(value.value)
    return execution


def _finished(context) -> WorkflowExecution:
    """The last workflow execution a step waited for to its end."""
    return required(context.world.workflow_runs.finished,
                    "no workflow execution was waited for to its end (completes, or fails)")


def _last_id(context) -> str:
    assert context.world.workflow_executions, "no workflow was run"
    return context.world.workflow_executions[-1]


@when('I run the workflow "{slug}" with the message "{message}" and follow it')
def step_run_follow(context, slug: str, message: str) -> None:
    execution = _run(context, slug, message)
    followed = context.world.api.workflow_executions.follow(execution.metadata.id,
                                                            _timeout(context))
    context.world.workflow_runs.followed = followed


@when('I run the workflow "{slug}" with the setting "{setting}" and the secret "{secret}"')
def step_run_env(context, slug: str, setting: str, secret: str) -> None:
    key, value = setting.split("=", 1)
    secret_key, secret_value = secret.split("=", 1)
    context.world.secrets.secret = secret_value
    _run(context, slug, env={key: value, secret_key: RuntimeValue(secret_value, secret=True)})


@given("the suite's HTTP API accepts only a token made for this run")
def step_api_token(context) -> None:
    token = f"tok-{secrets.token_hex(12)}"
    context.world.redactor.add(token)
    context.world.secrets.api_token = token
    context.fixture_http.accept_token(token)
    context.add_cleanup(context.fixture_http.accept_token, "")


@when('I run the workflow "{slug}" with the setting "{setting}" and that token as the secret '
      '"{name}"')
def step_run_with_token(context, slug: str, setting: str, name: str) -> None:
    key, value = setting.split("=", 1)
    token = context.world.secrets.api_token
    assert token, "the suite's HTTP API was given no token made for this run"
    context.world.secrets.secret = token
    _run(context, slug, env={key: value, name: RuntimeValue(token, secret=True)})


@when('I run the workflow "{slug}" with the message "{message}"')
def step_run_message(context, slug: str, message: str) -> None:
    _run(context, slug, message)


@when('I run the workflow "{slug}"')
def step_run(context, slug: str) -> None:
    _run(context, slug)


@when('I run the workflow "{slug}" {count:d} times in a row')
def step_run_many(context, slug: str, count: int) -> None:
    for _ in range(count):
        execution = _run(context, slug)
        context.world.api.workflow_executions.wait_for_phase(execution.metadata.id, "COMPLETED",
                                                  _timeout(context) * 2)


@then("the workflow execution completes")
def step_completes(context) -> None:
    execution = context.world.api.workflow_executions.wait_for_phase(_last_id(context), "COMPLETED",
                                                          _timeout(context))
    context.world.workflow_runs.finished = execution


@then('its result has "{name}" equal to "{value}"')
def step_result(context, name: str, value: str) -> None:
    output = workflow_output(_finished(context))
    assert name in output, f"{name!r} not in the result {output}"
    assert_that(str(_plain(output[name])), equal_to(value))


@then("every task of the workflow execution completed")
def step_all_tasks_completed(context) -> None:
    execution = context.world.api.workflow_executions.get(_last_id(context))
    statuses = {t.task_id: task_status_name(t.status) for t in execution.status.tasks}
    assert statuses, "no task was reported"
    assert all(s == "COMPLETED" for s in statuses.values()), statuses


@then('the workflow execution reports the phases "{phases}" in that order')
def step_phases(context, phases: str) -> None:
    """Every phase, in order and none skipped: the record as created, then what the
    execution's stream showed until it ended."""
    created = context.world.workflow_runs.created.get(_last_id(context))
    assert created is not None, "the scenario did not create this workflow execution"
    seen = [workflow_phase_name(created.status.phase)]
    followed = required(context.world.workflow_runs.followed, "no workflow was run and followed")
    for phase in followed.phases:
        if phase != seen[-1]:
            seen.append(phase)
    assert_that(seen, equal_to([p.strip() for p in phases.split(",")]))


@then('the workflow execution fails, saying the task "{task}" failed')
def step_fails_task(context, task: str) -> None:
    step_fails(context, f'task "{task}" failed')


@then('the workflow execution fails, saying "{text}"')
def step_fails(context, text: str) -> None:
    execution = context.world.api.workflow_executions.wait_for_phase(_last_id(context), "FAILED",
                                                          _timeout(context))
    context.world.workflow_runs.finished = execution
    assert_that(execution.status.error, contains_string(text))


def _secret(context) -> str:
    secret = context.world.secrets.secret
    assert secret, "no secret was given to this run (run the workflow with a secret first)"
    return secret


@then('the status of the workflow execution never shows the secret')
def step_no_secret(context) -> None:
    execution = context.world.api.workflow_executions.get(_last_id(context))
    secret = _secret(context)
    assert_that(forms_in(str(execution.status), secret), empty(), "the status shows the secret")
    assert_that(forms_in(json.dumps(workflow_output(execution)), secret), empty(),
                "the result shows the secret")


@then("the secret is in no service log, in any encoding")
def step_no_secret_in_logs(context) -> None:
    secret = _secret(context)
    files = context.stack.log_files()
    if not files:
        context.scenario.skip(reason="the services' logs are not reachable from the suite "
                                     "(a Stigmer that the suite did not start)")
        return
    found = {str(path): forms_in(path.read_text(errors="replace"), secret) for path in files
             if path.exists()}
    assert_that({k: v for k, v in found.items() if v}, equal_to({}))


@then("Temporal's history of the workflow execution never holds the secret, in any encoding")
def step_no_secret_in_temporal(context) -> None:
    """What the workflow engine recorded (its input, every activity's input and result) is
    kept by Temporal in plain payloads: a secret must be resolved inside the activity that
    needs it, never travel through the history."""
    secret = _secret(context)
    execution = context.world.api.workflow_executions.wait_until_terminal(_last_id(context),
                                                                          _timeout(context))
    view = require_view(context.stack, lambda reason: context.scenario.skip(reason=reason))
    workflow_id = execution.status.temporal_workflow_id or execution.metadata.id
    closed = wait_for_workflow(view, workflow_id, lambda v: not v.running, "to close")
    history = view.history_text(workflow_id)
    assert_that(history, contains_string(workflow_id), "the history read is not this workflow's")
    assert_that(forms_in(history, secret), empty(),
                f"Temporal's history of {workflow_id} ({closed.status}) holds the secret")


@given('the task "{task}" of the workflow execution is running')
@when('the task "{task}" of the workflow execution is running')
def step_task_running(context, task: str) -> None:
    context.world.api.workflow_executions.wait_for_task(_last_id(context), task, "IN_PROGRESS",
                                                        _timeout(context))


@when("I cancel the workflow execution")
def step_cancel(context) -> None:
    context.world.api.workflow_executions.cancel(_last_id(context))


@then("the workflow execution is cancelled and stays cancelled")
def step_cancelled(context) -> None:
    api = context.world.api
    execution = api.workflow_executions.wait_for_phase(_last_id(context), "CANCELLED", 10)
    time.sleep(1.5)
    again = api.workflow_executions.get(_last_id(context))
    assert_that(workflow_phase_name(again.status.phase), equal_to("CANCELLED"))
    assert_that(len(again.status.tasks), equal_to(len(execution.status.tasks)))


@then('the answer of the agent "{agent}" is kept in the result as "{name}"')
def step_agent_answer(context, agent: str, name: str) -> None:
    execution = _finished(context)
    answer = workflow_output(execution).get(name, "")
    coherent = validation.is_coherent_answer(answer)
    assert coherent, f"answer is not coherent ({coherent.reason}): {answer!r}"
    calls = [o for o in task_outputs(execution).values() if o.get("agent") == agent]
    assert_that(calls, has_length(1))
    assert_that(calls[0]["execution_id"], starts_with("aex-"))
    child = context.world.api.agent_executions.get(calls[0]["execution_id"])
    assert_that(child.spec.agent_id, equal_to(context.world.agent(agent).metadata.id))
    ai = [m.content for m in child.status.messages
          if m.type == MessageType.MESSAGE_AI and m.content]
    assert ai, f"the agent execution {child.metadata.id} has no AI message"
    assert_that(answer, equal_to(ai[-1]))


@then("{count:d} distinct workflow executions completed, each with its own agent execution")
def step_distinct(context, count: int) -> None:
    api = context.world.api
    ids = context.world.workflow_executions
    assert_that(set(ids), has_length(count))
    children: set[str] = set()
    for execution_id in ids:
        execution = api.workflow_executions.get(execution_id)
        assert_that(workflow_phase_name(execution.status.phase), equal_to("COMPLETED"))
        children.update(o["execution_id"] for o in task_outputs(execution).values()
                        if "execution_id" in o)
    assert_that(children, has_length(count))
    workflow_id = api.workflow_executions.get(ids[0]).spec.workflow_id
    assert_that(api.workflow_executions.of(workflow_id), has_length(count))


# ---- the command line ------------------------------------------------------------------

@when('I run the workflow "{name}" from the command line')
def step_cli_run(context, name: str) -> None:
    world = context.world
    world.last_cli = world.cli.run(name, "go", env={"API_BASE": world.fixture_api_url},
                                   kind="workflow", timeout=_timeout(context) + 30)


@then("it shows each task completing and the final phase")
def step_cli_tasks(context) -> None:
    """Every task the workflow execution records is shown completing, and the final line
    gives the phase and the number of tasks it records."""
    result = required(context.world.last_cli, "no command was run")
    stdout = result.stdout
    assert_that(result.execution_id, not_none(), result.transcript())
    tasks = context.world.api.workflow_executions.get(result.execution_id).status.tasks
    assert tasks, f"the workflow execution {result.execution_id} records no task"
    for task in tasks:
        assert_that(stdout, matches_regexp(rf"(?m)^Task {re.escape(task.task_name)}: COMPLETED"),
                    f"the task {task.task_name!r} is not shown completing")
    final = re.search(r"(?m)^Workflow execution COMPLETED: (\d+) tasks?", stdout)
    assert final is not None, f"no final phase COMPLETED: {result.transcript()}"
    assert_that(int(final.group(1)), equal_to(len(tasks)), "the number of tasks it reported")


# ---- what the tasks did ----------------------------------------------------------------

def _tasks(context):
    return list(context.world.api.workflow_executions.get(_last_id(context)).status.tasks)


@then('the task "{task}" did not run')
def step_task_not_run(context, task: str) -> None:
    ran = [t.task_id for t in _tasks(context) if t.task_name == task]
    assert_that(ran, empty(), f"the task {task!r} ran")


@then('the task "{task}" completed')
def step_task_completed(context, task: str) -> None:
    statuses = [task_status_name(t.status) for t in _tasks(context) if t.task_name == task]
    assert_that(statuses, equal_to(["COMPLETED"]), f"the task {task!r}")


@then('its result has "{name}" listing "{values}" in that order')
def step_result_list(context, name: str, values: str) -> None:
    output = workflow_output(_finished(context))
    assert isinstance(output.get(name), list), f"{name!r} is not a list in the result {output}"
    assert_that([str(_plain(v)) for v in output[name]],
                contains_exactly(*[v.strip() for v in values.split(",")]))


@then('its result has "{name}" containing "{text}"')
def step_result_contains(context, name: str, text: str) -> None:
    output = workflow_output(_finished(context))
    assert name in output, f"{name!r} not in the result {output}"
    assert_that(str(_plain(output[name])), contains_string(text))


@then('its result has "{name}" naming the failed task "{task}"')
def step_result_names_failed_task(context, name: str, task: str) -> None:
    output = workflow_output(_finished(context))
    failed = [t.task_id for t in _tasks(context)
              if t.task_name == task and task_status_name(t.status) == "FAILED"]
    assert_that(failed, has_length(1), f"failed records of the task {task!r}")
    assert_that(output.get(name), equal_to(failed[0]))


def _stamp(value: str) -> float:
    """An RFC 3339 task timestamp as seconds."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


@then('the branches of the fork "{fork}" ran at the same time')
def step_fork_concurrent(context, fork: str) -> None:
    tasks = _tasks(context)
    forks = [t for t in tasks if t.task_name == fork]
    assert_that(forks, has_length(1), f"the fork {fork!r} in {[t.task_id for t in tasks]}")
    prefix = forks[0].task_id + "/"
    spans: dict[str, list[float]] = {}
    for task in tasks:
        if task.task_id.startswith(prefix) and task.completed_at:
            branch = task.task_id[len(prefix):].split("/")[0]
            span = spans.setdefault(branch, [float("inf"), 0.0])
            span[0] = min(span[0], _stamp(task.started_at))
            span[1] = max(span[1], _stamp(task.completed_at))
    assert len(spans) >= 2, f"fewer than two branches reported tasks: {spans}"
    latest_start = max(start for start, _ in spans.values())
    earliest_end = min(end for _, end in spans.values())
    assert_that(latest_start, less_than(earliest_end),
                f"the branches did not overlap (one started after another ended): {spans}")
    took = _stamp(forks[0].completed_at) - _stamp(forks[0].started_at)
    assert_that(took, less_than(sum(end - start for start, end in spans.values())),
                f"the fork took as long as its branches one after another: {spans}")


@then('the task "{task}" took at least {seconds:d} seconds')
@then('the task "{task}" took at least {seconds:d} second')
def step_task_took_at_least(context, task: str, seconds: int) -> None:
    """From the task's own record (its start and end as the engine reported them); a lower
    bound, which machine load can only make longer."""
    done = [t for t in _tasks(context) if t.task_name == task and t.completed_at]
    assert_that(done, has_length(1), f"finished tasks named {task!r}")
    took = _stamp(done[0].completed_at) - _stamp(done[0].started_at)
    assert took >= seconds, f"the task {task!r} took {took:.3f} s, less than {seconds} s"
