"""Steps that feed Stigmer bad input through the API and the command line, and check that
every refusal is quick and says what is wrong."""

from __future__ import annotations

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

from harness.processes import free_port
from harness.scenario.world import ScenarioWorld, required
from harness.stigmer.agents import phase_name
from harness.stigmer.cli import CliResult, DialectUnsupported
from harness.stigmer.client import StigmerApi
from harness.stigmer.fixtures import stored_spec_differences
from harness.stigmer.manifests import ManifestError

MB = 1_000_000
UNKNOWN_EXECUTION = "aex-doesnotexist0000"
UNKNOWN_AGENT = "never-deployed"
# Manifests the server sees (the harness sends them through the SDK, unchecked) ...
SERVER_MANIFESTS = {
    "an agent with an invalid name": "agents/invalid",
    "an agent whose instructions are too short": "bad-input/short-instructions",
    "an agent with an upper-case slug": "bad-input/upper-case-slug",
    "a sub-agent whose instructions are too short": "bad-input/short-sub-agent",
    "an MCP server whose address is not a web address": "bad-input/mcp-not-web",
}
# ... and those only a client's own manifest parser can refuse (no YAML travels to the server).
MANIFESTS = {
    **SERVER_MANIFESTS,
    "a manifest that is not valid YAML": "bad-input/malformed",
    "a manifest with a field Stigmer lacks": "bad-input/unknown-field",
}
ENV_FILE_NOT_PAIRS = "bad-input/env-files/not-pairs.env"
ENV_FILE_MISSING = "bad-input/env-files/no-such-file.env"
DRY_RUNS = {"a dry run of an agent whose instructions are too short":
            "bad-input/short-instructions"}
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


def _deployed(world: ScenarioWorld) -> list[str]:
    """The agents this scenario deployed through the API and did not delete."""
    return sorted(world.applied.deployed_agents - world.applied.deleted_agents)


def _message_target(world: ScenarioWorld) -> str:
    """The agent a bad message goes to: greeter when deployed, else the first one deployed."""
    deployed = _deployed(world)
    assert deployed, "a message needs an agent to go to: apply one first (Given I have applied ...)"
    return "greeter" if "greeter" in deployed else deployed[0]


def _api_actions(world: ScenarioWorld) -> dict[str, Callable[[], object]]:
    def run(size: int) -> Callable[[], object]:
        return lambda: world.api.agent_executions.run(
            world.api.agents.get(_message_target(world)), "a" * size)

    def unreachable() -> object:
        api = StigmerApi(_unreachable_address(), world.config.api_key, world.org)
        try:
            return api.agents.slugs()
        finally:
            api.close()

    def apply(fixture: str) -> Callable[[], object]:
        return lambda: world.api.apply_all(world.manifests(fixture))

    actions: dict[str, Callable[[], object]] = {
        phrase: apply(fixture) for phrase, fixture in SERVER_MANIFESTS.items()}
    actions.update({
        "an empty message": run(0),
        "a 1 MB message": run(MB),
        "a 5 MB message": run(5 * MB),
        "a request for an execution that never was": lambda: world.api.agent_executions.get(
            UNKNOWN_EXECUTION),
        "a request for an agent that never was": lambda: world.api.agents.get(UNKNOWN_AGENT),
        "a request to a server that cannot be reached": unreachable,
    })
    return actions


def _cli_call(world: ScenarioWorld, what: str) -> Callable[[], CliResult]:
    cli = world.cli
    if what in MANIFESTS:
        return lambda: cli.apply(world.fixture_path(MANIFESTS[what]), timeout=60)
    if what in DRY_RUNS:
        return lambda: cli.apply(world.fixture_path(DRY_RUNS[what]), dry_run=True, timeout=60)
    calls: dict[str, Callable[[], CliResult]] = {
        "a request to a server that cannot be reached":
            lambda: cli.at(_unreachable_address()).list("agents", timeout=60),
        "an empty message": lambda: cli.run(_message_target(world), "", follow=False,
                                            timeout=60),
        "a request for an execution that never was":
            lambda: cli.get("execution", UNKNOWN_EXECUTION, timeout=60),
        "a request for an agent that never was":
            lambda: cli.get("agent", UNKNOWN_AGENT, timeout=60),
        "a run with a values file whose line is not KEY=VALUE":
            lambda: cli.run(_message_target(world), "Say hello", follow=False, timeout=60,
                            env_file=world.fixture_path(ENV_FILE_NOT_PAIRS)),
        "a run with a values file that does not exist":
            lambda: cli.run(_message_target(world), "Say hello", follow=False, timeout=60,
                            env_file=world.fixture_path(ENV_FILE_MISSING)),
    }
    assert what in calls, f"no such bad input for the command line: {what!r}"
    return calls[what]


@when("I send {what} through the API")
def step_send_api(context, what: str) -> None:
    world = context.world
    actions = _api_actions(world)
    assert what in actions, f"no such input: {what!r} (known: {', '.join(actions)})"
    world.inventory_before = world.api.inventory()
    world.attempt(actions[what], refusals=(StigmerError, ManifestError))


@when("I give the command line {what}")
def step_send_cli(context, what: str) -> None:
    world = context.world
    world.inventory_before = world.api.inventory()
    try:
        world.last_cli = _cli_call(world, what)()
    except DialectUnsupported as reason:
        context.scenario.skip(reason=f"CLI dialect {world.cli.dialect.name}: {reason}")


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
    assert_that(world.last_attempt.seconds, less_than(seconds))


@then('the error mentions "{text}"')
def step_error_mentions(context, text: str) -> None:
    assert_that(str(context.world.last_error), contains_string(text))


@then('the error names the field "{field}" and the rule "{rule}"')
def step_error_names_rule(context, field: str, rule: str) -> None:
    text = str(context.world.last_error)
    assert_that(text, contains_string(field))
    assert_that(text, contains_string(rule))


@then("my agents are unchanged")
def step_agents_unchanged(context) -> None:
    """The agents the scenario deployed, each still holding what it applied."""
    world = context.world
    assert_that(sorted(world.api.agents.slugs()), equal_to(_deployed(world)))
    for slug in _deployed(world):
        manifest = world.applied.manifests.get(f"Agent/{slug}")
        if manifest is not None:
            stored = world.api.agents.get(slug)
            assert_that(stored_spec_differences(manifest, stored, world.org), equal_to([]),
                        f"the agent {slug} changed")


@then("nothing was stored")
def step_nothing_stored(context) -> None:
    """The organization holds exactly what it held before the bad input: no resource of any
    kind added, removed or rewritten (a new version), no agent or workflow execution stored."""
    world = context.world
    before = required(world.inventory_before, "no bad input was sent in this scenario")
    assert_that(world.api.inventory().changes_since(before), equal_to([]),
                "what the refused request stored or wrote")


@then("the command is refused as {refusal} within {seconds:d} seconds")
def step_cli_refused_within(context, refusal: str, seconds: int) -> None:
    result = context.world.last_cli
    problem = context.world.cli.refusal_problem(result, refusal)
    assert problem is None, problem
    assert_that(result.seconds, less_than(seconds))


@then("it is accepted")
def step_accepted(context) -> None:
    world = context.world
    assert_that(world.last_error, equal_to(None), f"refused: {world.last_error}")
    world.remember_execution(world.last_attempt.result)


@then("the execution ends within {seconds:d} seconds")
def step_ends_within(context, seconds: int) -> None:
    world = context.world
    final = world.api.agent_executions.wait_until_terminal(world.last_execution.metadata.id,
                                                           seconds)
    world.remember_execution(final)
    assert_that(phase_name(final.status.phase), is_in(["COMPLETED", "FAILED"]))


@then("the message was stored whole")
def step_message_whole(context) -> None:
    execution = context.world.api.agent_executions.get(context.world.last_execution.metadata.id)
    assert_that(execution.spec.message, instance_of(str))
    assert_that(len(execution.spec.message), equal_to(MB))
    assert_that(execution.metadata.id, not_none())
