"""Steps that feed Stigmer bad input through the API and the command line, and check that
every refusal is quick and says what is wrong."""

from __future__ import annotations

import time
from collections.abc import Callable

from behave import then, when
from hamcrest import (
    assert_that,
    contains_string,
    equal_to,
    instance_of,
    is_in,
    less_than,
    not_none,
)
from stigmer import StigmerError

from harness.cli import StigmerCli
from harness.manifests import ManifestError
from harness.processes import free_port
from harness.stigmer_api import StigmerApi, phase_name
from harness.world import ScenarioWorld

BASIC_AGENTS = ["greeter", "helper-with-profile"]
MB = 1_000_000
UNKNOWN_EXECUTION = "aex-doesnotexist0000"
UNKNOWN_AGENT = "never-deployed"
MANIFESTS = {
    "a manifest that is not valid YAML": "bad-input/malformed",
    "a manifest with a field Stigmer lacks": "bad-input/unknown-field",
    "an agent with an invalid name": "agents/invalid",
}
# How each kind of refusal shows: a local manifest error, or an API status code.
REFUSALS = {
    "invalid manifest": "MANIFEST",
    "invalid argument": "INVALID_ARGUMENT",
    "too large": "RESOURCE_EXHAUSTED",
    "not found": "NOT_FOUND",
    "unreachable": "UNAVAILABLE",
    "unauthenticated": "UNAUTHENTICATED",
}


def _unreachable_address() -> str:
    """A loopback address nothing listens on (a port that was free a moment ago)."""
    return f"127.0.0.1:{free_port()}"


def _api_actions(world: ScenarioWorld) -> dict[str, Callable[[], object]]:
    def run(size: int) -> Callable[[], object]:
        return lambda: world.api.run(world.api.get_agent("greeter"), "a" * size)

    def unreachable() -> object:
        api = StigmerApi(_unreachable_address(), world.config.api_key, world.org)
        try:
            return api.list_agents()
        finally:
            api.close()

    actions: dict[str, Callable[[], object]] = {
        phrase: (lambda fixture=fixture: world.api.apply_all(world.manifests(fixture)))
        for phrase, fixture in MANIFESTS.items()}
    actions.update({
        "an empty message": run(0),
        "a 1 MB message": run(MB),
        "a 5 MB message": run(5 * MB),
        "a request for an execution that never was": lambda: world.api.execution(
            UNKNOWN_EXECUTION),
        "a request for an agent that never was": lambda: world.api.get_agent(UNKNOWN_AGENT),
        "a request to a server that cannot be reached": unreachable,
    })
    return actions


def _cli_args(world: ScenarioWorld, what: str) -> tuple[StigmerCli, tuple[str, ...]]:
    if what in MANIFESTS:
        return world.cli, ("apply", "--config", str(world.fixture_path(MANIFESTS[what])))
    if what == "a request to a server that cannot be reached":
        cli = StigmerCli(world.cli.argv, _unreachable_address(), world.config.api_key,
                         world.org, cwd=world.cli.cwd, history=world.cli.history)
        return cli, ("list", "agents")
    args = {
        "an empty message": ("run", "greeter", "--message", "", "--follow=false"),
        "a request for an execution that never was": ("get", "execution", UNKNOWN_EXECUTION),
        "a request for an agent that never was": ("get", "agent", UNKNOWN_AGENT),
    }
    assert what in args, f"no such bad input for the command line: {what!r}"
    return world.cli, args[what]


@when("I send {what} through the API")
def step_send_api(context, what: str) -> None:
    world = context.world
    actions = _api_actions(world)
    assert what in actions, f"no such input: {what!r} (known: {', '.join(actions)})"
    world.last_error = None
    world.notes["result"] = None
    started = time.monotonic()
    try:
        world.notes["result"] = actions[what]()
    except (StigmerError, ManifestError) as error:
        world.last_error = error
    world.notes["seconds"] = time.monotonic() - started


@when("I give the command line {what}")
def step_send_cli(context, what: str) -> None:
    world = context.world
    cli, args = _cli_args(world, what)
    world.last_cli = cli(*args, timeout=60)


def error_kind(error: Exception | None) -> str:
    """MANIFEST for a manifest refused before sending, else the API status code name."""
    if isinstance(error, ManifestError):
        return "MANIFEST"
    if isinstance(error, StigmerError):
        return error.code.name
    return "none" if error is None else type(error).__name__


@then("it is refused as {refusal} within {seconds:d} seconds")
def step_refused(context, refusal: str, seconds: int) -> None:
    world = context.world
    assert_that(refusal, is_in(list(REFUSALS)))
    assert_that(error_kind(world.last_error), equal_to(REFUSALS[refusal]),
                f"expected a refusal as {refusal}, got: {world.last_error!r}")
    assert_that(world.notes["seconds"], less_than(seconds))


@then('the error mentions "{text}"')
def step_error_mentions(context, text: str) -> None:
    assert_that(str(context.world.last_error), contains_string(text))


@then("my agents are unchanged")
def step_agents_unchanged(context) -> None:
    assert_that(sorted(context.world.api.list_agents()), equal_to(BASIC_AGENTS))


@then("the command fails with exit code {code:d} within {seconds:d} seconds")
def step_cli_fails_within(context, code: int, seconds: int) -> None:
    result = context.world.last_cli
    assert_that(result.exit_code, equal_to(code), result.transcript())
    assert_that(result.seconds, less_than(seconds))
    assert_that(result.stderr, contains_string("Error: "))


@then("it is accepted")
def step_accepted(context) -> None:
    world = context.world
    assert_that(world.last_error, equal_to(None), f"refused: {world.last_error}")
    world.remember_execution(world.notes["result"])


@then("the execution ends within {seconds:d} seconds")
def step_ends_within(context, seconds: int) -> None:
    world = context.world
    final = world.api.wait_until_terminal(world.last_execution.metadata.id, seconds)
    world.remember_execution(final)
    assert_that(phase_name(final.status.phase), is_in(["COMPLETED", "FAILED"]))


@then("the message was stored whole")
def step_message_whole(context) -> None:
    execution = context.world.api.execution(context.world.last_execution.metadata.id)
    assert_that(execution.spec.message, instance_of(str))
    assert_that(len(execution.spec.message), equal_to(MB))
    assert_that(execution.metadata.id, not_none())
