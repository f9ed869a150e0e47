"""Steps about subscribing to an execution (agent or workflow) after it has finished."""

from __future__ import annotations

from behave import then, when
from hamcrest import assert_that, equal_to, has_length, less_than

from harness.stigmer.executions import follow_finished

#: A stream of a finished execution has nothing to wait for: it ends as soon as it is read.
STREAM_ENDS_WITHIN_S = 10.0


@when("I follow the execution again once it has finished")
def step_follow_agent_later(context) -> None:
    world = context.world
    world.followed_later = follow_finished(world.api.agent_executions, world.last_execution_id,
                                           context.suite_config.execution_timeout)


@when("I follow the workflow execution again once it has finished")
def step_follow_workflow_later(context) -> None:
    world = context.world
    assert world.workflow_executions, "no workflow was run"
    world.followed_later = follow_finished(world.api.workflow_executions,
                                           world.workflow_executions[-1],
                                           context.suite_config.execution_timeout)


@then("the stream showed its final state at once, as stored, and ended")
def step_stream_final_state(context) -> None:
    """A subscriber that comes late gets the current state first (here the final one, exactly
    the stored record) and the stream ends: nothing newer can come."""
    later = context.world.followed_later
    assert later is not None, "no execution was followed after it finished"
    snapshots = later.followed.snapshots
    assert_that(snapshots, has_length(1),
                f"the stream showed {len(snapshots)} states {later.followed.phases}, "
                "not the final one alone")
    assert_that(snapshots[0].SerializeToString(deterministic=True),
                equal_to(later.stored.SerializeToString(deterministic=True)),
                "the state the stream showed is not the stored record")
    assert_that(later.seconds, less_than(STREAM_ENDS_WITHIN_S), "the stream took this long to end")
