"""Reading and writing one kind of execution: status changes are stored, then published.

Shared by agent and workflow executions; each passes its own merge/finish rule and the
FAILED_PRECONDITION wording for a terminal execution.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import errors, kinds, lookup
from .execution_lifecycle import TerminalPhaseError
from .kinds import Kind
from .pubsub import Broker, Event
from .store import Record, Store, Tx


class ExecutionRecords:
    """Store access for one execution kind, publishing every committed change."""

    def __init__(self, store: Store, broker: Broker, kind: Kind) -> None:
        self._store = store
        self._broker = broker
        self._kind = kind

    def load(self, execution_id: str) -> tuple[Record, Any]:
        """The record and execution, or NOT_FOUND."""
        with self._store.read() as tx:
            return lookup.by_id(tx, self._kind, execution_id)

    def change_status(
        self,
        execution_id: str,
        change: Callable[[Any], Any],
        refused: Callable[[TerminalPhaseError], errors.ServiceError],
    ) -> Any:
        """Replace the status with ``change(status)`` and publish; returns the execution.

        ``change`` returning the very status it got means "unchanged" (nothing is written);
        a :class:`TerminalPhaseError` from it becomes the error ``refused`` builds.
        """
        with self._store.write() as tx:
            record, execution = lookup.by_id(tx, self._kind, execution_id)
            try:
                changed = change(execution.status)
            except TerminalPhaseError as exc:
                raise refused(exc) from exc
            if changed is execution.status:
                return execution
            execution.status.CopyFrom(changed)
            stored = _save_status(tx, record, execution)
        self._broker.publish(stored.id, Event(stored.revision, execution))
        return execution

    def delete(self, execution_id: str) -> Any:
        """Delete an execution and tell its subscribers; returns the deleted execution."""
        with self._store.write() as tx:
            record, execution = lookup.by_id(tx, self._kind, execution_id)
            tx.delete(execution_id)
        self._broker.publish(execution_id, Event(record.revision + 1, None))
        return execution


def _save_status(tx: Tx, record: Record, execution: Any) -> Record:
    kinds.stamp(execution, "status_updated", spec=False)
    return tx.update(
        record.with_data(
            execution.SerializeToString(deterministic=True), phase=execution.status.phase
        )
    )
