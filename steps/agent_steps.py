"""Steps about deploying agents through Stigmer's API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from behave import given, then, when
from hamcrest import (
    assert_that,
    equal_to,
    has_item,
    has_length,
    is_,
    is_not,
    none,
    not_none,
    starts_with,
)
from stigmer import StigmerError

from harness.scenario.world import ScenarioWorld
from harness.stigmer.fixtures import (
    SKILL,
    apply_resource,
    current_ids,
    current_versions,
    fixture_resources,
    get_resource,
    stored_spec_differences,
)
from harness.stigmer.projects import kind_of, with_reference_kinds


def _cli_applied_fixtures(world: ScenarioWorld) -> list[Path]:
    """Fixtures the scenario deployed with the command line (successful, not dry runs)."""
    paths = []
    for result in world.cli.history:
        argv = list(result.argv)
        if result.exit_code == 0 and "apply" in argv and "--dry-run" not in argv \
                and "--config" in argv and argv.index("--config") + 1 < len(argv):
            paths.append(Path(argv[argv.index("--config") + 1]))
    return paths


def expected_agents(world: ScenarioWorld) -> set[str]:
    """Slugs of the agents this scenario deployed (API or command line) and did not delete."""
    deployed = set(world.applied.deployed_agents)
    for path in _cli_applied_fixtures(world):
        deployed.update(r.slug for r in fixture_resources(path) if r.kind == "Agent")
    return deployed - world.applied.deleted_agents


def _apply(world: ScenarioWorld, fixture: str) -> None:
    """Apply every resource of the fixture, remembering what existed before and the error."""
    resources = fixture_resources(world.fixture_path(fixture))
    applied = world.applied
    applied.attempted = resources
    applied.ids_before = current_ids(world.api, resources)
    applied.versions_before = current_versions(world.api, resources)
    # "every workflow kept its identifier" (workflow_steps.py) reads slug -> id.
    applied.workflow_ids_before = {key.split("/", 1)[1]: value
                                   for key, value in applied.ids_before.items()
                                   if key.startswith("Workflow/")}
    values = world.tools.placeholder_values  # e.g. a tool server's address
    world.last_error = None
    try:
        for resource in resources:
            stored = apply_resource(world.api, resource, values)
            if resource.manifest is not None:  # a skill folder has none
                applied.manifests[resource.key] = resource.manifest
            if resource.kind == SKILL:  # as "I push the ... skill" records it
                world.skills[stored.metadata.slug] = stored
            if resource.kind == "Workflow":
                applied.deleted_workflows.discard(stored.metadata.slug)
            if resource.kind == "Agent":
                world.agents[stored.metadata.slug] = stored
                applied.deployed_agents.add(stored.metadata.slug)
                applied.deleted_agents.discard(stored.metadata.slug)
    except StigmerError as error:
        world.last_error = error


@given('I have applied the "{fixture}" manifests')
def step_have_applied(context, fixture: str) -> None:
    _apply(context.world, fixture)
    assert_that(context.world.last_error, none(), f"applying {fixture} failed")
    world = context.world
    for key, resource_id in current_ids(world.api, fixture_resources(
            world.fixture_path(fixture))).items():
        world.applied.first_ids.setdefault(key, resource_id)


@when('I apply the "{fixture}" manifests')
def step_apply(context, fixture: str) -> None:
    _apply(context.world, fixture)


@when('I apply the "{fixture}" manifests again')
def step_apply_again(context, fixture: str) -> None:
    """Any kind the fixture holds; every one of its resources must exist already."""
    world = context.world
    resources = fixture_resources(world.fixture_path(fixture))
    before = current_ids(world.api, resources)
    missing = [r.key for r in resources if r.key not in before]
    assert_that(missing, equal_to([]), f"not applied before, so not 'again': {missing}")
    _apply(world, fixture)


@then("every resource kept its identifier")
def step_every_resource_kept_id(context) -> None:
    world = context.world
    assert_that(world.last_error, none(), "applying failed")
    before = world.applied.ids_before
    assert_that(before, is_not(equal_to({})), "no resource existed before the last apply")
    now = {}
    for key in before:
        kind, slug = key.split("/", 1)
        now[key] = get_resource(world.api, kind, slug).metadata.id
    assert_that(now, equal_to(before))


KINDS = {"agent": "Agent", "workflow": "Workflow", "mcp server": "McpServer"}


@then('the {kind} "{slug}" holds what the "{fixture}" manifests say')
def step_holds_manifest(context, kind: str, slug: str, fixture: str) -> None:
    world = context.world
    assert_that(world.last_error, none(), "applying failed")
    wanted = KINDS.get(kind.strip().lower())
    assert wanted, f"unknown kind {kind!r} (known: {', '.join(KINDS)})"
    resources = [r for r in fixture_resources(world.fixture_path(fixture))
                 if r.kind == wanted and r.slug == slug]
    assert_that(resources, has_length(1), f"{kind} {slug} in {fixture}")
    stored = get_resource(world.api, wanted, slug)
    manifest = resources[0].manifest
    assert manifest is not None, f"{kind} {slug} in {fixture} comes from no manifest"
    manifest = with_reference_kinds(manifest)  # as the SDK fills them in before sending
    differences = stored_spec_differences(manifest, stored, world.org,
                                          world.tools.placeholder_values)
    assert_that(differences, equal_to([]), f"the stored {kind} differs from {fixture}")


@then("{count:d} agents exist")
@then("{count:d} agent exists")
def step_count(context, count: int) -> None:
    world = context.world
    assert_that(world.last_error, none())
    listed = world.api.agents.slugs()
    assert_that(listed, has_length(count), f"listed: {listed}")
    assert_that(sorted(set(listed)), equal_to(sorted(listed)), "an agent is listed twice")
    expected = expected_agents(world)
    if expected:
        assert_that(sorted(listed), equal_to(sorted(expected)),
                    "the agents listed are not the ones deployed by this scenario")
    for slug in listed:  # every listed agent is really there, under that name
        assert_that(world.api.agents.get(slug).metadata.slug, equal_to(slug))


@then("no agent exists")
def step_none_exist(context) -> None:
    assert_that(context.world.api.agents.slugs(), has_length(0))


def _manifest_spec(world: ScenarioWorld, slug: str):
    """The spec the scenario's last apply sent for the agent (None when it did not)."""
    manifest = world.applied.manifests.get(f"Agent/{slug}")
    if manifest is None:
        return None
    agent: Any = manifest.to_proto(org=world.org)  # an Agent (a manifest of kind Agent)
    return agent.spec


@then('the agent "{slug}" has its name, instructions and an identifier')
def step_core_fields(context, slug: str) -> None:
    agent = context.world.api.agents.get(slug)
    manifest = context.world.applied.manifests.get(f"Agent/{slug}")
    assert_that(agent.metadata.name, equal_to(manifest.name if manifest else slug))
    assert_that(agent.metadata.slug, equal_to(slug))
    assert_that(agent.metadata.id, starts_with("agt-"))
    assert_that(agent.spec.instructions.strip(), is_not(equal_to("")))
    assert_that(agent.metadata.org, equal_to(context.world.org))
    sent = _manifest_spec(context.world, slug)
    if sent is not None:
        assert_that(agent.spec.instructions, equal_to(sent.instructions))


@then('the agent "{slug}" has a description and an icon')
def step_optional_fields(context, slug: str) -> None:
    agent = context.world.api.agents.get(slug)
    assert_that(agent.spec.description.strip(), is_not(equal_to("")))
    assert_that(agent.spec.icon_url, starts_with("https://"))
    sent = _manifest_spec(context.world, slug)
    if sent is not None:
        assert_that((agent.spec.description, agent.spec.icon_url),
                    equal_to((sent.description, sent.icon_url)))


@then('the agent "{slug}" has no description and no icon')
def step_no_optional_fields(context, slug: str) -> None:
    agent = context.world.api.agents.get(slug)
    assert_that(agent.spec.description, equal_to(""))
    assert_that(agent.spec.icon_url, equal_to(""))


@then('the agent "{slug}" has a default instance named "{instance_name}"')
def step_default_instance(context, slug: str, instance_name: str) -> None:
    world = context.world
    agent = world.api.agents.get(slug)
    assert_that(agent.status.default_instance_id, starts_with("ain-"))
    instance = world.api.agents.default_instance(agent)
    assert_that(instance.metadata.id, equal_to(agent.status.default_instance_id))
    assert_that(instance.metadata.name, equal_to(instance_name))
    assert_that(instance.spec.agent_id, equal_to(agent.metadata.id))
    assert_that(instance.metadata.org, equal_to(agent.metadata.org))
    # The agent's instances, as Stigmer lists them, include it (and only its own).
    listed = world.api.agents.instances_of(agent)
    assert_that([i.metadata.id for i in listed], has_item(instance.metadata.id))
    assert_that({i.spec.agent_id for i in listed}, equal_to({agent.metadata.id}))


@then("the request is rejected as invalid")
def step_rejected_invalid(context) -> None:
    error = context.world.last_error
    assert_that(error, not_none(), "the request was accepted")
    assert_that(error.code.name, equal_to("INVALID_ARGUMENT"), str(error))


@then("the error explains the naming rule")
def step_error_explains_rule(context) -> None:
    """The error points at what breaks the rule and states the rule: either it names the
    offending name or slug and says names are lowercase, or (protovalidate, as Stigmer's
    servers word it) it names the slug field and its pattern rule."""
    world = context.world
    error = world.last_error
    assert_that(error, not_none(), "the request was accepted")
    message = str(error).lower()
    offered = {value for r in world.applied.attempted if r.manifest is not None
               for value in (r.manifest.name, r.slug)}
    named = sorted(value for value in offered if value.lower() in message)
    by_value = bool(named) and "lowercase" in message
    by_rule = "slug" in message and "string.pattern" in message
    assert by_value or by_rule, (
        f"the error neither names one of {sorted(offered)} with the lowercase rule nor the "
        f"slug field with its pattern rule: {error}")


@then('the {kind} "{slug}" kept its identifier')
def step_kept_id(context, kind: str, slug: str) -> None:
    """The identifier it had when "I have applied ..." applied it (any kind)."""
    world = context.world
    key = f"{kind_of(kind)}/{slug}"
    first_ids = world.applied.first_ids
    assert key in first_ids, f"the {kind} {slug!r} was not applied by an 'I have applied' step"
    assert_that(get_resource(world.api, kind_of(kind), slug).metadata.id,
                equal_to(first_ids[key]))


@when('I delete the {kind} "{slug}"')
def step_delete(context, kind: str, slug: str) -> None:
    """Delete by identifier, as Stigmer's delete takes it (an agent or a workflow)."""
    world = context.world
    wanted = kind_of(kind)
    deleters = {"Agent": world.api.agents, "Workflow": world.api.workflows}
    assert wanted in deleters, f"deleting a {kind} is not supported (agent, workflow)"
    stored = get_resource(world.api, wanted, slug)
    deleters[wanted].delete(stored.metadata.id)
    if wanted == "Agent":
        world.applied.deleted_agents.add(slug)
        world.applied.deleted[slug] = stored
    else:
        world.applied.deleted_workflows.add(slug)


@then('the agent "{slug}" does not exist')
def step_absent(context, slug: str) -> None:
    world = context.world
    assert_that(world.api.agents.find(slug), is_(none()))
    # PyHamcrest types Matcher[T] as invariant: is_not(<matcher>) fails to unify
    assert_that(world.api.agents.slugs(), is_not(has_item(slug)))  # type: ignore[arg-type]
    deleted = world.applied.deleted.get(slug)
    if deleted is not None:  # gone by id too, and its default instance with it
        for read in (lambda: world.api.client.agents.get(deleted.metadata.id),
                     lambda: world.api.agents.default_instance(deleted)):
            try:
                read()
            except StigmerError as error:
                assert_that(error.code.name, equal_to("NOT_FOUND"), str(error))
            else:
                raise AssertionError(f"still readable after deletion: {deleted.metadata.id}")
