"""Steps about skills: pushing a skill folder and checking what Stigmer keeps of it."""

from __future__ import annotations

from behave import given, then, when
from hamcrest import (
    assert_that,
    contains_string,
    empty,
    equal_to,
    has_length,
    is_not,
)

from harness.scenario.world import FIXTURES
from harness.stigmer.agents import MessageType
from harness.stigmer.skills import artifact_hash


def _push(context, name: str):
    skill = context.world.api.skills.push(FIXTURES / "skills" / name)
    context.world.skills[name] = skill
    context.world.skill_pushes.setdefault(name, []).append(skill)
    return skill


@given('I have pushed the "{name}" skill')
def step_have_pushed(context, name: str) -> None:
    _push(context, name)


@when('I push the "{name}" skill')
@when('I push the "{name}" skill again')
def step_push(context, name: str) -> None:
    _push(context, name)


@then('the skill "{name}" is kept with its instructions and a version')
def step_skill_kept(context, name: str) -> None:
    skill = context.world.api.skills.get(name)
    pushed = context.world.skills.get(name)
    assert pushed is not None, f"the skill {name!r} was not pushed in this scenario"
    assert_that(skill.metadata.id, equal_to(pushed.metadata.id))
    body = (FIXTURES / "skills" / name / "SKILL.md").read_text()
    assert_that(skill.spec.skill_md, equal_to(body))
    assert_that(skill.spec.description, is_not(equal_to("")))
    assert_that(skill.status.version_hash, has_length(64))
    assert_that(skill.status.version_hash, equal_to(artifact_hash(FIXTURES / "skills" / name)),
                "the version hash is the SHA-256 of the artifact pushed")
    assert_that(skill.status.artifact_storage_key, contains_string(skill.status.version_hash))


@then('the skill "{name}" kept its identifier and its new version points at the one before')
def step_skill_new_version(context, name: str) -> None:
    """Each push of the same skill is a version of one skill: same id, a new version id
    whose ``previous_version_id`` is the version the push before it created."""
    pushes = context.world.skill_pushes.get(name, [])
    assert len(pushes) >= 2, f"the skill {name!r} was not pushed twice in this scenario"
    before, last = pushes[-2], pushes[-1]
    stored = context.world.api.skills.get(name)
    assert_that(stored.metadata.id, equal_to(before.metadata.id), "the skill's identifier")
    assert_that(stored.metadata.version.id, equal_to(last.metadata.version.id))
    assert_that(stored.metadata.version.id, is_not(equal_to(before.metadata.version.id)),
                "the second push made no new version")
    assert_that(stored.metadata.version.previous_version_id,
                equal_to(before.metadata.version.id), "the version before")


def _last_answer(context) -> str:
    messages = context.world.last_execution.status.messages
    answers = [m.content for m in messages if m.type == MessageType.MESSAGE_AI]
    # PyHamcrest types Matcher[T] as invariant: is_not(<matcher>) fails to unify
    assert_that(answers, is_not(empty()), "the agent gave no answer")  # type: ignore[arg-type]
    return answers[-1]


@then('the agent\'s answer mentions "{text}" in any letter case')
def step_answer_mentions_any_case(context, text: str) -> None:
    assert_that(_last_answer(context).lower(), contains_string(text.lower()))


@then('the agent\'s answer does not mention "{text}" in any letter case')
def step_answer_does_not_mention(context, text: str) -> None:
    # PyHamcrest types Matcher[T] as invariant: is_not(<matcher>) fails to unify
    assert_that(_last_answer(context).lower(), is_not(contains_string(text.lower())))  # type: ignore[arg-type]
