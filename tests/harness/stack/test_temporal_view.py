"""Unit tests for harness.stack.temporal_view: activity runs as read from a workflow history."""

from __future__ import annotations

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from harness.stack.temporal_view import _runs, view_for


def _scheduled(event_id: int, name: str) -> HistoryEvent:
    event = HistoryEvent(event_id=event_id,
                         event_type=EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    event.activity_task_scheduled_event_attributes.activity_type.name = name
    event.activity_task_scheduled_event_attributes.heartbeat_timeout.FromSeconds(5)
    return event


def test_a_retried_activity_shows_its_attempt_failure_and_workers() -> None:
    started = HistoryEvent(event_id=2, event_type=EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
    attrs = started.activity_task_started_event_attributes
    attrs.scheduled_event_id, attrs.attempt, attrs.identity = 1, 2, "runner/2"
    attrs.last_failure.message = "activity Heartbeat timeout"
    done = HistoryEvent(event_id=3, event_type=EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
    done.activity_task_completed_event_attributes.scheduled_event_id = 1
    done.activity_task_completed_event_attributes.identity = "runner/2"
    [run] = _runs([_scheduled(1, "ExecuteGraphton"), started, done])
    assert (run.name, run.attempt, run.outcome, run.finished_by) == (
        "ExecuteGraphton", 2, "COMPLETED", "runner/2")
    assert run.heartbeat_timeout_s == 5
    assert "Heartbeat" in run.last_failure


def test_a_running_activity_has_no_outcome_yet() -> None:
    [run] = _runs([_scheduled(1, "ExecuteGraphton")])
    assert (run.attempt, run.outcome) == (0, "")


def test_no_view_without_an_address() -> None:
    class Info:
        temporal_address = ""

    class Stack:
        info = Info()

    assert view_for(Stack()) is None
    Stack.info.temporal_address = "127.0.0.1:7233"
    assert view_for(Stack()).address == "127.0.0.1:7233"
