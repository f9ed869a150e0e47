"""Sessions: the conversation an execution belongs to (auto-created per execution)."""

from __future__ import annotations

import time

from ai.stigmer.agentic.session.v1 import api_pb2, spec_pb2
from ai.stigmer.commons.apiresource import metadata_pb2

from . import errors, ids, kinds, lookup, slugs
from .kinds import AGENT_EXECUTION, AGENT_INSTANCE, SESSION
from .store import Query, Store, Tx

AUTO_SUBJECT = "Auto-created session"


def create(tx: Tx, session: api_pb2.Session) -> api_pb2.Session:
    """Validate and insert a session for an existing agent instance."""
    instance_id = session.spec.agent_instance_id.strip()
    if not instance_id:
        raise errors.invalid("spec.agent_instance_id is required")
    instance_record, _ = lookup.by_id(tx, AGENT_INSTANCE, instance_id)
    session.metadata.id = ids.new_id(SESSION.prefix)
    kinds.normalize_metadata(session, SESSION)
    if not session.metadata.name:
        session.metadata.name = f"session-{time.time_ns() // 1_000_000}"
    session.metadata.slug = slugs.best_effort(session.metadata.name, session.metadata.id.lower())
    session.spec.agent_instance_id = instance_id
    kinds.stamp(session, "created")
    tx.insert(
        kinds.to_record(
            SESSION, session, parent_id=instance_id, root_id=instance_record.parent_id
        )
    )
    return session


def auto_create(tx: Tx, org: str, instance_id: str) -> api_pb2.Session:
    """The session Stigmer creates for an execution that did not name one."""
    return create(
        tx,
        api_pb2.Session(
            metadata=metadata_pb2.ApiResourceMetadata(org=org),
            spec=spec_pb2.SessionSpec(agent_instance_id=instance_id, subject=AUTO_SUBJECT),
        ),
    )


class SessionService:
    """Session commands and queries."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def create(self, incoming: api_pb2.Session) -> api_pb2.Session:
        """Create a session (server assigns id; spec.agent_instance_id must exist)."""
        session = api_pb2.Session()
        session.CopyFrom(incoming)
        session.ClearField("status")
        with self._store.write() as tx:
            return create(tx, session)

    def get(self, session_id: str) -> api_pb2.Session:
        """One session by id."""
        session_id = lookup.require_id(SESSION, session_id)
        with self._store.read() as tx:
            return lookup.by_id(tx, SESSION, session_id)[1]

    def delete(self, session_id: str) -> api_pb2.Session:
        """Delete a session that no execution uses any more."""
        session_id = lookup.require_id(SESSION, session_id)
        with self._store.write() as tx:
            _, session = lookup.by_id(tx, SESSION, session_id)
            in_use = tx.count(Query(kinds=[AGENT_EXECUTION.key], parent_id=session_id))
            if in_use:
                raise errors.failed_precondition(
                    f"Session {session_id} still has {in_use} agent execution(s); "
                    "delete them first"
                )
            tx.delete(session_id)
        return session
