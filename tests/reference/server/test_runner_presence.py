"""A busy agent-runner fleet is told apart from a missing one."""

from __future__ import annotations

import asyncio

import pytest
from temporalio.exceptions import ActivityError, RetryState, TimeoutError, TimeoutType

from reference.server import workflows
from reference.server.activities import RunnerPresenceActivities


class FakePresence:
    def __init__(self, polling: bool) -> None:
        self.polling = polling
        self.asked: list[tuple[str, float]] = []

    async def runners_polling(self, task_queue: str, within_s: float) -> bool:
        self.asked.append((task_queue, within_s))
        return self.polling


@pytest.mark.parametrize("polling", [True, False])
def test_presence_activity_reports_what_temporal_says(polling: bool, monkeypatch) -> None:
    presence = FakePresence(polling)
    monkeypatch.setattr("temporalio.activity.logger.info", lambda *a, **k: None)
    answer = asyncio.run(
        RunnerPresenceActivities(presence).runners_polling("agent_execution_runner", 60.0))
    assert answer is polling
    assert presence.asked == [("agent_execution_runner", 60.0)]


def _activity_error(timeout_type: TimeoutType) -> ActivityError:
    error = ActivityError("activity failed", scheduled_event_id=1, started_event_id=0,
                          identity="", activity_type="ExecuteGraphton", activity_id="1",
                          retry_state=RetryState.TIMEOUT)
    error.__cause__ = TimeoutError("timeout", type=timeout_type, last_heartbeat_details=[])
    return error


def test_only_schedule_to_start_timeouts_count_as_not_picked_up() -> None:
    assert workflows._not_picked_up(_activity_error(TimeoutType.SCHEDULE_TO_START))
    assert not workflows._not_picked_up(_activity_error(TimeoutType.HEARTBEAT))
