"""Steps about running agents and reading what they answered."""

from __future__ import annotations

from behave import then, when
from hamcrest import assert_that, contains_exactly, equal_to, is_in, is_not

from harness.checks import validation
from harness.scenario.world import required
from harness.stack.runners import choose_runner
from harness.stigmer.agents import AgentExecution, MessageType, phase_name
from harness.stigmer.executions import Followed

BASIC_AGENT = "greeter"
#: Greets nobody and holds no greeting word: a greeting in the answer is the agent's own.
GREETING_PROMPT = "Good morning! Who are you?"
GREETINGS = ("hello", "hi", "hey", "greetings", "welcome", "howdy")


def _timeout(context) -> float:
    return context.suite_config.execution_timeout


def _run(context, slug: str, message: str):
    world = context.world
    agent = world.agent(slug)
    world.my_message = message
    return world.remember_execution(world.api.agent_executions.run(agent, message))


@when("I run the basic agent")
def step_run_basic(context) -> None:
    _run(context, BASIC_AGENT, GREETING_PROMPT)


@when('I run the agent "{slug}" with the message "{message}"')
def step_run(context, slug: str, message: str) -> None:
    _run(context, slug, message)


@when('I run the agent "{slug}" with the message "{message}" and follow it')
def step_run_follow(context, slug: str, message: str) -> None:
    execution = _run(context, slug, message)
    followed = context.world.api.agent_executions.follow(execution.metadata.id,
                                                         timeout=_timeout(context))
    context.world.followed = followed
    context.world.remember_execution(followed.final)


def _followed(context) -> Followed[AgentExecution]:
    """What the stream of the last execution run and followed showed."""
    return required(context.world.followed, "no agent execution was run and followed")


def _last_ai_answer(execution) -> str:
    answers = [m.content for m in execution.status.messages if m.type == MessageType.MESSAGE_AI]
    assert answers, f"no AI message in {[phase_name(execution.status.phase)]}"
    return answers[-1]


def _human_message(execution, context) -> str:
    """My message as the execution holds it: its first HUMAN message where the runner records
    one (the reference runner), else the spec's message (Stigmer's PyPI runner records only
    the agent's messages)."""
    humans = [m.content for m in execution.status.messages if m.type == MessageType.MESSAGE_HUMAN]
    if not choose_runner(context.suite_config).records_my_message and not humans:
        assert execution.spec.message, "the execution holds no message of mine"
        return execution.spec.message
    assert humans, "the execution holds no message of mine"
    return humans[0]


def _completed_answer(context) -> tuple[str, str]:
    """(my message, the agent's coherent answer of its own) of the last execution."""
    world = context.world
    execution = world.wait_for("COMPLETED")
    world.remember_execution(execution)
    answer, prompt = _last_ai_answer(execution), _human_message(execution, context)
    coherent = validation.is_coherent_answer(answer, prompt)
    assert coherent, f"answer is not coherent ({coherent.reason}): {answer!r}"
    return prompt, answer


def _greetings_of_its_own(prompt: str, answer: str) -> list[str]:
    """Greeting words of the answer that my message did not already hold."""
    return [word for word in GREETINGS if validation.contains_any(answer, [word])
            and not validation.contains_any(prompt, [word])]


@then("it responds with a greeting")
def step_greeting(context) -> None:
    prompt, answer = _completed_answer(context)
    found = _greetings_of_its_own(prompt, answer)
    assert found, f"no greeting of its own (none of {GREETINGS} beyond {prompt!r}): {answer!r}"


@then("it responds without a greeting")
def step_no_greeting(context) -> None:
    _, answer = _completed_answer(context)
    found = validation.contains_any(answer, GREETINGS)
    assert not found, f"the answer greets ({found.reason}): {answer!r}"


def _created(context):
    """The record Stigmer returned when the last execution was created."""
    world = context.world
    created = world.api.agent_executions.created.get(world.last_execution.metadata.id)
    assert created is not None, "the scenario did not create this execution through the API"
    return created


@then('the phases it went through were "{phases}", in that order')
def step_phases_in_order(context, phases: str) -> None:
    """Every phase, in order and none skipped: the record as created, then what the
    execution's stream showed until it ended."""
    expected = [phase.strip() for phase in phases.split(",")]
    seen = [phase_name(_created(context).status.phase)]
    for phase in _followed(context).phases:
        if phase != seen[-1]:
            seen.append(phase)
    assert_that(seen, contains_exactly(*expected))


@then("the execution holds my message and the agent's answer")
def step_holds_messages(context) -> None:
    world = context.world
    execution = world.api.agent_executions.get(world.last_execution.metadata.id)
    sent = world.my_message if world.my_message is not None else execution.spec.message
    assert_that(_human_message(execution, context), equal_to(sent))
    answer = _last_ai_answer(execution)
    coherent = validation.is_coherent_answer(answer, execution.spec.message)
    assert coherent, f"answer is not coherent ({coherent.reason}): {answer!r}"


@then("the answer it streamed is the answer it keeps")
def step_streamed_is_kept(context) -> None:
    """The last answer the stream showed is the stored one, and the stream showed it grow."""
    world = context.world
    streamed = [_last_ai_answer(s) for s in _followed(context).snapshots
                if any(m.type == MessageType.MESSAGE_AI for m in s.status.messages)]
    assert_that(streamed, is_not(equal_to([])), "the stream showed no answer")
    kept = _last_ai_answer(world.api.agent_executions.get(world.last_execution.metadata.id))
    assert_that(streamed[-1], equal_to(kept))
    for earlier in streamed[:-1]:
        assert kept.startswith(earlier.strip()[:20]), f"streamed {earlier!r}, kept {kept!r}"


@then('the execution exists for the agent "{slug}"')
def step_exists_for(context, slug: str) -> None:
    world = context.world
    execution = world.api.agent_executions.get(world.last_execution.metadata.id)
    assert_that(execution.metadata.id[:4], equal_to("aex-"))
    assert_that(execution.spec.agent_id, equal_to(world.agent(slug).metadata.id))
    world.remember_execution(execution)


@then('its phase is one of "{phases}"')
def step_phase_one_of(context, phases: str) -> None:
    allowed = [phase.strip() for phase in phases.split(",")]
    assert_that(phase_name(context.world.last_execution.status.phase), is_in(allowed))


@then('right after it was started its phase was one of "{phases}"')
def step_phase_at_start(context, phases: str) -> None:
    """The record as Stigmer stored it when the execution was created (deterministic: it is
    what create returned), and not yet finished."""
    allowed = [phase.strip() for phase in phases.split(",")]
    created = _created(context)
    assert_that(phase_name(created.status.phase), is_in(allowed))
    assert_that(created.status.completed_at, equal_to(""))
    stored = context.world.api.agent_executions.get(created.metadata.id)
    assert_that(stored.metadata.id, equal_to(created.metadata.id))
    assert_that(stored.spec.message, equal_to(created.spec.message))
