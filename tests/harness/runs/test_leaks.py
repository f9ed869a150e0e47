"""harness.runs.leaks: process records, stale-process cleanup, the leak guard."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from harness.runs import leaks
from harness.stack.compose import host_id

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


@pytest.fixture
def sleeper():
    process = subprocess.Popen(SLEEPER, start_new_session=True)
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def dead_pid() -> int:
    """The PID of a process that has exited (and was reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=10)
    return process.pid


def wait_for_exec(pid: int) -> None:
    for _ in range(100):
        if leaks.cmdline(pid) == SLEEPER:
            return
        time.sleep(0.02)


def test_record_identifies_the_process(tmp_path: Path, sleeper) -> None:
    registry = leaks.PidRegistry(tmp_path)
    record = registry.record(sleeper.pid, "sleeper", SLEEPER)
    wait_for_exec(sleeper.pid)
    assert record is not None and record.alive() and record.owner_alive()
    assert registry.records() == [record]
    sleeper.kill()
    sleeper.wait(timeout=10)
    assert not record.alive()


def test_a_reused_pid_is_not_the_recorded_process(tmp_path: Path, sleeper) -> None:
    record = leaks.PidRegistry(tmp_path).record(sleeper.pid, "sleeper", ["something", "else"])
    wait_for_exec(sleeper.pid)
    assert record is not None and not record.alive()


def write_orphan_record(results: Path, pid: int, argv: list[str]) -> Path:
    run_dir = results / "runs" / "20260101-000000-1"
    record = leaks.ProcessRecord(pid, leaks.start_ticks(pid) or 0, leaks.fingerprint(argv),
                                 leaks.masked(argv), "server", dead_pid(), 1)
    path = run_dir / leaks.REGISTRY / f"{pid}.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(dataclasses.asdict(record)))
    return path


def test_stale_processes_of_a_dead_owner_are_stopped(tmp_path: Path, sleeper) -> None:
    wait_for_exec(sleeper.pid)
    path = write_orphan_record(tmp_path, sleeper.pid, SLEEPER)
    stopped = leaks.clean_stale_processes(tmp_path, progress=lambda _m: None)
    assert [record.pid for record in stopped] == [sleeper.pid]
    assert sleeper.wait(timeout=10) is not None
    assert not path.exists()


def test_an_unrelated_process_with_a_recorded_pid_is_left_alone(tmp_path: Path,
                                                                  sleeper) -> None:
    wait_for_exec(sleeper.pid)
    write_orphan_record(tmp_path, sleeper.pid, ["python", "-m", "reference.server"])
    assert leaks.clean_stale_processes(tmp_path, progress=lambda _m: None) == []
    assert sleeper.poll() is None


def test_guard_reports_and_removes_a_surviving_child(tmp_path: Path) -> None:
    guard = leaks.LeakGuard(leaks.PidRegistry(tmp_path), baseline=leaks.descendants(os.getpid()),
                            compose_projects=lambda: None)
    assert guard.leftovers() == []
    child = subprocess.Popen(SLEEPER, start_new_session=True)
    try:
        guard.on_start("sleeper", child.pid, SLEEPER)
        wait_for_exec(child.pid)
        found = guard.verify(progress=lambda _m: None)
        assert len(found) == 1 and "sleeper" in found[0]
        assert child.wait(timeout=10) is not None
        assert guard.leftovers() == []
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=10)


def test_guard_reports_compose_projects_named_after_this_process(tmp_path: Path) -> None:
    mine = f"stigmer-e2e-{os.getpid()}-{host_id()}-abcdef"
    other = f"stigmer-e2e-{os.getpid() + 1}-{host_id()}-abcdef"
    guard = leaks.LeakGuard(leaks.PidRegistry(tmp_path), baseline=leaks.descendants(os.getpid()),
                            compose_projects=lambda: {mine, other, "unrelated"})
    assert guard.leftovers() == [f"compose project {mine} (containers, networks or volumes)"]


def test_descendants_finds_grandchildren() -> None:
    script = ("import subprocess, sys, time; "
              "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
              "print(p.pid, flush=True); time.sleep(60)")
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        grandchild = int(child.stdout.readline())
        assert {child.pid, grandchild} <= leaks.descendants(os.getpid())
    finally:
        leaks.stop_process_group(grandchild, grace=1)
        child.kill()
        child.wait(timeout=10)


def test_records_never_hold_secret_flag_values(tmp_path: Path, sleeper) -> None:
    argv = [*SLEEPER, "--api-key", "k-123", "--token=t-456", "--port", "1"]
    leaks.PidRegistry(tmp_path).record(sleeper.pid, "server", argv)
    text = next((tmp_path / leaks.REGISTRY).glob("*.json")).read_text()
    assert "k-123" not in text and "t-456" not in text
    assert "--api-key *** --token=*** --port 1" in text


def test_a_temp_dir_of_a_killed_run_is_removed_by_the_next(tmp_path: Path) -> None:
    left = Path(tempfile.mkdtemp(prefix=leaks.TEMPDIR_PREFIX + "test-"))
    (left / "stigmer.db").write_text("data")
    run_dir = tmp_path / "runs" / "20260101-000000-1"
    leaks.PidRegistry(run_dir, owner_pid=dead_pid()).record_dir(left)
    messages: list[str] = []
    try:
        leaks.clean_stale_processes(tmp_path, progress=messages.append)
        assert not left.exists()
        assert messages == [f"[leaks] removed temp dir {left} left by the killed run "
                            "20260101-000000-1"]
        assert list((run_dir / leaks.TEMPDIRS).iterdir()) == []
    finally:
        shutil.rmtree(left, ignore_errors=True)


def test_a_temp_dir_of_a_live_run_or_not_ours_is_kept(tmp_path: Path) -> None:
    live = Path(tempfile.mkdtemp(prefix=leaks.TEMPDIR_PREFIX + "test-"))
    foreign = Path(tempfile.mkdtemp(prefix="someone-else-"))
    try:
        leaks.PidRegistry(tmp_path / "runs" / "a").record_dir(live)  # owner: this process
        leaks.PidRegistry(tmp_path / "runs" / "b", owner_pid=dead_pid()).record_dir(foreign)
        leaks.clean_stale_processes(tmp_path, progress=lambda _m: None)
        assert live.is_dir() and foreign.is_dir()
    finally:
        shutil.rmtree(live, ignore_errors=True)
        shutil.rmtree(foreign, ignore_errors=True)


def test_the_guard_reports_and_removes_a_temp_dir_the_run_made(tmp_path: Path) -> None:
    from harness.processes import TempDir

    guard = leaks.LeakGuard.begin(tmp_path / "runs" / "r", tmp_path, progress=lambda _m: None,
                                  clean_compose=False)
    guard.compose_projects = lambda: None
    made = TempDir(prefix=leaks.TEMPDIR_PREFIX + "guard-")
    found = guard.verify(progress=lambda _m: None)
    assert found == [f"temp dir {made.path}"]
    assert not made.path.exists()
