#!/usr/bin/env python3
"""Interrupt N real behave runs at random moments and check that nothing is left behind.

    python benchmarks/interrupt_stress.py [--runs 20] [--services processes|compose]
                                          [--max-delay 45] [--seed S]

Each run is a small real selection (a server-only scenario, then a workflow scenario that
brings up the execution services), in its own results directory and its own ``TMPDIR``. At a
random moment (uniform in 0.5 s .. ``--max-delay``: set-up, scenarios or teardown) it gets
one of: SIGINT to behave alone (as some CI runners send), SIGINT to its process group
(Ctrl-C), SIGTERM to behave. Afterwards nothing the run started may be alive or on disk:

* processes: the run's process records (``<run>/pids``) and any process whose environment
  carries the run's ``TMPDIR`` (psutil), so unrecorded children count too;
* temp dirs: anything in the run's ``TMPDIR``;
* compose projects named after the behave process (with Docker).

Prints one row per run and a summary; exit 1 when any run left something (which is then
removed, so one bad run does not spoil the next).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from harness.config import ENV_PREFIX  # noqa: E402
from harness.runs import leaks  # noqa: E402

SELECTION = ["features/agent_deployment.feature", "features/workflow_execution.feature",
             "-n", "Every agent gets a default instance",
             "-n", "Running a workflow fetches data and keeps the result"]
KINDS = ("SIGINT behave", "SIGINT group", "SIGTERM behave")
EXIT_LIMIT = 180.0  # seconds a signalled run may take to finish its teardown


@dataclass
class Outcome:
    number: int
    kind: str
    delay: float
    phase: str = ""
    exit_code: int | None = None
    stop_seconds: float = 0.0
    leftovers: list[str] = field(default_factory=list)

    def row(self) -> str:
        left = "; ".join(self.leftovers) or "none"
        return (f"| {self.number:>3} | {self.kind:<14} | {self.delay:>6.1f} | "
                f"{self.phase[:54]:<54} | {self.exit_code!s:>4} | {self.stop_seconds:>6.1f} | "
                f"{left} |")


HEADER = ("| run | signal         | at (s) | stage: last progress line when signalled"
          + " " * 14 + " | exit | stop s | left behind |\n"
          "|----:|----------------|-------:|" + "-" * 56 + "|-----:|-------:|-------------|")


def last_progress(results: Path) -> str:
    """The stage the run was in (set-up, scenarios, teardown) and its last progress line."""
    logs = sorted(results.glob("runs/*/progress.log"))
    if not logs:
        return "set-up: (no run directory yet)"
    text = logs[-1].read_text(errors="replace")
    lines = text.strip().splitlines()
    last = lines[-1].split(" ", 1)[-1] if lines else "(run directory made)"
    if "[stack] stopping" in text or "[stack] removed" in text or "[leaks]" in text:
        stage = "teardown"
    elif re.search(r"\[stack\] starting \(\w+\): done", text):
        # The server is up: the scenarios run (the first needs nothing more; the second
        # brings up the execution services in its before_scenario hook).
        stage = "scenarios"
    else:
        stage = "set-up"
    return f"{stage}: {last}"


def processes_with_tmpdir(tmpdir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get("TMPDIR") == str(tmpdir):
                found.append(process)
        except psutil.Error:
            continue
    return found


def leftovers(results: Path, tmpdir: Path, behave_pid: int, services: str) -> list[str]:
    found = [f"process {record.describe()}"
             for record in leaks.read_records(results.glob(f"runs/*/{leaks.REGISTRY}"))
             if record.alive()]
    recorded = {record.pid for record in leaks.read_records(
        results.glob(f"runs/*/{leaks.REGISTRY}"))}
    found += [f"process PID {p.pid} ({' '.join(leaks.cmdline(p.pid))[:60]})"
              for p in processes_with_tmpdir(tmpdir)
              if p.pid not in recorded and leaks.is_running(p.pid)]
    found += [f"temp {entry.name}" for entry in sorted(tmpdir.iterdir())]
    if services == "compose":
        projects = leaks.live_compose_projects() or set()
        found += [f"compose project {name}"
                  for name in leaks.own_compose_projects(projects, behave_pid)]
    return found


def remove_leftovers(results: Path, tmpdir: Path, behave_pid: int) -> None:
    for record in leaks.read_records(results.glob(f"runs/*/{leaks.REGISTRY}")):
        if record.alive():
            leaks.stop_process_group(record.pid)
    for process in processes_with_tmpdir(tmpdir):
        leaks.stop_process_group(process.pid)
    projects = leaks.live_compose_projects() or set()
    if leaks.own_compose_projects(projects, behave_pid):
        from harness.stack.compose import remove_project_resources
        from harness.stack.docker_engine import docker_client

        client = docker_client(timeout=10)
        try:
            for name in leaks.own_compose_projects(projects, behave_pid):
                remove_project_resources(client, name)
        finally:
            client.close()


def send(process: subprocess.Popen[bytes], kind: str) -> None:
    if kind == "SIGINT group":
        os.killpg(process.pid, signal.SIGINT)
    elif kind == "SIGINT behave":
        os.kill(process.pid, signal.SIGINT)
    else:
        os.kill(process.pid, signal.SIGTERM)


def interrupted_run(number: int, kind: str, delay: float, work: Path, services: str) -> Outcome:
    results, tmpdir = work / f"run-{number}", work / f"run-{number}-tmp"
    results.mkdir()
    tmpdir.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(ENV_PREFIX)}
    env.update(TMPDIR=str(tmpdir), PYTHONUNBUFFERED="1", **{f"{ENV_PREFIX}SERVICES": services},
               PATH=f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    log = (work / f"run-{number}.out").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "behave", *SELECTION, "-D", f"results_dir={results}",
         "--no-junit", "-f", "plain", "-o", str(results / "behave.txt")],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    outcome = Outcome(number, kind, delay)
    try:
        try:
            process.wait(timeout=delay)
            outcome.phase = "(finished before the signal)"
        except subprocess.TimeoutExpired:
            outcome.phase = last_progress(results)
            send(process, kind)
        signalled = time.monotonic()
        try:
            outcome.exit_code = process.wait(timeout=EXIT_LIMIT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            outcome.exit_code = process.wait()
            outcome.leftovers.append(f"behave still running {EXIT_LIMIT:g}s after the signal")
        outcome.stop_seconds = time.monotonic() - signalled
        if outcome.phase.startswith("(finished") and outcome.exit_code not in (0, 1):
            outcome.leftovers.append(f"behave exited {outcome.exit_code} without a signal "
                                     f"(see {log.name})")
    finally:
        log.close()
    time.sleep(0.5)  # let the kernel reap what the teardown stopped
    outcome.leftovers += leftovers(results, tmpdir, process.pid, services)
    if outcome.leftovers:
        remove_leftovers(results, tmpdir, process.pid)
    return outcome


def stress(runs: int, services: str, max_delay: float, seed: int | None,
           emit=print) -> list[Outcome]:
    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="stigmer-e2e-interrupt-stress-"))
    outcomes: list[Outcome] = []
    emit(HEADER)
    try:
        for number in range(1, runs + 1):
            kind = KINDS[(number - 1) % len(KINDS)] if runs >= len(KINDS) else rng.choice(KINDS)
            outcome = interrupted_run(number, kind, rng.uniform(0.5, max_delay), work,
                                      services)
            outcomes.append(outcome)
            emit(outcome.row())
    finally:
        if all(not outcome.leftovers for outcome in outcomes):
            shutil.rmtree(work, ignore_errors=True)
        else:
            emit(f"(runs kept for inspection: {work})")
    left = sum(1 for outcome in outcomes if outcome.leftovers)
    slowest = max((outcome.stop_seconds for outcome in outcomes), default=0.0)
    emit(f"\n{len(outcomes)} interrupted runs ({services}): {left} left something behind; "
         f"slowest teardown {slowest:.1f}s after the signal")
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--services", choices=("processes", "compose"), default="processes")
    parser.add_argument("--max-delay", type=float, default=45.0,
                        help="latest moment of the signal, in seconds after the start")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    outcomes = stress(args.runs, args.services, args.max_delay, args.seed)
    return 1 if any(outcome.leftovers for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
