"""Steps about runtime values from every layer ``stigmer run`` reads (env files, secret files,
the command line), which layer wins, and where the values go (and never go)."""

from __future__ import annotations

from collections.abc import Callable

from behave import then, when
from hamcrest import assert_that, equal_to

from harness.checks.secret_scan import forms_in
from harness.processes import TempDir
from harness.scenario.world import required
from harness.stigmer.cli import CliResult, DialectUnsupported
from harness.stigmer.env_layers import (
    COMMAND_LINE,
    COMMAND_LINE_SECRET,
    RuntimeLayers,
    winner_problems,
)

#: Table values the harness fills in.
THIS_RUN = "the token made for this run"
HTTP_API = "the suite's HTTP API"
YES_NO = {"yes": True, "no": False}


def _token(context) -> str:
    """The token the scenario made (the HTTP API's, else the vault's); checked as the secret."""
    secrets = context.world.secrets
    token = secrets.api_token or secrets.secret
    assert token, "no token was made for this run (make the vault's or the HTTP API's first)"
    secrets.secret = token
    return token


def _layers(context) -> RuntimeLayers:
    world = context.world
    layers = RuntimeLayers()
    for row in context.table:
        value = row["value"]
        if value == THIS_RUN:
            value = _token(context)
        elif value == HTTP_API:
            value = world.fixture_api_url
        layers.put(row["layer"], row["name"], value)
    for secret in layers.secrets():
        world.redactor.add(secret)
    world.runtime_layers = layers
    return layers


def _run(context, command: Callable[..., CliResult], **kwargs) -> CliResult | None:
    """Write the layers' files, run the command with them; skip when the dialect cannot."""
    layers = _layers(context)
    folder = TempDir(prefix="stigmer-e2e-env-")
    context.add_cleanup(folder.cleanup)
    env_files, secret_files = layers.write_files(folder.path)
    try:
        result = command(env=layers.values[COMMAND_LINE],
                         secrets=layers.values[COMMAND_LINE_SECRET],
                         env_files=env_files, secret_files=secret_files,
                         timeout=context.suite_config.execution_timeout + 30, **kwargs)
    except DialectUnsupported as reason:
        context.scenario.skip(reason=f"CLI dialect {context.world.cli.dialect.name}: {reason}")
        return None
    context.world.last_cli = result
    return result


@when('I run the agent "{name}" from the command line with the message "{message}" and these '
      'runtime values:')
def step_cli_run_agent_layers(context, name: str, message: str) -> None:
    result = _run(context, context.world.cli.run, name=name, message=message)
    if result is not None and result.execution_id:
        context.world.executions.append(result.execution_id)


@when('I run the workflow "{name}" from the command line with these runtime values:')
def step_cli_run_workflow_layers(context, name: str) -> None:
    result = _run(context, context.world.cli.run, name=name, message="go", kind="workflow")
    if result is not None and result.execution_id:
        context.world.workflow_executions.append(result.execution_id)


def _given_runtime_env(context):
    """The runtime values the last execution the command started is stored with."""
    result = context.world.last_cli
    assert result is not None and result.execution_id, "no execution was started"
    execution_id = result.execution_id
    api = context.world.api
    if execution_id.startswith("wex"):
        return api.workflow_executions.get(execution_id).spec.runtime_env
    return api.agent_executions.get(execution_id).spec.runtime_env


@then("the execution was given each runtime value from the layer that wins:")
def step_given_from_winning_layer(context) -> None:
    """Each row: the stored value is that layer's value, secret as the row says (values are
    compared, never shown)."""
    layers = required(context.world.runtime_layers,
                      "no runtime values were given through the command line's layers")
    expected = [(row["name"], row["from"], YES_NO[row["secret"].strip().lower()])
                for row in context.table]
    problems = winner_problems(_given_runtime_env(context), layers, expected)
    assert_that(problems, equal_to([]), "runtime values not from the layer that wins")


@then("the command's output never shows the secret")
def step_cli_output_no_secret(context) -> None:
    """The command line's own output (as the CLI wrote it) holds no secret of the run, in any
    encoding."""
    result = context.world.last_cli
    assert result is not None, "no command was run"
    layers = context.world.runtime_layers
    secrets = {context.world.secrets.secret, *(layers.secrets() if layers else ())}
    found = {f"secret #{i}": forms_in(result.output, s)
             for i, s in enumerate(sorted(x for x in secrets if x))}
    assert_that({k: v for k, v in found.items() if v}, equal_to({}),
                "forms of the run's secrets in the command's output")
