"""harness.scenario.watchdog: a stuck scenario is interrupted where it hangs, with every stack."""

from __future__ import annotations

import threading
import time

import pytest

from harness.scenario.watchdog import ScenarioTimeout, Watchdog, where


def sleeping_step() -> None:
    time.sleep(30)


def test_a_scenario_past_its_limit_is_interrupted_where_it_hangs() -> None:
    watchdog = Watchdog(0.5)
    started = time.monotonic()
    watchdog.arm("stuck scenario")
    try:
        with pytest.raises(ScenarioTimeout) as raised:
            sleeping_step()
    finally:
        dump = watchdog.disarm()
    assert time.monotonic() - started < 5
    assert "scenario_timeout=0.5s" in str(raised.value)
    assert "in sleeping_step" in str(raised.value)
    assert dump is not None and dump.startswith("stuck scenario: stopped by the watchdog")
    assert "sleeping_step" in dump and "time.sleep(30)" in dump


def test_the_dump_holds_every_thread() -> None:
    release = threading.Event()
    helper = threading.Thread(target=release.wait, name="helper-thread", daemon=True)
    helper.start()
    watchdog = Watchdog(0.2)
    watchdog.arm("s")
    try:
        with pytest.raises(ScenarioTimeout):
            sleeping_step()
    finally:
        dump = watchdog.disarm()
        release.set()
    assert "Thread helper-thread" in (dump or "")


def test_a_disarmed_watchdog_never_fires() -> None:
    watchdog = Watchdog(0.2)
    watchdog.arm("quick")
    assert watchdog.disarm() is None
    time.sleep(0.4)  # no ScenarioTimeout arrives later


def test_where_names_the_innermost_project_frames() -> None:
    import sys

    def inner() -> str:
        return where(sys._getframe())

    assert inner().startswith("tests/harness/scenario/test_watchdog.py:")
    assert "in inner, called from" in inner()
