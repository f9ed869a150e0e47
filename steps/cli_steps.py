"""Steps that drive Stigmer through a stigmer-compatible command line."""

from __future__ import annotations

from behave import then, when
from hamcrest import assert_that, contains_string, equal_to, is_not, matches_regexp, none

from harness.cli import CliResult


def _last(context) -> CliResult:
    result = context.world.last_cli
    assert result is not None, "no command was run"
    return result


def _cli(context, *args: str, timeout: float | None = None) -> CliResult:
    result = context.world.cli(*args, timeout=timeout)
    context.world.last_cli = result
    if result.execution_id:
        context.world.executions.append(result.execution_id)
    return result


@when('I apply the "{fixture}" manifests from the command line')
def step_cli_apply(context, fixture: str) -> None:
    _cli(context, "apply", "--config", str(context.world.fixture_path(fixture)))


@when('I dry-run the "{fixture}" manifests from the command line')
def step_cli_dry_run(context, fixture: str) -> None:
    _cli(context, "apply", "--config", str(context.world.fixture_path(fixture)), "--dry-run")


@when('I run the agent "{name}" from the command line with the message "{message}"')
def step_cli_run(context, name: str, message: str) -> None:
    timeout = context.suite_config.execution_timeout + 30
    _cli(context, "run", name, "--message", message, timeout=timeout)


@when('I start the agent "{name}" from the command line with the message "{message}"')
def step_cli_start(context, name: str, message: str) -> None:
    _cli(context, "run", name, "--message", message, "--follow=false")


@then("the command succeeds")
def step_cli_ok(context) -> None:
    result = _last(context)
    assert_that(result.exit_code, equal_to(0), result.transcript())


@then("the command fails")
def step_cli_fails(context) -> None:
    result = _last(context)
    assert_that(result.exit_code, is_not(equal_to(0)), result.transcript())


@then("the command fails with exit code {code:d}")
def step_cli_fails_with(context, code: int) -> None:
    result = _last(context)
    assert_that(result.exit_code, equal_to(code), result.transcript())


@then('it reports "{text}"')
def step_cli_reports(context, text: str) -> None:
    assert_that(_last(context).stdout, contains_string(text))


@then('its error mentions "{text}"')
def step_cli_error_mentions(context, text: str) -> None:
    assert_that(_last(context).stderr, contains_string(text))


@then('it lists the agents "{names}"')
def step_cli_lists(context, names: str) -> None:
    output = _last(context).stdout
    for name in (part.strip() for part in names.split(",")):
        assert_that(output, matches_regexp(rf"(?m)^.*\bAgent\b.*\b{name}\b.*agt-\S+"))


@then('it shows the action "{action}" for the agent "{name}"')
def step_cli_action(context, action: str, name: str) -> None:
    assert_that(_last(context).stdout, matches_regexp(rf"(?m)^.*\b{action}\b.*\b{name}\b|"
                                                      rf"^.*\b{name}\b.*\b{action}\b"))


@then("it prints the execution identifier")
def step_cli_execution_id(context) -> None:
    assert_that(_last(context).execution_id, is_not(none()), _last(context).transcript())


@then("it shows the agent's answer as it streams")
def step_cli_streams(context) -> None:
    stdout = _last(context).stdout
    assert_that(stdout, matches_regexp(r"(?m)^\[IN_PROGRESS\]"))
    assert_that(stdout, matches_regexp(r"(?m)^AI: \S+"))


@then('it reports the final phase "{phase}" with the count of messages')
def step_cli_final_phase(context, phase: str) -> None:
    assert_that(_last(context).stdout,
                matches_regexp(rf"(?m)^Execution {phase}: \d+ messages? \(.*\d+ ai"))


@then("the execution it started completes")
def step_cli_started_completes(context) -> None:
    execution_id = _last(context).execution_id
    execution = context.world.api.wait_for_phase(
        execution_id, "COMPLETED", timeout=context.suite_config.execution_timeout)
    context.world.remember_execution(execution)
