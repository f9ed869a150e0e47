"""harness.teardown: a signal during teardown is held, and each step says what it removed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from harness.config import REPO_ROOT
from harness.processes import ManagedProcess, TempDir
from harness.teardown import describe_stopper, exit_if_signalled, shielded


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter (signal handlers and atexit are per process)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=30)


def test_a_signal_while_the_progress_log_is_busy_does_not_deadlock() -> None:
    """The handler never takes the progress log's lock, which the interrupted main thread may
    be holding (the signal arrives between two of its bytecodes)."""
    done = run_python("""
        import os, signal, time
        from harness.reporting.progress import ProgressLog
        from harness.teardown import shielded
        progress = ProgressLog()
        with shielded(progress) as received:
            with progress._lock:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.2)
        print("finished", received)
    """)
    assert done.returncode == 0, done.stderr
    assert "finished [2]" in done.stdout
    assert "SIGINT received: finishing the teardown first" in done.stderr
    assert "SIGINT was held until the teardown had finished" in done.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_after_the_final_hold_a_signal_only_sets_the_exit_status(sig: signal.Signals) -> None:
    done = run_python(f"""
        import os, signal, time
        from harness.teardown import hold_until_exit, final_signals
        hold_until_exit()
        os.kill(os.getpid(), {int(sig)})
        time.sleep(0.2)
        print("teardown went on", final_signals())
    """)
    assert "teardown went on [" + str(int(sig)) + "]" in done.stdout, done.stderr
    assert f"[final teardown] {sig.name} received" in done.stderr
    assert done.returncode == 128 + sig


def test_a_run_that_ends_unsignalled_keeps_its_own_status() -> None:
    done = run_python("""
        from harness.teardown import hold_until_exit
        hold_until_exit()
        raise SystemExit(3)
    """)
    assert done.returncode == 3, done.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_a_shielded_block_is_held_and_reported(sig: signal.Signals) -> None:
    messages: list[str] = []
    previous = signal.getsignal(sig)
    finished = False
    with shielded(messages.append) as received:
        os.kill(os.getpid(), sig)
        time.sleep(0.2)  # the handler runs here; it must not raise
        finished = True
    assert finished and received == [sig]
    assert messages == [f"[teardown] {sig.name} was held until the teardown had finished"]
    assert signal.getsignal(sig) is previous
    with pytest.raises(SystemExit) as exited:  # held, not lost: the run's end answers it
        exit_if_signalled()
    assert exited.value.code == 128 + sig
    exit_if_signalled()  # answered once only


def test_a_signal_held_while_an_interrupt_is_under_way_is_not_answered_twice() -> None:
    with pytest.raises(KeyboardInterrupt), shielded(lambda _m: None):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.2)
        raise KeyboardInterrupt
    exit_if_signalled()  # nothing left to answer: the interrupt already stops the run


def test_outside_the_block_sigint_interrupts_again() -> None:
    with shielded(lambda _m: None):
        pass
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)


def test_teardown_steps_are_described(tmp_path) -> None:
    temp = TempDir(prefix="stigmer-e2e-describe-")
    try:
        assert describe_stopper(temp.cleanup) == f"temp dir {temp.path}"
    finally:
        temp.cleanup()
    process = ManagedProcess("stigmer-server", ["true"], log_path=tmp_path / "log")
    assert describe_stopper(process.stop) == "process stigmer-server"

    class Project:
        project_name = "stigmer-e2e-1-abcdef-123456"

        def down(self) -> None: ...

    assert describe_stopper(Project().down) == (
        "compose project stigmer-e2e-1-abcdef-123456 (containers, networks, volumes)")
    assert describe_stopper(lambda: None) == ""
