"""Steps that check what Stigmer did beyond a record's phase: a resource's version history,
Temporal's own view of a cancelled workflow execution, a command that did not follow, a
workflow refused without its settings."""

from __future__ import annotations

from behave import then, when
from hamcrest import assert_that, contains_string, equal_to, is_not, none

from harness.checks.secret_scan import forms_in
from harness.stack.temporal_view import CLOSED_BY_CANCEL, require_view, wait_for_workflow
from harness.stigmer.agents import MessageType
from harness.stigmer.fixtures import get_resource


@then("every resource got a new version that points at the one before")
def step_new_version_linked(context) -> None:
    """For each resource the last apply updated: a new version id, whose previous version is
    the one stored before the apply (any kind the fixture holds)."""
    world = context.world
    assert_that(world.last_error, none(), "applying failed")
    before = world.applied.versions_before
    assert_that(before, is_not(equal_to({})), "no resource existed before the last apply")
    for key, old in before.items():
        kind, slug = key.split("/", 1)
        version = get_resource(world.api, kind, slug).metadata.version
        assert_that(version.id, is_not(equal_to(old)), f"{key}: still the version before")
        assert_that(version.previous_version_id, equal_to(old),
                    f"{key}: the new version does not point at the one before")



@then("the workflow engine stopped the workflow execution")
def step_workflow_engine_stopped(context) -> None:
    """Temporal's view of the workflow execution's workflow: asked to cancel and closed, not
    still running nor failed (the record alone would say CANCELLED even if it ran on)."""
    started = context.world.workflow_executions
    assert started, "no workflow was run in this scenario"
    view = require_view(context.stack, lambda reason: context.scenario.skip(reason=reason))
    closed = wait_for_workflow(view, started[-1], lambda v: not v.running, "to close")
    assert closed.status in CLOSED_BY_CANCEL or closed.cancel_requested, (
        f"the workflow was not cancelled: {closed.summary()}")
    assert_that(closed.status, is_not(equal_to("FAILED")), closed.summary())


@then("the command did not follow it: the execution's answer is not in its output")
def step_cli_did_not_follow(context) -> None:
    """Read after the execution finished: its answer (from its record) is nowhere in what the
    command printed, so the command returned without streaming it."""
    world = context.world
    result = world.last_cli
    assert result is not None and result.execution_id, "no command started an execution"
    execution = world.api.agent_executions.get(result.execution_id)
    answers = [m.content.strip() for m in execution.status.messages
               if m.type == MessageType.MESSAGE_AI and m.content.strip()]
    assert answers, "the execution gave no answer to look for"
    shown = [answer for answer in answers if answer in result.stdout]
    assert_that(shown, equal_to([]), f"the command printed the answer: {result.stdout!r}")


@when('I try to run the workflow "{slug}" without its settings')
def step_try_run_workflow(context, slug: str) -> None:
    """Start it with no runtime values at all; records the refusal (and how long it took) for
    "it is refused as ... within ... seconds" and "the error mentions ..."."""
    world = context.world
    attempt = world.attempt(lambda: world.api.workflow_executions.run(
        world.api.workflows.get(slug), "", {}))  # an unknown workflow: its refusal recorded
    if attempt.result is not None:
        world.workflow_executions.append(attempt.result.metadata.id)


@when("I show the execution from the command line as {fmt}")
def step_cli_show_execution(context, fmt: str) -> None:
    world = context.world
    execution_id = world.last_execution.metadata.id
    world.last_cli = world.cli.get("execution", execution_id, timeout=60, output=fmt.strip())


@then("it shows the execution with its secret values masked")
def step_cli_secrets_masked(context) -> None:
    """The command showed this execution and the names of its secret runtime values, and no
    secret value in any encoding."""
    world = context.world
    result = world.last_cli
    assert result is not None and result.exit_code == 0, result and result.transcript()
    execution = world.api.agent_executions.get(world.last_execution.metadata.id)
    assert_that(result.stdout, contains_string(execution.metadata.id))
    secret_names = [name for name, value in execution.spec.runtime_env.items() if value.is_secret]
    assert secret_names, "the execution has no secret runtime value to look for"
    for name in secret_names:
        assert_that(result.stdout, contains_string(name))
    secrets = world.secrets.runtime_values
    assert secrets, "the scenario gave no secret value"
    shown = {secret: forms_in(result.stdout, secret) for secret in secrets}
    assert_that({k: v for k, v in shown.items() if v}, equal_to({}),
                "secret values in the output (by encoding)")
