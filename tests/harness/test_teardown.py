"""harness.teardown: a signal during teardown is held, and each step says what it removed."""

from __future__ import annotations

import os
import signal
import time

import pytest

from harness.processes import ManagedProcess, TempDir
from harness.teardown import describe_stopper, exit_if_signalled, shielded


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
    assert messages and sig.name in messages[0] and "finishing the teardown" in messages[0]
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
