"""Unit tests: the SQLite store (transactions, uniqueness, queries, persistence, threads)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from reference.server.store import DuplicateError, Query, Record, Store


def rec(rid: str, slug: str = "", kind: str = "agent", unique: bool = True, **kw: object) -> Record:
    return Record(id=rid, kind=kind, org="local", slug=slug, slug_unique=unique, name=slug,
                  data=b"x", **kw)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "db" / "stigmer.db")
    yield s
    s.close()


def test_insert_get_update_bumps_revision(store: Store) -> None:
    with store.write() as tx:
        first = tx.insert(rec("agt-1", "a"))
    assert first.revision == 1 and first.created_at > 0
    with store.write() as tx:
        second = tx.update(first.with_data(b"y"))
    assert second.revision == 2 and second.created_at == first.created_at
    with store.read() as tx:
        got = tx.get("agt-1")
        assert got is not None and got.data == b"y"
        assert tx.get("agt-1", kind="session") is None


def test_unique_slug_per_kind_and_org(store: Store) -> None:
    with store.write() as tx:
        tx.insert(rec("agt-1", "a"))
        tx.insert(rec("ain-1", "a", kind="agent_instance"))
        tx.insert(rec("ses-1", "s", kind="session", unique=False))
        tx.insert(rec("ses-2", "s", kind="session", unique=False))
    with pytest.raises(DuplicateError), store.write() as tx:
        tx.insert(rec("agt-2", "a"))


def test_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as tx:
        tx.insert(rec("agt-1", "a"))
        raise RuntimeError("crash mid-write")
    with store.read() as tx:
        assert tx.get("agt-1") is None


def test_reads_cannot_write(store: Store) -> None:
    with pytest.raises(RuntimeError), store.read() as tx:
        tx.insert(rec("agt-1", "a"))


def test_select_filters_sorts_and_paginates(store: Store) -> None:
    with store.write() as tx:
        for i, slug in enumerate(["alpha", "beta", "gamma_x", "delta"]):
            tx.insert(rec(f"agt-{i}", slug, parent_id="p" if i % 2 else "", created_at=100 + i))
        tx.insert(rec("aex-1", kind="agent_execution", unique=False, phase=3))
    with store.read() as tx:
        everything = Query(kinds=["agent"])
        assert [r.id for r in tx.select(everything)] == ["agt-3", "agt-2", "agt-1", "agt-0"]
        assert [r.slug for r in tx.select(Query(kinds=["agent"], order_by_slug=True), 2, 1)] == [
            "beta", "delta"]
        assert tx.count(Query(kinds=["agent"], parent_id="p")) == 2
        assert [r.slug for r in tx.select(Query(kinds=["agent"], text="A_X"))] == ["gamma_x"]
        assert tx.select(Query(kinds=["agent"], text="%")) == []
        assert tx.count(Query(kinds=["agent_execution"], phase=3)) == 1
        assert tx.count_by_kind(Query(kinds=["agent", "agent_execution"])) == {
            "agent": 4, "agent_execution": 1}


def test_data_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "stigmer.db"
    first = Store(path)
    with first.write() as tx:
        tx.insert(rec("agt-1", "a"))
    first.close()
    second = Store(path)
    with second.read() as tx:
        assert tx.get("agt-1") is not None
    second.close()


def test_concurrent_read_modify_write_is_serialized(store: Store) -> None:
    with store.write() as tx:
        tx.insert(rec("agt-1", "a"))

    def bump() -> None:
        for _ in range(25):
            with store.write() as tx:
                current = tx.get("agt-1")
                assert current is not None
                tx.update(current.with_data(str(int(current.data == b"x") + current.revision)
                                            .encode()))

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.read() as tx:
        final = tx.get("agt-1")
    assert final is not None and final.revision == 1 + 8 * 25
