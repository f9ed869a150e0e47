"""Steps about MCP servers: the suite's own tool server, and the tool calls agents make."""

from __future__ import annotations

from collections.abc import Iterator

from behave import fixture, given, then, use_fixture
from hamcrest import assert_that, equal_to, has_item, is_not

from harness.mcp_fixture import McpFixtureServer
from harness.transcripts import requested_tools, tool_uses


@fixture
def calculator_tool_server(context) -> Iterator[McpFixtureServer]:
    """The suite's MCP server, on the addresses the agent-runner reaches; stopped at the end
    of the scenario."""
    stack = context.stack
    log_dir = getattr(stack, "log_dir", None) or context.run_dir / "logs"
    server = McpFixtureServer(log_path=log_dir / "mcp-calculator.log",
                              hosts=stack.info.host_addresses).start()
    try:
        yield server
    finally:
        server.stop()


@given('the calculator tool server is running and registered as "{slug}"')
def step_calculator_registered(context, slug: str) -> None:
    world = context.world
    server = use_fixture(calculator_tool_server, context)
    world.notes["mcp_fixture"] = server
    values = server.url_values(context.stack.info.runner_host)
    for manifest in world.manifests("mcp"):
        registered = world.api.apply_mcp_server(manifest, values)
        assert_that(registered.metadata.slug, equal_to(slug))


def _final(context):
    return context.world.api.execution(context.world.last_execution.metadata.id)


@then('the agent called the "{tool}" tool of the "{server}" server')
def step_called_tool(context, tool: str, server: str) -> None:
    execution = _final(context)
    assert_that(requested_tools(execution), has_item(tool), "tools the agent asked for")
    uses = [use for use in tool_uses(execution) if use.name == tool]
    assert_that(uses, is_not(equal_to([])), f"no TOOL message records the {tool} tool")
    assert_that([(use.server, use.status) for use in uses], has_item((server, "COMPLETED")))
    context.world.notes["tool_use"] = next(use for use in uses if use.status == "COMPLETED")


@then("the tool's result is what the calculator server answers for those arguments")
def step_tool_result_real(context) -> None:
    use = context.world.notes["tool_use"]
    expected = context.world.notes["mcp_fixture"].call_tool(use.name, use.arguments)
    assert_that(use.content, equal_to(expected), f"TOOL message of {use.name}{use.arguments}")
    assert_that(use.result, equal_to(expected))
