"""Steps that drive Stigmer through a stigmer-compatible command line.

Every command goes through the harness CLI helper, in the selected CLI dialect (the flags, the
error stream and the exit codes of one generation of the real CLI); a command the dialect
cannot express skips the scenario with the reason.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import yaml
from behave import then, when
from google.protobuf import json_format
from hamcrest import (
    assert_that,
    contains_string,
    equal_to,
    is_in,
    matches_regexp,
    none,
    not_none,
)

from harness.scenario.world import CANCEL_REASON, required
from harness.stigmer.agents import message_type_name, phase_name
from harness.stigmer.cli import ERROR_LINE, CliResult, DialectUnsupported, StigmerCli
from harness.stigmer.fixtures import get_resource
from harness.stigmer.projects import kind_of

ID_TOKEN = re.compile(r"^(?:agt|wfl)[-_]\S+$")


def _last(context) -> CliResult:
    result = context.world.last_cli
    assert result is not None, "no command was run"
    return result


def _record(context, command: Callable[[], CliResult]) -> CliResult | None:
    """Run ``command``, remember its result (and the execution it started); None when the
    dialect cannot express it, after skipping the scenario with the reason."""
    try:
        result = command()
    except DialectUnsupported as reason:
        context.scenario.skip(reason=f"CLI dialect {context.world.cli.dialect.name}: {reason}")
        return None
    world = context.world
    world.last_cli = result
    execution_id = result.execution_id
    if execution_id and execution_id.startswith("wex"):
        world.executions.append(execution_id)
    elif execution_id:  # the execution steps that follow read it as one the API started
        world.remember_execution(world.api.agent_executions.get(execution_id))
    return result


def _cli(context) -> StigmerCli:
    return context.world.cli


def _run_timeout(context) -> float:
    return context.suite_config.execution_timeout + 30


def errors_of(context, result: CliResult) -> str:
    """What ``result`` wrote where this CLI writes its errors."""
    return _cli(context).errors(result)


def assert_refused(context, result: CliResult, refusal: str | None = None) -> None:
    problem = _cli(context).refusal_problem(result, refusal)
    assert problem is None, problem


@when('I apply the "{fixture}" manifests from the command line')
def step_cli_apply(context, fixture: str) -> None:
    path = context.world.fixture_path(fixture)
    _record(context, lambda: _cli(context).apply(path))


@when('I dry-run the "{fixture}" manifests from the command line')
def step_cli_dry_run(context, fixture: str) -> None:
    path = context.world.fixture_path(fixture)
    _record(context, lambda: _cli(context).apply(path, dry_run=True))


# (registered before the shorter sentence, which would also match its text)
@when('I run the agent "{name}" from the command line with the message "{message}" '
      'on the model "{model}"')
def step_cli_run_model(context, name: str, message: str, model: str) -> None:
    _record(context, lambda: _cli(context).run(name, message, model=model,
                                               timeout=_run_timeout(context)))


@when('I run the agent "{name}" from the command line with the message "{message}"')
def step_cli_run(context, name: str, message: str) -> None:
    _record(context, lambda: _cli(context).run(name, message, timeout=_run_timeout(context)))


@when('I start the agent "{name}" from the command line with the message "{message}"')
def step_cli_start(context, name: str, message: str) -> None:
    _record(context, lambda: _cli(context).run(name, message, follow=False))


@then("the command succeeds")
def step_cli_ok(context) -> None:
    result = _last(context)
    assert_that(result.exit_code, equal_to(0), result.transcript())
    assert_that(ERROR_LINE.search(errors_of(context, result)), none(), result.transcript())


@then("the command fails")
def step_cli_fails(context) -> None:
    assert_refused(context, _last(context))


@then("the command fails with exit code {code:d}")
def step_cli_fails_with(context, code: int) -> None:
    result = _last(context)
    assert_that(result.exit_code, equal_to(code), result.transcript())


@then("the command is refused as {refusal}")
def step_cli_refused_as(context, refusal: str) -> None:
    assert_refused(context, _last(context), refusal)


@then('it reports "{text}"')
def step_cli_reports(context, text: str) -> None:
    assert_that(_last(context).stdout, contains_string(text))


@then('its error mentions "{text}"')
def step_cli_error_mentions(context, text: str) -> None:
    result = _last(context)
    assert_that(errors_of(context, result), contains_string(text), result.transcript())


@then('its error says no {kind} "{name}" exists')
def step_cli_error_not_found(context, kind: str, name: str) -> None:
    result = _last(context)
    assert_that(errors_of(context, result),
                contains_string(_cli(context).dialect.not_found(kind, name)), result.transcript())


@then('its error names the field "{field}" and the rule "{rule}"')
def step_cli_error_names_rule(context, field: str, rule: str) -> None:
    result = _last(context)
    errors = errors_of(context, result)
    assert_that(errors, contains_string(field), result.transcript())
    assert_that(errors, contains_string(rule), result.transcript())


def listed_rows(stdout: str, kind: str) -> dict[str, list[str]]:
    """Table rows whose first column is ``kind``: name -> the row's other cells."""
    rows: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        cells = line.split()
        if len(cells) >= 2 and cells[0] == kind:
            rows[cells[1]] = cells[2:]
    return rows


@then('it lists the agents "{names}"')
def step_cli_lists(context, names: str) -> None:
    """Exactly these agents are in the table, each with its identifier."""
    result = _last(context)
    rows = listed_rows(result.stdout, "Agent")
    expected = sorted(part.strip() for part in names.split(","))
    assert_that(sorted(rows), equal_to(expected), result.transcript())
    for name, cells in rows.items():
        assert_that(any(ID_TOKEN.match(cell) for cell in cells), equal_to(True),
                    f"no identifier for {name}: {cells}")


@then('it shows the action "{action}" for the {kind} "{name}"')
def step_cli_action(context, action: str, kind: str, name: str) -> None:
    """The command's table row of that resource (any kind) names the action, in any case."""
    rows = listed_rows(_last(context).stdout, kind_of(kind))
    assert_that(rows.get(name), not_none(), _last(context).transcript())
    assert_that([cell.lower() for cell in rows[name][:1]], equal_to([action.lower()]),
                _last(context).transcript())


@then("it prints the execution identifier")
def step_cli_execution_id(context) -> None:
    """The identifier it printed is that of the execution the command started: stored, with
    the command's message, for the agent the command named."""
    result = _last(context)
    execution_id = result.execution_id
    assert_that(execution_id, not_none(), result.transcript())
    execution = context.world.api.agent_executions.get(execution_id)
    assert_that(execution.metadata.id, equal_to(execution_id))
    assert_that(execution.spec.message, is_in(result.argv),
                f"the execution {execution_id} holds another message: {result.transcript()}")
    if execution.spec.agent_id:
        agent = context.world.api.client.agents.get(execution.spec.agent_id)
        assert agent.metadata.slug in result.argv, (
            f"the execution {execution_id} is {agent.metadata.slug}'s: {result.transcript()}")


@then("it shows the agent's answer as it streams")
def step_cli_streams(context) -> None:
    """The command showed the execution at work and, in full, every message the execution
    keeps (my message where the runner records it, the agent's answer), each once."""
    result = _last(context)
    stdout = result.stdout
    assert_that(stdout, matches_regexp(r"(?m)^\[IN_PROGRESS\]"))
    assert_that(stdout, matches_regexp(r"(?m)^AI: \S+"))
    assert_that(result.execution_id, not_none(), result.transcript())
    execution = context.world.api.agent_executions.get(result.execution_id)
    kept = [m.content.strip() for m in execution.status.messages if m.content.strip()]
    assert kept, "the execution keeps no message"
    missing = [text for text in kept if text not in stdout]
    assert_that(missing, equal_to([]), f"messages the command did not show: {stdout!r}")
    answer = f"AI: {kept[-1]}"
    assert_that(stdout.count(answer), equal_to(1), f"the answer not shown once: {stdout!r}")


@then('it reports the final phase "{phase}" with the count of messages')
def step_cli_final_phase(context, phase: str) -> None:
    """``Execution COMPLETED: 3 messages (1 human, 1 ai, 1 system)``: the phase, and counts
    that are those of the messages the execution keeps (the total and each type's)."""
    result = _last(context)
    summary = re.search(rf"(?m)^Execution {phase}: (\d+) messages? \(([^)]*)\)", result.stdout)
    assert summary is not None, f"no final phase {phase} with counts: {result.transcript()}"
    assert_that(result.execution_id, not_none(), result.transcript())
    kept = context.world.api.agent_executions.get(result.execution_id).status.messages
    assert_that(int(summary.group(1)), equal_to(len(kept)), "the total it reported")
    reported = {kind.strip(): int(count) for count, kind in
                (part.strip().split(" ", 1) for part in summary.group(2).split(","))}
    stored = Counter(message_type_name(message.type).lower() for message in kept)
    assert_that(reported.get("ai", 0), equal_to(stored["ai"]), "the AI messages it reported")
    assert_that(sum(reported.values()), equal_to(len(kept)), f"the counts it reported: {reported}")


@then('it reports the final phase "{phase}"')
def step_cli_final_phase_only(context, phase: str) -> None:
    assert_that(_last(context).stdout, matches_regexp(rf"(?m)^Execution {phase}: \d+ messages?"))


def _started_execution(context, phase: str) -> None:
    execution_id = _last(context).execution_id
    assert_that(execution_id, not_none(), _last(context).transcript())
    execution = context.world.api.agent_executions.wait_for_phase(
        execution_id, phase, timeout=context.suite_config.execution_timeout)
    context.world.remember_execution(execution)


@then("the execution it started completes")
def step_cli_started_completes(context) -> None:
    _started_execution(context, "COMPLETED")


@then("the execution it started failed")
def step_cli_started_failed(context) -> None:
    _started_execution(context, "FAILED")


# ---- looking after agents and executions: delete, read, list, cancel ----------------------

def table_rows(stdout: str) -> list[dict[str, str]]:
    """A table the CLI printed (a header of upper-case words, columns two spaces apart) as
    one mapping per row, header -> cell ("-" for an empty cell)."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    for number, line in enumerate(lines):
        headers = re.split(r"\s{2,}", line.strip())
        if len(headers) > 1 and all(re.fullmatch(r"[A-Z_]+", h) for h in headers):
            rows = [re.split(r"\s{2,}", row.strip()) for row in lines[number + 1:]]
            return [dict(zip(headers, row, strict=False)) for row in rows
                    if len(row) == len(headers)]
    return []


@when('I delete the {kind} "{slug}" from the command line')
def step_cli_delete(context, kind: str, slug: str) -> None:
    world = context.world
    stored = get_resource(world.api, kind_of(kind), slug)
    _record(context, lambda: _cli(context).delete(kind.lower(), slug))
    world.deleted_by_cli = stored
    if kind_of(kind) == "Agent":
        world.applied.deleted_agents.add(slug)
        world.applied.deleted[slug] = stored


@then('it names the {kind} "{slug}" it deleted, with its identifier')
def step_cli_names_deleted(context, kind: str, slug: str) -> None:
    result = _last(context)
    stored = required(context.world.deleted_by_cli, "nothing was deleted from the command line")
    assert_that(stored.metadata.slug, equal_to(slug))
    assert_that(result.stdout, contains_string(stored.metadata.id), result.transcript())
    assert_that(result.stdout, contains_string(stored.metadata.name), result.transcript())


@when('I read the agent "{slug}" from the command line as {output}')
def step_cli_read_agent(context, slug: str, output: str) -> None:
    _record(context, lambda: _cli(context).get("agent", slug, output=output.strip()))


def _without_secret_values(data: Any) -> Any:
    """A JSON-like document with the value of every ``{value, isSecret: true}`` left out."""
    if isinstance(data, dict):
        return {key: _without_secret_values(value) for key, value in data.items()
                if not (key == "value" and data.get("isSecret") is True)}
    if isinstance(data, list):
        return [_without_secret_values(item) for item in data]
    return data


@then('it shows the agent "{slug}" as Stigmer stores it')
def step_cli_shows_agent(context, slug: str) -> None:
    """JSON or YAML: the whole stored record (camelCase names, secret values aside); a table:
    one row with its name, slug, identifier and organization."""
    result = _last(context)
    agent = context.world.agent(slug)
    output = result.argv[result.argv.index("-o") + 1] if "-o" in result.argv else "table"
    if output in ("json", "yaml"):
        shown = json.loads(result.stdout) if output == "json" else yaml.safe_load(result.stdout)
        assert_that(_without_secret_values(shown),
                    equal_to(_without_secret_values(json_format.MessageToDict(agent))),
                    result.transcript())
        return
    rows = table_rows(result.stdout)
    assert_that(len(rows), equal_to(1), result.transcript())
    meta = agent.metadata
    assert_that({key: rows[0].get(key) for key in ("NAME", "SLUG", "ID", "ORG")},
                equal_to({"NAME": meta.name, "SLUG": meta.slug, "ID": meta.id, "ORG": meta.org}))


@when("I list the agents from the command line")
def step_cli_list_agents(context) -> None:
    _record(context, lambda: _cli(context).list("agents"))


@then("it lists exactly the agents of my organization, each with its identifier")
def step_cli_lists_org_agents(context) -> None:
    result = _last(context)
    api = context.world.api
    stored = {slug: api.agents.get(slug).metadata.id for slug in api.agents.slugs()}
    assert stored, "the organization has no agent: apply some first"
    listed = {row.get("SLUG", ""): row.get("ID", "") for row in table_rows(result.stdout)}
    assert_that(listed, equal_to(stored), result.transcript())


@when('I list the executions of the agent "{slug}" from the command line')
def step_cli_list_executions(context, slug: str) -> None:
    _record(context, lambda: _cli(context).list_executions(slug))


@then('it lists exactly the executions of the agent "{slug}", each with its phase and '
      'number of messages')
def step_cli_lists_executions(context, slug: str) -> None:
    result = _last(context)
    api = context.world.api
    agent_id = context.world.agent(slug).metadata.id
    mine = [api.agent_executions.get(i) for i in api.agent_executions.ids()]
    expected = {e.metadata.id: (phase_name(e.status.phase), str(len(e.status.messages)))
                for e in mine if e.spec.agent_id == agent_id}
    assert expected, f"the agent {slug!r} has no execution: run it first"
    listed = {row.get("ID", ""): (row.get("PHASE", ""), row.get("MESSAGES", ""))
              for row in table_rows(result.stdout)}
    assert_that(listed, equal_to(expected), result.transcript())


@when("I cancel the execution from the command line once it is running")
def step_cli_cancel(context) -> None:
    """Cancels while the answer is being streamed, giving a reason (without the word
    "cancelled": the explanation must carry what was given)."""
    world = context.world
    execution_id = world.wait_until_answering(timeout=_run_timeout(context)).metadata.id
    world.cancel_reason = CANCEL_REASON
    _record(context, lambda: _cli(context).cancel(execution_id, world.cancel_reason))
    world.remember_execution(world.api.agent_executions.get(execution_id))


@then('it names the execution it cancelled and the phase "{phase}"')
def step_cli_names_cancelled(context, phase: str) -> None:
    result = _last(context)
    execution_id = context.world.last_execution_id
    line = next((line for line in result.stdout.splitlines() if execution_id in line), "")
    assert_that(line, contains_string(phase), result.transcript())
