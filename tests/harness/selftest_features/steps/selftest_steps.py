"""The project's steps, plus the two the self-test needs: a run that carries a secret (given
with ``-D x_selftest_secret=...``) and a failure on purpose that quotes it."""

from __future__ import annotations

from behave import then, when

import steps.agent_steps
import steps.cli_steps  # noqa: F401 - registers the project's steps

SECRET_KEY = "x_selftest_secret"


def _secret(context) -> str:
    secret = context.suite_config.extra.get(SECRET_KEY, "")
    assert secret, f"run this feature with -D {SECRET_KEY}=<a value to hide>"
    context.world.redactor.add(secret)
    return secret


@when('I start the agent "{name}" from the command line with the self-test secret')
def step_start_with_secret(context, name: str) -> None:
    world = context.world
    result = world.cli("run", name, "--message", "Say hello", "--follow=false",
                       "--runtime-env", f"secret:SERVICE_TOKEN={_secret(context)}")
    world.last_cli = result
    if result.execution_id:
        world.executions.append(result.execution_id)


@then("this scenario fails on purpose, quoting the secret")
def step_fail_on_purpose(context) -> None:
    raise AssertionError(f"failing on purpose; the secret {_secret(context)} must be masked")
