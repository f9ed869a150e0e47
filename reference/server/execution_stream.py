"""``subscribe`` for executions: the current state, then each committed change until terminal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from typing import Any

from . import errors
from .execution_lifecycle import PhaseRules
from .kinds import Kind
from .pubsub import Broker
from .store import Record


async def follow(
    broker: Broker,
    kind: Kind,
    rules: PhaseRules,
    execution_id: str,
    load: Callable[[str], tuple[Record, Any]],
) -> AsyncGenerator[Any, None]:
    """Yield the execution, then every newer snapshot; end after a terminal phase.

    ``load`` reads the record and execution (in a worker thread); a deletion ends the stream
    with NOT_FOUND "<Kind> was deleted: <id>".
    """
    subscription = broker.subscribe(execution_id)  # before reading: no lost update
    try:
        record, execution = await asyncio.to_thread(load, execution_id)
        last_revision = record.revision
        yield execution
        if rules.is_terminal(execution.status.phase):
            return
        async for event in subscription:
            if event.resource is None:
                raise errors.not_found(f"{kind.label} was deleted: {execution_id}")
            if event.revision <= last_revision:
                continue
            last_revision = event.revision
            yield event.resource
            if rules.is_terminal(event.resource.status.phase):
                return
    finally:
        subscription.close()
