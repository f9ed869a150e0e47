"""Fixtures for the reference server's tests (processes are always stopped by PID)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from stigmer import StigmerClient

from tests.reference.server.server_procs import ServerProc, TemporalDevServer

_names = itertools.count()


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (what the server uses)."""
    return "asyncio"


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Slug-safe unique names, so tests can share one server."""
    return lambda prefix: f"{prefix}-{next(_names)}"


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., ServerProc]]:
    """Factory: start a server (own data dir unless given); all are stopped at teardown."""
    started: list[ServerProc] = []

    def start(*args: str, data_dir: Path | None = None, port: int = 0) -> ServerProc:
        proc = ServerProc(data_dir or tmp_path / f"data-{len(started)}", *args, port=port)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    """One local-mode server (no Temporal, no API key) shared by a test module."""
    proc = ServerProc(tmp_path_factory.mktemp("shared"))
    yield proc
    proc.stop()


@pytest.fixture
def client(shared_server: ServerProc) -> Iterator[StigmerClient]:
    """An SDK client of the shared server."""
    with StigmerClient(api_key="k", base_url=shared_server.address, insecure=True) as c:
        yield c


@pytest.fixture(scope="session")
def temporal() -> Iterator[TemporalDevServer]:
    """A Temporal dev server with one namespace per server that needs a worker of its own."""
    proc = TemporalDevServer(namespaces=["ref-main", "ref-norunner", "ref-runner", "ref-misc"])
    yield proc
    proc.stop()
