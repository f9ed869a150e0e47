"""Steps that check what an update did to a resource's record (its version history)."""

from __future__ import annotations

from behave import then
from hamcrest import assert_that, equal_to, is_not, none

from harness.fixture_resources import get_resource


@then("every resource got a new version that points at the one before")
def step_new_version_linked(context) -> None:
    """For each resource the last apply updated: a new version id, whose previous version is
    the one stored before the apply (any kind the fixture holds)."""
    world = context.world
    assert_that(world.last_error, none(), "applying failed")
    before = world.notes.get("resource_versions_before", {})
    assert_that(before, is_not(equal_to({})), "no resource existed before the last apply")
    for key, old in before.items():
        kind, slug = key.split("/", 1)
        version = get_resource(world.api, kind, slug).metadata.version
        assert_that(version.id, is_not(equal_to(old)), f"{key}: still the version before")
        assert_that(version.previous_version_id, equal_to(old),
                    f"{key}: the new version does not point at the one before")

