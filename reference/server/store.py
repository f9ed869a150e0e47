"""SQLite persistence: one file in WAL mode, resources as serialized protobuf + indexed columns.

Every write runs in one ``BEGIN IMMEDIATE`` transaction under a process-wide writer lock, so a
crash never leaves a partial write and concurrent requests never interleave read-modify-write
cycles. Each thread gets its own connection (readers never block on the writer in WAL mode).
"""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    org         TEXT NOT NULL,
    slug        TEXT NOT NULL DEFAULT '',
    slug_unique INTEGER NOT NULL DEFAULT 0,
    name        TEXT NOT NULL DEFAULT '',
    parent_id   TEXT NOT NULL DEFAULT '',
    root_id     TEXT NOT NULL DEFAULT '',
    phase       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    revision    INTEGER NOT NULL DEFAULT 1,
    data        BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS resources_slug
    ON resources(kind, org, slug) WHERE slug_unique = 1;
CREATE INDEX IF NOT EXISTS resources_kind_org ON resources(kind, org, created_at);
CREATE INDEX IF NOT EXISTS resources_parent ON resources(kind, parent_id);
CREATE INDEX IF NOT EXISTS resources_root ON resources(kind, root_id);
CREATE INDEX IF NOT EXISTS resources_phase ON resources(kind, phase);
"""

_COLUMNS = (
    "id, kind, org, slug, slug_unique, name, parent_id, root_id, phase, "
    "created_at, updated_at, revision, data"
)


def now_ms() -> int:
    """Wall-clock time in milliseconds (the store's timestamp unit)."""
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class Record:
    """One stored resource: indexed columns plus the serialized protobuf in ``data``.

    ``parent_id`` is the direct container (instance -> agent, session -> instance,
    execution -> session); ``root_id`` the definition it derives from (agent or workflow).
    ``revision`` grows by one on every write.
    """

    id: str
    kind: str
    org: str
    data: bytes
    slug: str = ""
    slug_unique: bool = False
    name: str = ""
    parent_id: str = ""
    root_id: str = ""
    phase: int = 0
    created_at: int = 0
    updated_at: int = 0
    revision: int = 0

    def with_data(self, data: bytes, **changes: object) -> Record:
        """A copy with new ``data`` (and any other column changes)."""
        return dataclasses.replace(self, data=data, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Query:
    """Filters for :meth:`Tx.select`; ``None`` means "any"."""

    kinds: Sequence[str]
    org: str | None = None
    parent_id: str | None = None
    root_id: str | None = None
    phase: int | None = None
    text: str | None = None  # case-insensitive substring of name or slug
    newest_first: bool = True
    order_by_slug: bool = False


class DuplicateError(Exception):
    """An insert or update collided with the unique (kind, org, slug) index."""


class Tx:
    """Operations inside one transaction (see :meth:`Store.read` / :meth:`Store.write`)."""

    def __init__(self, conn: sqlite3.Connection, writable: bool) -> None:
        self._conn = conn
        self._writable = writable

    def get(self, resource_id: str, kind: str | None = None) -> Record | None:
        """The record with ``resource_id`` (of ``kind`` when given), or None."""
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM resources WHERE id = ?", (resource_id,)
        ).fetchone()
        record = _to_record(row) if row else None
        if record is not None and kind is not None and record.kind != kind:
            return None
        return record

    def find_slug(self, kind: str, org: str, slug: str) -> Record | None:
        """The record of ``kind`` in ``org`` with ``slug`` (newest if not unique), or None."""
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM resources WHERE kind = ? AND org = ? AND slug = ? "
            "ORDER BY slug_unique DESC, created_at DESC LIMIT 1",
            (kind, org, slug),
        ).fetchone()
        return _to_record(row) if row else None

    def insert(self, record: Record) -> Record:
        """Insert a new record (revision 1, timestamps now unless set)."""
        self._require_writable()
        now = now_ms()
        stored = dataclasses.replace(
            record,
            created_at=record.created_at or now,
            updated_at=record.updated_at or now,
            revision=1,
        )
        try:
            self._conn.execute(
                f"INSERT INTO resources ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                _to_row(stored),
            )
        except sqlite3.IntegrityError as exc:
            raise DuplicateError(str(exc)) from exc
        return stored

    def update(self, record: Record) -> Record:
        """Overwrite an existing record; bumps ``revision`` and ``updated_at``."""
        self._require_writable()
        current = self.get(record.id)
        if current is None:
            raise KeyError(record.id)
        stored = dataclasses.replace(
            record,
            created_at=current.created_at,
            updated_at=max(now_ms(), current.updated_at),
            revision=current.revision + 1,
        )
        try:
            self._conn.execute(
                "UPDATE resources SET kind=?, org=?, slug=?, slug_unique=?, name=?, parent_id=?, "
                "root_id=?, phase=?, created_at=?, updated_at=?, revision=?, data=? WHERE id=?",
                (*_to_row(stored)[1:], stored.id),
            )
        except sqlite3.IntegrityError as exc:
            raise DuplicateError(str(exc)) from exc
        return stored

    def delete(self, resource_id: str) -> bool:
        """Delete a record; True if it existed."""
        self._require_writable()
        cursor = self._conn.execute("DELETE FROM resources WHERE id = ?", (resource_id,))
        return cursor.rowcount > 0

    def select(self, query: Query, limit: int | None = None, offset: int = 0) -> list[Record]:
        """Records matching ``query``, ordered newest first (or by slug), paginated."""
        where, params = _where(query)
        order = "slug ASC, id ASC" if query.order_by_slug else (
            "created_at DESC, id DESC" if query.newest_first else "created_at ASC, id ASC"
        )
        sql = f"SELECT {_COLUMNS} FROM resources WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [_to_record(row) for row in self._conn.execute(sql, params).fetchall()]

    def count(self, query: Query) -> int:
        """Number of records matching ``query``."""
        where, params = _where(query)
        row = self._conn.execute(f"SELECT COUNT(*) FROM resources WHERE {where}", params)
        return int(row.fetchone()[0])

    def count_by_kind(self, query: Query) -> dict[str, int]:
        """Number of records matching ``query`` per kind."""
        where, params = _where(query)
        rows = self._conn.execute(
            f"SELECT kind, COUNT(*) FROM resources WHERE {where} GROUP BY kind", params
        ).fetchall()
        return {kind: int(n) for kind, n in rows}

    def _require_writable(self) -> None:
        if not self._writable:
            raise RuntimeError("write attempted inside a read transaction")


class Store:
    """The resource store in ``<data_dir>/stigmer.db``."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._closed = False
        self._connection()  # opens the file and creates/migrates the schema

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A consistent read-only snapshot."""
        conn = self._connection()
        conn.execute("BEGIN")
        try:
            yield Tx(conn, writable=False)
        finally:
            conn.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """One atomic write transaction: committed on success, rolled back on any error."""
        conn = self._connection()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(conn, writable=True)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close every connection (call once, at shutdown)."""
        with self._connections_lock:
            self._closed = True
            for conn in self._connections:
                conn.close()
            self._connections.clear()

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        with self._connections_lock:
            if self._closed:
                raise RuntimeError("store is closed")
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
            if not self._connections:
                _migrate(conn)
            self._connections.append(conn)
        self._local.conn = conn
        return conn


def _migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"data dir was written by a newer server (schema {version} > {SCHEMA_VERSION})"
        )
    conn.executescript(f"BEGIN; {_SCHEMA} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;")


def _where(query: Query) -> tuple[str, list[object]]:
    clauses = [f"kind IN ({','.join('?' * len(query.kinds))})"]
    params: list[object] = list(query.kinds)
    for column in ("org", "parent_id", "root_id", "phase"):
        value = getattr(query, column)
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if query.text:
        pattern = "%" + _escape_like(query.text.lower()) + "%"
        clauses.append("(lower(name) LIKE ? ESCAPE '\\' OR slug LIKE ? ESCAPE '\\')")
        params += [pattern, pattern]
    return " AND ".join(clauses), params


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _to_row(record: Record) -> tuple[object, ...]:
    return (
        record.id, record.kind, record.org, record.slug, int(record.slug_unique), record.name,
        record.parent_id, record.root_id, record.phase, record.created_at, record.updated_at,
        record.revision, record.data,
    )


def _to_record(row: Sequence[Any]) -> Record:
    (rid, kind, org, slug, slug_unique, name, parent_id, root_id, phase,
     created_at, updated_at, revision, data) = row
    return Record(
        id=str(rid), kind=str(kind), org=str(org), slug=str(slug),
        slug_unique=bool(slug_unique), name=str(name), parent_id=str(parent_id),
        root_id=str(root_id), phase=int(phase), created_at=int(created_at),
        updated_at=int(updated_at), revision=int(revision), data=bytes(data),
    )
