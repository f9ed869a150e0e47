"""Steps about deploying workflows and reading them back."""

from __future__ import annotations

from behave import then
from google.protobuf import json_format
from hamcrest import (
    assert_that,
    contains_exactly,
    contains_inanyorder,
    contains_string,
    equal_to,
    has_length,
    is_not,
    not_none,
    starts_with,
)
from stigmer import StigmerError

from harness.scenario.world import required
from harness.stigmer.workflows import Workflow


def _all_tasks(tasks: list[dict]) -> list[dict]:
    """Every task of a list, with the tasks nested in do/try/catch/branches (depth first)."""
    found: list[dict] = []

    def walk(value) -> None:
        if isinstance(value, dict):
            if "name" in value and "kind" in value:
                found.append(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(tasks)
    return found


def _workflow(context) -> Workflow:
    """The workflow definition a step read back last."""
    return required(context.world.workflow, "no workflow was read back from Stigmer")


def _task(workflow, name: str) -> dict:
    """The task called ``name`` anywhere in the workflow (nested ones too), as plain data."""
    tasks = _all_tasks([json_format.MessageToDict(t) for t in workflow.spec.tasks])
    for task in tasks:
        if task["name"] == name:
            return task
    raise AssertionError(f"no task {name!r} in {[t['name'] for t in tasks]}")


@then('the workflow "{slug}" has its name, description, tasks and an identifier')
def step_core_fields(context, slug: str) -> None:
    workflow = context.world.api.workflows.get(slug)
    manifest = context.world.applied.manifests.get(f"Workflow/{slug}")
    assert_that(workflow.metadata.name, equal_to(manifest.name if manifest else slug))
    assert_that(workflow.metadata.id, starts_with("wfl-"))
    assert_that(workflow.metadata.org, equal_to(context.world.org))
    assert_that(workflow.spec.description.strip(), is_not(equal_to("")))
    assert_that(len(workflow.spec.tasks), is_not(equal_to(0)))
    if manifest is not None:  # and they are the ones the scenario applied
        sent = manifest.to_proto(org=context.world.org).spec
        assert_that((workflow.spec.description, [t.name for t in workflow.spec.tasks]),
                    equal_to((sent.description, [t.name for t in sent.tasks])))


@then("{count:d} workflows exist")
@then("{count:d} workflow exists")
def step_count(context, count: int) -> None:
    """Exactly ``count`` workflows, each once; when the scenario applied workflows through
    the API, exactly those (and none it deleted)."""
    world = context.world
    assert_that(world.last_error, equal_to(None), "applying failed")
    listed = world.api.workflows.slugs()
    assert_that(listed, has_length(count), f"listed: {listed}")
    assert_that(sorted(set(listed)), equal_to(sorted(listed)), "a workflow is listed twice")
    expected = world.applied.workflows()
    if expected:
        assert_that(sorted(listed), equal_to(sorted(expected)),
                    "the workflows listed are not the ones applied by this scenario")


@then("no workflow exists")
def step_none(context) -> None:
    assert_that(context.world.api.workflows.slugs(), has_length(0))


@then("every workflow kept its identifier")
def step_kept_ids(context) -> None:
    before = context.world.applied.workflow_ids_before
    assert_that(before, is_not(equal_to({})), "no workflow existed before the last apply")
    for slug, workflow_id in before.items():
        assert_that(context.world.api.workflows.get(slug).metadata.id, equal_to(workflow_id))


@then('the workflow "{slug}" declares the environment variables "{names}"')
def step_env(context, slug: str, names: str) -> None:
    workflow = context.world.api.workflows.get(slug)
    expected = [n.strip() for n in names.split(",")]
    assert_that(list(workflow.spec.env), contains_inanyorder(*expected))
    context.world.workflow = workflow


@then('its variable "{name}" is secret and optional')
def step_env_secret(context, name: str) -> None:
    declaration = _workflow(context).spec.env[name]
    assert declaration.is_secret and declaration.optional, str(declaration)


@then('its first task sets the values "{names}"')
def step_first_task_sets(context, names: str) -> None:
    first = _workflow(context).spec.tasks[0]
    assert "variables" in first.task_config.fields, \
        f"the first task {first.name!r} sets no values: {first.task_config}"
    variables = first.task_config.fields["variables"].struct_value.fields
    assert_that(list(variables), contains_inanyorder(*[n.strip() for n in names.split(",")]))


@then('the workflow "{slug}" has the tasks "{names}" in that order')
def step_task_order(context, slug: str, names: str) -> None:
    workflow = context.world.api.workflows.get(slug)
    context.world.workflow = workflow
    assert_that([t.name for t in workflow.spec.tasks],
                contains_exactly(*[n.strip() for n in names.split(",")]))


@then('the task "{name}" continues with "{target}"')
def step_task_then(context, name: str, target: str) -> None:
    task = _task(_workflow(context), name)
    assert_that(task.get("flow", {}).get("then"), equal_to(target))


@then("the task \"{name}\" exports its result with '{expression}'")
def step_task_export(context, name: str, expression: str) -> None:
    task = _task(_workflow(context), name)
    assert_that(task.get("export", {}).get("as"), equal_to(expression))


@then('the workflow is rejected as invalid, pointing at {where}')
def step_rejected(context, where: str) -> None:
    error = context.world.last_error
    assert_that(error, not_none(), "the workflow was accepted")
    assert isinstance(error, StigmerError), repr(error)
    assert_that(error.code.name, equal_to("INVALID_ARGUMENT"), str(error))
    assert_that(str(error), contains_string(where.strip().strip("'")))
