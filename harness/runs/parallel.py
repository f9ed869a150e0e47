"""Run one behave selection as N worker processes sharing ONE stack.

    python scripts/parallel.py -j 2 --tags=@phase1

The parent starts the stack through the harness (``build_stack``, plus the execution
services when the selection needs them), describes it in ``<run>/stack.json`` and starts N
``behave`` workers with ``STIGMER_E2E_SHARED_STACK`` pointing at it: workers attach to the stack
and never stop it; each scenario still gets its own organization. Scenarios are spread by
their expected duration (the latest run's JUnit times, else tag estimates), longest first.
Scenarios whose tags need a stack of their own (``@fault``: they restart services) all go to
the last worker, which starts its own stack (and takes its share of the other scenarios).
``own_stacks`` gives every worker its own stack instead: more memory, but no shared model
endpoint to queue on (the embedded model serves one request at a time).

Everything lands in one run directory: ``workers/w<k>/`` (each worker's HTML report, JUnit,
console text, artifacts), merged ``junit/``, ``living-docs.md``/``.html`` and ``report.html``
(an index linking the workers' reports).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.checks.prerequisites import check_all
from harness.checks.secret_scan import record_masked
from harness.config import REPO_ROOT, load_config
from harness.reporting.junit import read_junit_dir
from harness.reporting.merge import merge_runs, summarize, write_index
from harness.reporting.progress import ProgressLog, phase
from harness.reporting.run_dir import RUN_DIR_ENV, run_directory
from harness.reporting.run_end import feature_paths
from harness.runs.leaks import LeakGuard
from harness.runs.selection import EXECUTION_TAGS, SelectedScenario, Selection, select
from harness.secrets import redact_tree, register_config_secrets
from harness.stack.build import build_stack
from harness.stack.shared import SHARED_STACK_ENV, describe

Emit = Callable[[str], None]
ISOLATED_TAGS = frozenset({"fault"})


@dataclass
class Worker:
    """One behave process and the scenarios it runs."""

    name: str
    scenarios: list[SelectedScenario] = field(default_factory=list)
    shared: bool = True
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    seconds: float = 0.0
    exit_code: int | None = None

    @property
    def load(self) -> float:
        return sum(scenario.estimate for scenario in self.scenarios)

    def locations(self) -> list[str]:
        """``file:line`` per scenario, grouped by file (behave merges adjacent ones)."""
        ordered = sorted(self.scenarios, key=lambda s: (s.filename, s.line))
        return [scenario.location for scenario in ordered]


def partition(scenarios: Sequence[SelectedScenario], jobs: int,
              isolated_tags: frozenset[str] = ISOLATED_TAGS,
              own_stacks: bool = False) -> list[Worker]:
    """Spread the scenarios over ``jobs`` workers, longest expected first onto the least loaded.

    Scenarios with an isolated tag all go to the last worker, which runs on a stack of its own
    (and takes its share of the others too); the rest share one stack. With ``own_stacks`` (or
    a single job) every worker starts its own stack.
    """
    jobs = max(1, jobs)
    isolated = [s for s in scenarios if s.tags & isolated_tags]
    workers = [Worker(f"w{index + 1}") for index in range(jobs)]
    if own_stacks or jobs == 1:
        for worker in workers:
            worker.shared = False
    elif isolated:
        workers[-1].shared = False
    if isolated:
        workers[-1].scenarios.extend(isolated)
    for scenario in sorted(scenarios, key=lambda s: -s.estimate):
        if not scenario.tags & isolated_tags:
            min(workers, key=lambda w: w.load).scenarios.append(scenario)
    return [worker for worker in workers if worker.scenarios]


def previous_durations(results_path: Path, runs: int = 10) -> dict[tuple[str, str], float]:
    """Scenario durations of the latest runs (the newest result wins), for balancing."""
    durations: dict[tuple[str, str], float] = {}
    run_dirs = sorted((results_path / "runs").glob("*"), reverse=True)[:runs]
    for run_dir in reversed(run_dirs):
        for junit in [run_dir / "junit", *sorted(run_dir.glob("workers/*/junit"))]:
            for case in read_junit_dir(junit):
                if case.outcome != "skipped":
                    durations[case.key] = case.seconds
    return durations


def behave_command(options: Sequence[str], locations: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "behave", *options, *locations]


def start_worker(worker: Worker, options: Sequence[str], run_dir: Path,
                 stack_file: Path | None) -> None:
    """Start ``behave`` for the worker's scenarios, its results under ``<run>/workers/``."""
    worker_dir = run_dir / "workers" / worker.name
    worker_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, RUN_DIR_ENV: str(worker_dir)}
    env.pop(SHARED_STACK_ENV, None)
    if worker.shared and stack_file is not None:
        env[SHARED_STACK_ENV] = str(stack_file)
    with (worker_dir / "behave-output.txt").open("wb") as output:
        worker.process = subprocess.Popen(
            behave_command(options, worker.locations()), stdout=output,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=REPO_ROOT)
    worker.started = time.monotonic()


def wait_all(workers: Sequence[Worker], emit: Emit, poll: float = 0.5) -> None:
    running = [w for w in workers if w.process is not None]
    while running:
        for worker in list(running):
            assert worker.process is not None
            code = worker.process.poll()
            if code is None:
                continue
            worker.exit_code = code
            worker.seconds = time.monotonic() - worker.started
            running.remove(worker)
            emit(f"[parallel] {worker.name}: {len(worker.scenarios)} scenarios, exit {code}, "
                 f"{worker.seconds:.1f}s")
        time.sleep(poll)


def stop_workers(workers: Sequence[Worker], grace: float = 20.0) -> None:
    """SIGTERM each running worker (behave then tears down cleanly), SIGKILL stragglers."""
    for worker in workers:
        if worker.process is not None and worker.process.poll() is None:
            worker.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for worker in workers:
        if worker.process is None:
            continue
        try:
            worker.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()


def run_on_shared_stack(selection: Selection, workers: list[Worker], alongside: list[Worker],
                        run_dir: Path, emit: Emit) -> None:
    """Start the shared stack, run ``workers`` on it (and ``alongside``, which bring their own
    stacks, at the same time), then stop it."""
    config = load_config(selection.userdata)
    register_config_secrets(config)
    report = check_all(config)
    (run_dir / "prerequisites.txt").write_text(report.summary() + "\n")
    emit(report.summary())
    if not report.results["stigmer"].ok:
        emit("[parallel] no Stigmer server can be started: the workers report why they skip")
        run_workers([*workers, *alongside], selection.options, run_dir, None, emit)
        return
    stack = build_stack(config, report, run_dir, emit)
    try:
        with phase(emit, f"[parallel] starting the shared stack ({stack.info.provider})"):
            stack.start()
        needs_services = [s for w in workers for s in w.scenarios
                          if s.tags & EXECUTION_TAGS and not report.missing_for_tags(list(s.tags))]
        services_ready, services_error = False, ""
        if needs_services:
            with phase(emit, "[parallel] execution services (LLM, Temporal, agent-runner)"):
                try:
                    stack.ensure_execution_services()
                    services_ready = True
                except Exception as error:
                    services_error = str(error)
                    emit(f"[parallel] execution services failed: {error}")
        for note in stack.info.notes:
            emit(f"[stack] {note}")
        stack_file = describe(stack, services_ready, services_error).save(run_dir / "stack.json")
        run_workers([*workers, *alongside], selection.options, run_dir, stack_file, emit)
    finally:
        with phase(emit, "[parallel] stopping the shared stack"):
            stack.stop()
        record_masked(run_dir, redact_tree(run_dir / "logs"))


def run_workers(workers: list[Worker], options: Sequence[str], run_dir: Path,
                stack_file: Path | None, emit: Emit) -> None:
    """Start every worker, wait for all of them (stopping them all if interrupted)."""
    with phase(emit, f"[parallel] {len(workers)} behave processes"):
        try:
            for worker in workers:
                start_worker(worker, options, run_dir, stack_file)
                where = "the shared stack" if worker.shared else "a stack of its own"
                emit(f"[parallel] {worker.name}: {len(worker.scenarios)} scenarios on {where} "
                     f"(~{worker.load:.0f}s expected)")
            wait_all(workers, emit)
        finally:
            stop_workers(workers)


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run_parallel(args: Sequence[str], jobs: int,
                 isolated_tags: frozenset[str] = ISOLATED_TAGS, own_stacks: bool = False) -> int:
    """Run ``behave <args>`` over ``jobs`` workers; return the exit code (0: all passed)."""
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    config = load_config(select_userdata(args))
    run_dir = run_directory(config.results_path)
    emit = ProgressLog()
    emit.attach(run_dir / "progress.log")
    started = time.monotonic()
    selection = select(args, previous_durations(config.results_path))
    workers = partition(selection.scenarios, jobs, isolated_tags, own_stacks)
    shared = [w for w in workers if w.shared]
    own = [w for w in workers if not w.shared]
    emit(f"[parallel] {len(selection.scenarios)} scenarios over {len(workers)} behave processes "
         f"({len(shared)} on a shared stack, {len(own)} with a stack of their own); "
         f"results in {run_dir}")
    guard = LeakGuard.begin(run_dir, config.results_path, config.compose_project_prefix, emit)
    interrupted = crashed = False
    try:
        if shared:
            run_on_shared_stack(selection, shared, own, run_dir, emit)
        elif own:
            run_workers(own, selection.options, run_dir, None, emit)
    except KeyboardInterrupt:
        emit("[parallel] interrupted")
        interrupted = True
    except Exception as error:  # the stack did not start: say why, keep what was written
        emit(f"[parallel] failed: {error}")
        crashed = True
    finally:
        leaks = guard.verify(emit)
        merge_runs(run_dir, [run_dir / "workers" / w.name for w in workers],
                   {s.feature: s.stem for s in selection.scenarios})
        write_index(run_dir, feature_paths(selection.paths), [
            (f"workers/{w.name}/report.html", f"{w.name}: full report ({len(w.scenarios)} "
             f"scenarios, exit {w.exit_code}, {w.seconds:.1f}s)") for w in workers])
    counts = summarize(run_dir, {scenario.key for scenario in selection.scenarios})
    emit(f"[parallel] {counts} in {time.monotonic() - started:.1f}s "
         f"({len(workers)} behave processes); report: {run_dir / 'report.html'}")
    if interrupted:
        return 130
    return 1 if crashed or leaks or any(w.exit_code != 0 for w in workers) else 0


def select_userdata(args: Sequence[str]) -> dict[str, str]:
    from behave.configuration import Configuration

    return dict(Configuration(list(args)).userdata)
