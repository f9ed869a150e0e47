"""harness.processes with tiny Python children: readiness, failures and guaranteed stops."""

from __future__ import annotations

import socket
import sys
import textwrap
import time
from pathlib import Path

import pytest

from harness.processes import (
    ManagedProcess,
    ProcessFailed,
    TempDir,
    free_port,
    port_open,
    tail,
    wait_for_port,
)
from harness.waiting import WaitTimeout, wait_until

READY = r"listening on (\S+):(\d+)"


def child(code: str) -> list[str]:
    return [sys.executable, "-u", "-c", textwrap.dedent(code)]


SERVER = child("""
    import sys, time
    print("starting up", flush=True)
    print("listening on 127.0.0.1:1234", file=sys.stderr, flush=True)
    time.sleep(60)
""")


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def gone(pid: int, timeout: float = 5.0) -> bool:
    wait_until(lambda: alive(pid), lambda is_alive: not is_alive, timeout=timeout,
               interval=0.02, what=f"pid {pid} to go")
    return True


def test_free_port_is_bindable() -> None:
    port = free_port()
    assert 1024 <= port <= 65535
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))


def test_port_open_and_wait_for_port() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert port_open("127.0.0.1", port)
        wait_for_port("127.0.0.1", port, timeout=1, what="the test socket")
    assert not port_open("127.0.0.1", port, timeout=0.2)
    with pytest.raises(WaitTimeout, match=r"the closed port .*closed"):
        wait_for_port("127.0.0.1", port, timeout=0.2, what="the closed port")


def test_tail_returns_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("".join(f"line {n}\n" for n in range(50)))
    assert tail(log, 3) == "line 47\nline 48\nline 49"
    assert tail(tmp_path / "missing.log") == ""


def test_ready_via_pattern_then_stop_ends_it(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "server.log"
    process = ManagedProcess("server", SERVER, log_path=log, ready_pattern=READY,
                             ready_timeout=10, grace=5)
    process.start()
    try:
        assert process.running()
        assert process.ready_match is not None
        assert process.ready_match.groups() == ("127.0.0.1", "1234")
        assert "starting up" in log.read_text()  # stdout and stderr both reach the log
    finally:
        started = time.monotonic()
        code = process.stop()
    assert time.monotonic() - started < 4, "SIGINT should have ended it well before the grace"
    assert code is not None
    assert not process.running()
    assert gone(process.pid)


def test_stop_ends_the_whole_process_group(tmp_path: Path) -> None:
    argv = child("""
        import subprocess, sys, time
        worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        print("worker", worker.pid, flush=True)
        print("listening on 127.0.0.1:1", flush=True)
        time.sleep(60)
    """)
    log = tmp_path / "group.log"
    with ManagedProcess("group", argv, log_path=log, ready_pattern=READY,
                        ready_timeout=10, grace=2) as process:
        worker_pid = int(log.read_text().split("worker ", 1)[1].split()[0])
        assert alive(worker_pid)
        parent_pid = process.pid
    assert gone(parent_pid)
    assert gone(worker_pid)


def test_child_ignoring_sigint_is_killed_after_the_grace(tmp_path: Path) -> None:
    argv = child("""
        import signal, time
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("listening on 127.0.0.1:9", flush=True)
        time.sleep(60)
    """)
    process = ManagedProcess("stubborn", argv, log_path=tmp_path / "s.log",
                             ready_pattern=READY, ready_timeout=10, grace=0.3)
    process.start()
    started = time.monotonic()
    code = process.stop()
    took = time.monotonic() - started
    assert code == -9
    assert 0.3 <= took < 5
    assert gone(process.pid)


def test_child_exiting_early_raises_with_the_log_tail(tmp_path: Path) -> None:
    argv = child("""
        import sys
        print("error: no such data dir /nope", file=sys.stderr)
        sys.exit(3)
    """)
    process = ManagedProcess("early", argv, log_path=tmp_path / "early.log",
                             ready_pattern=READY, ready_timeout=10)
    with pytest.raises(ProcessFailed) as raised:
        process.start()
    message = str(raised.value)
    assert "early exited with code 3 before it was ready" in message
    assert "error: no such data dir /nope" in message
    assert str(tmp_path / "early.log") in message
    assert not process.running()


def test_readiness_timeout_raises_and_stops_the_child(tmp_path: Path) -> None:
    argv = child("""
        import time
        print("still warming up", flush=True)
        time.sleep(60)
    """)
    process = ManagedProcess("slow", argv, log_path=tmp_path / "slow.log",
                             ready_pattern=READY, ready_timeout=0.5, grace=2)
    with pytest.raises(ProcessFailed) as raised:
        process.start()
    message = str(raised.value)
    assert "timed out after 0.5s waiting for slow to become ready" in message
    assert "still warming up" in message
    assert gone(process.pid)


def test_a_stale_ready_line_in_an_appended_log_does_not_count(tmp_path: Path) -> None:
    log = tmp_path / "reused.log"
    log.write_text("listening on 127.0.0.1:1111\n")  # from a previous run
    argv = child("""
        import time
        time.sleep(0.3)
        print("listening on 127.0.0.1:2222", flush=True)
        time.sleep(60)
    """)
    with ManagedProcess("reused", argv, log_path=log, ready_pattern=READY,
                        ready_timeout=10, grace=2) as process:
        assert process.ready_match is not None
        assert process.ready_match.group(2) == "2222"
    assert log.read_text().startswith("listening on 127.0.0.1:1111\n")  # appended, not lost


def test_ready_probe_is_required_after_the_pattern(tmp_path: Path) -> None:
    probes: list[float] = []

    def probe() -> bool:
        probes.append(time.monotonic())
        return len(probes) >= 3

    with ManagedProcess("probed", SERVER, log_path=tmp_path / "p.log", ready_pattern=READY,
                        ready_probe=probe, ready_timeout=10, grace=2) as process:
        assert process.running()
    assert len(probes) == 3


def test_probe_only_readiness_timeout(tmp_path: Path) -> None:
    process = ManagedProcess("never", SERVER, log_path=tmp_path / "n.log",
                             ready_probe=lambda: False, ready_timeout=0.4, grace=2)
    with pytest.raises(ProcessFailed, match="never to become ready"):
        process.start()
    assert gone(process.pid)


def test_stop_before_start_and_twice_is_harmless(tmp_path: Path) -> None:
    process = ManagedProcess("idle", SERVER, log_path=tmp_path / "i.log", ready_pattern=READY)
    assert process.stop() is None
    assert process.pid is None
    process.start()
    first = process.stop()
    assert process.stop() == first


def test_env_and_cwd_reach_the_child(tmp_path: Path) -> None:
    argv = child("""
        import os
        print("listening on", os.environ["E2E_HOST"] + ":" + os.getcwd(), flush=True)
        import time; time.sleep(60)
    """)
    with ManagedProcess("envy", argv, log_path=tmp_path / "e.log", env={"E2E_HOST": "h"},
                        cwd=tmp_path, ready_pattern=r"listening on (\S+)",
                        grace=2) as process:
        assert process.ready_match is not None
        assert process.ready_match.group(1) == f"h:{tmp_path}"


def test_tempdir_cleanup_removes_the_dir() -> None:
    temp = TempDir(prefix="harness-test-")
    (temp.path / "sub").mkdir()
    (temp.path / "sub" / "file.txt").write_text("x")
    assert temp.path.name.startswith("harness-test-")
    temp.cleanup()
    assert not temp.path.exists()
    temp.cleanup()  # idempotent
    with TempDir() as path:
        assert path.is_dir()
    assert not path.exists()
