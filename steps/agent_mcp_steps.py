"""Steps about MCP servers: the suite's own tool server, and the tool calls agents make."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from behave import fixture, given, then, use_fixture
from hamcrest import assert_that, equal_to, has_item, is_not, matches_regexp

from harness.checks.secret_scan import remember_secret
from harness.doubles.mcp_server import McpFixtureServer
from harness.scenario.world import required
from harness.stigmer.agents import MessageType
from harness.stigmer.transcripts import ToolUse, requested_tools, tool_uses

NUMBER = re.compile(r"\d+(?:[.:]\d+)*")


@fixture
def tool_server(context, name: str, token: str = "") -> Iterator[McpFixtureServer]:
    """The suite's MCP server, on the addresses the agent-runner reaches (a vault opened only
    by ``token`` when one is given); stopped at the end of the scenario."""
    stack = context.stack
    log_dir = Path(stack.info.log_dir) if stack.info.log_dir else context.run_dir / "logs"
    server = McpFixtureServer(log_path=log_dir / f"mcp-{name}.log", token=token,
                              hosts=stack.info.host_addresses).start()
    try:
        yield server
    finally:
        server.stop()


def _register(context, server: McpFixtureServer, fixtures: str, slug: str) -> None:
    world = context.world
    world.tools.servers[slug] = server
    values = server.url_values(context.stack.info.runner_host)
    # Applying the fixture again (agent_steps.py) fills its placeholders the same way.
    if world.tools.placeholder_values is None:
        world.tools.placeholder_values = {}
    world.tools.placeholder_values.update(values)
    for manifest in world.manifests(fixtures):
        registered = world.api.mcp_servers.apply(manifest, values)
        assert_that(registered.metadata.slug, equal_to(slug))


@given('the calculator tool server is running and registered as "{slug}"')
def step_calculator_registered(context, slug: str) -> None:
    _register(context, use_fixture(tool_server, context, "calculator"), "mcp", slug)


@given('the vault tool server is running, opened only by a token made for this run, and '
      'registered as "{slug}"')
def step_vault_registered(context, slug: str) -> None:
    token = remember_secret(context.world)
    server = use_fixture(tool_server, context, "vault", token)
    _register(context, server, "mcp/vault", slug)


def _final(context):
    return context.world.api.agent_executions.get(context.world.last_execution.metadata.id)


@then('the agent called the "{tool}" tool of the "{server}" server')
def step_called_tool(context, tool: str, server: str) -> None:
    execution = _final(context)
    assert_that(requested_tools(execution), has_item(tool), "tools the agent asked for")
    uses = [use for use in tool_uses(execution) if use.name == tool]
    assert_that(uses, is_not(equal_to([])), f"no TOOL message records the {tool} tool")
    assert_that([(use.server, use.status) for use in uses], has_item((server, "COMPLETED")))
    context.world.tools.last_use = next(use for use in uses if use.status == "COMPLETED")


def _tool_use(context) -> ToolUse:
    """The completed tool call "the agent called the ... tool" found."""
    return required(context.world.tools.last_use,
                    "no completed tool call was found (check that the agent called the tool)")


def _as_recorded(expected: str, secret: str) -> str:
    """A pattern for ``expected`` as a transcript holds it: a secret it contains masked."""
    parts = expected.split(secret) if secret else [expected]
    return "^" + ".+?".join(re.escape(part) for part in parts) + "$"


@then("the tool's result is what the {name} server answers for those arguments")
def step_tool_result_real(context, name: str) -> None:
    """The TOOL message holds what the server itself answers (a secret it echoes masked)."""
    world = context.world
    use = _tool_use(context)
    assert_that(use.server, equal_to(name), "the server of the tool call")
    assert name in world.tools.servers, f"no tool server registered as {name!r} in this scenario"
    expected = world.tools.servers[name].call_tool(use.name, use.arguments)
    secret = world.secrets.secret
    pattern = _as_recorded(expected, secret if secret and secret in expected else "")
    for what, recorded in (("TOOL message", use.content), ("call result", use.result)):
        assert_that(recorded, matches_regexp(pattern), f"{what} of {use.name}")
        assert not secret or secret not in recorded, f"the {what} holds the secret unmasked"


def _value_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@then("the tool was given the values of my message")
def step_tool_given_my_values(context) -> None:
    """Every argument of the tool call is a value my message holds (no value made up)."""
    execution = _final(context)
    asked = " ".join(m.content for m in execution.status.messages
                     if m.type == MessageType.MESSAGE_HUMAN).lower()
    use = _tool_use(context)
    assert_that(use.arguments, is_not(equal_to({})), f"{use.name} was given no value")
    invented = {k: v for k, v in use.arguments.items() if _value_text(v).lower() not in asked}
    assert_that(invented, equal_to({}), f"values of {use.name} not in my message {asked!r}")


@then("the agent's answer quotes the tool's result")
def step_answer_quotes_result(context) -> None:
    """Every number of the tool's result that the request did not contain (the part nobody
    could guess) is in the agent's final answer."""
    execution = _final(context)
    use = _tool_use(context)
    asked = " ".join(m.content for m in execution.status.messages
                     if m.type == MessageType.MESSAGE_HUMAN)
    news = [n for n in NUMBER.findall(use.content) if n not in NUMBER.findall(asked)]
    assert_that(news, is_not(equal_to([])), f"nothing in {use.content!r} was new")
    answers = [m.content for m in execution.status.messages
               if m.type == MessageType.MESSAGE_AI and m.content.strip()]
    assert_that(answers, is_not(equal_to([])), "the agent gave no final answer")
    missing = [n for n in news if n not in NUMBER.findall(answers[-1])]
    assert_that(missing, equal_to([]), f"tool said {use.content!r}, agent said {answers[-1]!r}")


@then('the agent called the "{tool}" tool of the "{server}" server, which failed saying '
      '"{text}"')
def step_called_tool_failed(context, tool: str, server: str, text: str) -> None:
    """The TOOL message records the call as FAILED, with the server's own error text."""
    execution = _final(context)
    assert_that(requested_tools(execution), has_item(tool), "tools the agent asked for")
    uses = [use for use in tool_uses(execution) if use.name == tool]
    assert_that(uses, is_not(equal_to([])), f"no TOOL message records the {tool} tool")
    recorded = [(use.server, use.status, text in use.content) for use in uses]
    assert_that(recorded, has_item((server, "FAILED", True)),
                f"the {tool} calls: {[(u.status, u.content) for u in uses]}")
