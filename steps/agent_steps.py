"""Steps about deploying agents through Stigmer's API."""

from __future__ import annotations

from behave import given, then, when
from hamcrest import (
    assert_that,
    contains_string,
    equal_to,
    has_length,
    is_,
    is_not,
    none,
    not_none,
    starts_with,
)
from stigmer import StigmerError

from harness.world import ScenarioWorld


def _apply(world: ScenarioWorld, fixture: str) -> None:
    world.last_error = None
    try:
        for agent in world.api.apply_all(world.manifests(fixture)):
            world.agents[agent.metadata.slug] = agent
    except StigmerError as error:
        world.last_error = error


@given('I have applied the "{fixture}" manifests')
def step_have_applied(context, fixture: str) -> None:
    _apply(context.world, fixture)
    assert_that(context.world.last_error, none(), f"applying {fixture} failed")
    context.world.notes["first_ids"] = {
        slug: agent.metadata.id for slug, agent in context.world.agents.items()}


@when('I apply the "{fixture}" manifests')
def step_apply(context, fixture: str) -> None:
    _apply(context.world, fixture)


@then("{count:d} agents exist")
@then("{count:d} agent exists")
def step_count(context, count: int) -> None:
    assert_that(context.world.last_error, none())
    assert_that(context.world.api.list_agents(), has_length(count))


@then("no agent exists")
def step_none_exist(context) -> None:
    assert_that(context.world.api.list_agents(), has_length(0))


@then('the agent "{slug}" has its name, instructions and an identifier')
def step_core_fields(context, slug: str) -> None:
    agent = context.world.api.get_agent(slug)
    assert_that(agent.metadata.name, equal_to(slug))
    assert_that(agent.metadata.slug, equal_to(slug))
    assert_that(agent.metadata.id, starts_with("agt-"))
    assert_that(agent.spec.instructions.strip(), is_not(equal_to("")))
    assert_that(agent.metadata.org, equal_to(context.world.org))


@then('the agent "{slug}" has a description and an icon')
def step_optional_fields(context, slug: str) -> None:
    agent = context.world.api.get_agent(slug)
    assert_that(agent.spec.description.strip(), is_not(equal_to("")))
    assert_that(agent.spec.icon_url, starts_with("https://"))


@then('the agent "{slug}" has no description and no icon')
def step_no_optional_fields(context, slug: str) -> None:
    agent = context.world.api.get_agent(slug)
    assert_that(agent.spec.description, equal_to(""))
    assert_that(agent.spec.icon_url, equal_to(""))


@then('the agent "{slug}" has a default instance named "{instance_name}"')
def step_default_instance(context, slug: str, instance_name: str) -> None:
    agent = context.world.api.get_agent(slug)
    assert_that(agent.status.default_instance_id, starts_with("ain-"))
    instance = context.world.api.default_instance(agent)
    assert_that(instance.metadata.name, equal_to(instance_name))
    assert_that(instance.spec.agent_id, equal_to(agent.metadata.id))


@then("the request is rejected as invalid")
def step_rejected_invalid(context) -> None:
    error = context.world.last_error
    assert_that(error, not_none(), "the request was accepted")
    assert_that(error.code.name, equal_to("INVALID_ARGUMENT"), str(error))


@then("the error explains the naming rule")
def step_error_explains_rule(context) -> None:
    message = str(context.world.last_error).lower()
    assert_that(message, contains_string("invalid name!"))
    assert_that(message, contains_string("lowercase"))


@then('the agent "{slug}" kept its identifier')
def step_kept_id(context, slug: str) -> None:
    first = context.world.notes["first_ids"][slug]
    assert_that(context.world.api.get_agent(slug).metadata.id, equal_to(first))


@when('I delete the agent "{slug}"')
def step_delete(context, slug: str) -> None:
    agent = context.world.api.get_agent(slug)
    context.world.api.delete_agent(agent.metadata.id)


@then('the agent "{slug}" does not exist')
def step_absent(context, slug: str) -> None:
    assert_that(context.world.api.find_agent(slug), is_(none()))
