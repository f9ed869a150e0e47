"""Temporal's own view of an execution: its workflow (workflow id = the execution id), the
activities Temporal is running for it, and what its history recorded.

Used to show what Stigmer's records alone cannot: that a cancelled execution's workflow was
really asked to stop and closed, that a crashed agent-runner's work was retried by another
worker, that a long execution ran on its first attempt. Synchronous (steps are), one short
connection per call. No behave import, no reference import.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.workflow.v1 import PendingActivityInfo
from temporalio.client import Client

from harness.stack.stack import Stack
from harness.waiting import wait_until

CLOSED_BY_CANCEL = ("CANCELED", "TERMINATED")


@dataclass(frozen=True)
class PendingActivity:
    """An activity Temporal is running (or retrying) right now."""

    name: str
    state: str  # SCHEDULED, STARTED, CANCEL_REQUESTED ...
    attempt: int
    worker: str  # identity of the worker that last took it ("" before a first start)
    last_failure: str


@dataclass(frozen=True)
class ActivityRun:
    """One scheduled activity as the history recorded it (its last attempt)."""

    name: str
    heartbeat_timeout_s: float
    attempt: int = 0  # the attempt that started last (history keeps only that one)
    started_by: str = ""
    last_failure: str = ""  # why the attempt before it failed, if it was a retry
    outcome: str = ""  # COMPLETED, FAILED, TIMED_OUT, CANCELED ('' while running)
    finished_by: str = ""
    cancel_requested: bool = False


@dataclass(frozen=True)
class WorkflowView:
    """What Temporal knows of one workflow."""

    workflow_id: str
    status: str  # RUNNING, COMPLETED, FAILED, CANCELED, TERMINATED, TIMED_OUT ...
    cancel_requested: bool
    pending: list[PendingActivity] = field(default_factory=list)
    runs: list[ActivityRun] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.status == "RUNNING"

    def runs_of(self, name: str) -> list[ActivityRun]:
        return [run for run in self.runs if run.name == name]

    def summary(self) -> str:
        runs = ", ".join(
            f"{r.name}#{r.attempt} {r.outcome or 'running'} by "
            f"{r.finished_by or r.started_by or '-'}" for r in self.runs) or "no activity"
        pending = ", ".join(f"{p.name}#{p.attempt} {p.state} on {p.worker or '-'}"
                            for p in self.pending) or "none"
        return (f"workflow {self.workflow_id}: {self.status}"
                f"{' (cancel requested)' if self.cancel_requested else ''}; "
                f"activities: {runs}; pending: {pending}")


def _pending(info: PendingActivityInfo) -> PendingActivity:
    return PendingActivity(
        name=info.activity_type.name,
        state=PendingActivityState.Name(info.state).removeprefix("PENDING_ACTIVITY_STATE_"),
        attempt=info.attempt, worker=info.last_worker_identity,
        last_failure=info.last_failure.message)


def _runs(events: list[HistoryEvent]) -> list[ActivityRun]:
    """Activity runs by scheduled event id, in the order they were scheduled."""
    runs: dict[int, dict[str, object]] = {}
    for event in events:
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attrs = event.activity_task_scheduled_event_attributes
            runs[event.event_id] = {
                "name": attrs.activity_type.name,
                "heartbeat_timeout_s": attrs.heartbeat_timeout.ToTimedelta().total_seconds()}
            continue
        for attribute, outcome in (
                ("activity_task_started_event_attributes", ""),
                ("activity_task_completed_event_attributes", "COMPLETED"),
                ("activity_task_failed_event_attributes", "FAILED"),
                ("activity_task_timed_out_event_attributes", "TIMED_OUT"),
                ("activity_task_canceled_event_attributes", "CANCELED"),
                ("activity_task_cancel_requested_event_attributes", None)):
            if event.WhichOneof("attributes") != attribute:
                continue
            attrs = getattr(event, attribute)
            run = runs.get(attrs.scheduled_event_id)
            if run is None:
                break
            if outcome is None:
                run["cancel_requested"] = True
            elif outcome == "":
                run.update(attempt=attrs.attempt, started_by=attrs.identity,
                           last_failure=attrs.last_failure.message)
            else:
                run.update(outcome=outcome, finished_by=getattr(attrs, "identity", ""))
            break
    return [ActivityRun(**run) for run in runs.values()]  # type: ignore[arg-type]


class TemporalView:
    """Reads workflows from the Temporal frontend at ``address``."""

    def __init__(self, address: str, namespace: str = "default", timeout_s: float = 10.0) -> None:
        self.address = address
        self.namespace = namespace
        self.timeout_s = timeout_s

    def workflow(self, workflow_id: str) -> WorkflowView:
        """Status, pending activities and recorded activity runs of ``workflow_id``."""
        return asyncio.run(asyncio.wait_for(self._workflow(workflow_id), self.timeout_s))

    def history_text(self, workflow_id: str) -> str:
        """Everything Temporal recorded for ``workflow_id`` as text: the history's bytes (every
        payload's data as the workers sent it) and its JSON form (payloads base64-encoded)."""
        return asyncio.run(asyncio.wait_for(self._history_text(workflow_id), self.timeout_s))

    async def _history_text(self, workflow_id: str) -> str:
        client = await Client.connect(self.address, namespace=self.namespace)
        history = await client.get_workflow_handle(workflow_id).fetch_history(
            rpc_timeout=timedelta(seconds=self.timeout_s))
        raw = b"".join(event.SerializeToString() for event in history.events)
        return raw.decode("utf-8", errors="replace") + "\n" + history.to_json()

    async def _workflow(self, workflow_id: str) -> WorkflowView:
        client = await Client.connect(self.address, namespace=self.namespace)
        handle = client.get_workflow_handle(workflow_id)
        rpc = timedelta(seconds=self.timeout_s)
        description = await handle.describe(rpc_timeout=rpc)
        history = await handle.fetch_history(rpc_timeout=rpc)
        events = list(history.events)
        raw = description.raw_description
        return WorkflowView(
            workflow_id=workflow_id,
            status=description.status.name if description.status else "UNKNOWN",
            cancel_requested=any(
                e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED
                for e in events),
            pending=[_pending(info) for info in raw.pending_activities],
            runs=_runs(events),
        )


def view_for(stack: Stack, namespace: str = "default") -> TemporalView | None:
    """Temporal's view for the stack's Temporal (None when the stack does not say where)."""
    address = stack.info.temporal_address
    return TemporalView(address, namespace) if address else None


def require_view(stack: Stack, skip: Callable[[str], None]) -> TemporalView:
    """Temporal's view of the stack; without one, ``skip(reason)`` and raise."""
    view = view_for(stack)
    if view is None:
        reason = ("the stack does not say where its Temporal is (set temporal_address), "
                  "so Temporal's view of the execution is unknown")
        skip(reason)
        raise RuntimeError(f"skipped: {reason}")
    return view


def wait_for_workflow(view: TemporalView, workflow_id: str,
                      done: Callable[[WorkflowView], bool], what: str,
                      timeout: float = 30.0) -> WorkflowView:
    """Poll Temporal's view of ``workflow_id`` until ``done(view)`` (errors count as not yet)."""
    return wait_until(lambda: view.workflow(workflow_id), done, timeout=timeout, interval=0.3,
                      what=f"Temporal: workflow {workflow_id} {what}",
                      describe=lambda v: v.summary(), tolerate=(Exception,))
