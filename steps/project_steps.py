"""Steps about applying a project (a folder with a stigmer.yaml and its manifests) as one unit:
what it adds, updates, leaves alone and removes, in which order, and what a dry run or an error
in the project leaves behind."""

from __future__ import annotations

from behave import given, then, when
from hamcrest import assert_that, equal_to, less_than, none

from harness.scenario.world import required
from harness.stigmer.cli import CliResult, DialectUnsupported
from harness.stigmer.fixtures import find_resource, fixture_resources, stored_spec_differences
from harness.stigmer.projects import (
    Stored,
    kind_of,
    organization_snapshot,
    snapshot_changes,
    with_reference_kinds,
)


def _snapshot(context) -> dict:
    world = context.world
    return organization_snapshot(world.api.client, world.org)


def _before(context) -> dict[str, Stored]:
    """The organization as it was before the last project apply."""
    return required(context.world.project_before, "no project was applied")


def _apply(context, fixture: str, dry_run: bool = False, prune: bool = True) -> CliResult | None:
    """Snapshot the organization, then apply (or dry-run) the project from the command line."""
    world = context.world
    world.project_before = _snapshot(context)
    try:
        result = world.cli.apply_project(world.fixture_path(fixture), dry_run=dry_run,
                                         prune=prune)
    except DialectUnsupported as reason:
        context.scenario.skip(reason=f"CLI dialect {world.cli.dialect.name}: {reason}")
        return None
    world.last_cli = result
    return result


@given('I have applied the project "{fixture}" from the command line')
def step_have_applied_project(context, fixture: str) -> None:
    result = _apply(context, fixture)
    if result is not None:
        assert_that(result.exit_code, equal_to(0), result.transcript())


@when('I apply the project "{fixture}" from the command line')
def step_apply_project(context, fixture: str) -> None:
    _apply(context, fixture)


@when('I apply the project "{fixture}" from the command line, keeping what it no longer lists')
def step_apply_project_no_prune(context, fixture: str) -> None:
    _apply(context, fixture, prune=False)


@when('I dry-run the project "{fixture}" from the command line')
def step_dry_run_project(context, fixture: str) -> None:
    _apply(context, fixture, dry_run=True)


def _rows(stdout: str) -> dict[tuple[str, str], str]:
    """(TYPE, NAME) -> the third column (ACTION or STATUS) of the CLI's table."""
    rows = {}
    lines = stdout.splitlines()
    header = next((i for i, line in enumerate(lines) if line.split()[:2] == ["TYPE", "NAME"]),
                  None)
    assert header is not None, f"no TYPE NAME table in:\n{stdout}"
    for line in lines[header + 1:]:
        cells = line.split()
        if len(cells) < 3:
            break
        rows[(cells[0], cells[1])] = cells[2]
    return rows


@then("it shows, for each resource, what it {does}:")
def step_shows_each(context, does: str) -> None:
    """Exactly these rows (type, name, action or change), none missing and none more."""
    result = context.world.last_cli
    assert result is not None, "no command was run"
    expected = {(kind_of(row["type"]), row["name"]): row[does.split()[0]]
                for row in context.table}
    assert_that(_rows(result.stdout), equal_to(expected), result.transcript())


@then("nothing was written: every resource is as it was before")
def step_nothing_written(context) -> None:
    """The organization's agents, workflows and MCP servers are the same ones, at the same
    versions (every write makes a new version)."""
    before = _before(context)
    assert_that(snapshot_changes(before, _snapshot(context)), equal_to([]))


@then('every resource of the project "{fixture}" is stored as the project says')
def step_stored_as_project(context, fixture: str) -> None:
    world = context.world
    problems = []
    for resource in fixture_resources(world.fixture_path(fixture)):
        found = find_resource(world.api, resource.kind, resource.slug)
        if found is None:
            problems.append(f"{resource.key}: missing")
            continue
        assert resource.manifest is not None
        manifest = with_reference_kinds(resource.manifest)
        problems += [f"{resource.key}: {d}"
                     for d in stored_spec_differences(manifest, found, world.org)]
    assert_that(problems, equal_to([]), f"stored resources differing from {fixture}")


@then('the {kind} "{slug}" is gone')
def step_gone(context, kind: str, slug: str) -> None:
    world = context.world
    assert_that(find_resource(world.api, kind_of(kind), slug), none(),
                f"the {kind} {slug} still exists")
    key = f"{kind_of(kind)}/{slug}"
    assert key not in _snapshot(context), f"{key} is still listed"


@then('the {kind} "{slug}" is still there, untouched')
def step_untouched(context, kind: str, slug: str) -> None:
    key = f"{kind_of(kind)}/{slug}"
    before = _before(context)
    now = _snapshot(context)
    assert key in before, f"{key} did not exist before the last apply"
    assert key in now, f"{key} is gone"
    assert_that((now[key].resource_id, now[key].version_id),
                equal_to((before[key].resource_id, before[key].version_id)),
                f"{key} was rewritten")


@then("the resources the project kept have the identifiers they had")
def step_kept_ids(context) -> None:
    before = _before(context)
    now = _snapshot(context)
    kept = before.keys() & now.keys()
    assert kept, "no resource of before is still there"
    assert_that({k: now[k].resource_id for k in kept},
                equal_to({k: before[k].resource_id for k in kept}))


@then('the {first_kind} "{first}" was in place before the {second_kind} "{second}"')
def step_created_before(context, first_kind: str, first: str, second_kind: str,
                        second: str) -> None:
    """Creation times as Stigmer recorded them: the one needed was created first."""
    now = _snapshot(context)
    a, b = f"{kind_of(first_kind)}/{first}", f"{kind_of(second_kind)}/{second}"
    assert a in now and b in now, f"{a} or {b} does not exist"
    assert_that(now[a].created_at, less_than(now[b].created_at),
                f"{a} created at {now[a].created_at}, {b} at {now[b].created_at}")
