"""Run mutants: each on a fresh copy of the project, the whole default suite with ``--stop``.

    run_mutants(repo, mutants, settings) -> list[MutantResult]

Every suite run uses the ``processes`` provider (so a change to the agent-runner takes effect),
has a time limit, and writes its results to ``<results>/runs/<stamp>-mutation-<id>/``. On
Ctrl-C the running suites get SIGINT (their harness stops the stack), then SIGTERM/SIGKILL
after a grace period; copies are removed in every case.

A kill is *confirmed*: the first failing scenario is run again on the same copy without the
mutant and must pass there. When it fails there too (a timeout under machine load, say), the
kill proves nothing: the mutant's suite runs once more, and if no confirmed kill comes of it,
the mutant is INVALID ("not attributable").
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from harness.reporting.junit import CaseResult, read_junit_dir
from harness.reporting.run_dir import RUN_DIR_ENV

from .catalogue import Catalogue, Mutant, StaleMutant, apply_mutant, check_fresh, feature_order
from .results import MutantResult, RunOutcome, Verdict, classify, order_cases
from .workspace import fresh_copy

Emit = Callable[[str], None]
_PROBLEM = re.compile(r"error|exception|traceback|failed|abort", re.IGNORECASE)


@dataclass
class Settings:
    """How the mutants are run."""

    results_path: Path
    stamp: str
    time_limit: float = 900.0
    jobs: int = 1
    behave_args: Sequence[str] = ()
    grace: float = 90.0
    emit: Emit = print
    confirm: bool = True
    attempts: int = 2


@dataclass
class _Live:
    """The suite processes running now (so Ctrl-C can stop them, by PID)."""

    processes: set[subprocess.Popen[bytes]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)


def module_name(path: str) -> str:
    """``reference/server/phases.py`` -> ``reference.server.phases``."""
    dotted = path.removesuffix(".py").replace("/", ".")
    return dotted.removesuffix(".__init__")


def code_problem(root: Path, mutant: Mutant, timeout: float = 120.0) -> str:
    """Why the mutated module does not compile or import in the copy ("" when it does)."""
    path = root / mutant.file
    if path.suffix != ".py":
        return ""
    try:
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    except SyntaxError as exc:
        return f"does not compile: {exc.msg} (line {exc.lineno})"
    python = root / ".venv" / "bin" / "python"
    try:
        done = subprocess.run([str(python), "-c", f"import {module_name(mutant.file)}"],
                              cwd=root, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(root)})
    except subprocess.TimeoutExpired:
        return f"importing {module_name(mutant.file)} took more than {timeout:.0f} s"
    if done.returncode != 0:
        last = [line for line in done.stderr.splitlines() if line.strip()][-1:] or ["?"]
        return f"does not import: {last[0].strip()}"
    return ""


def problem_line(console: str) -> str:
    """The last line of a console text that names a problem (else its last line)."""
    lines = [line.strip() for line in console.splitlines() if line.strip()]
    problems = [line for line in lines if _PROBLEM.search(line)]
    return (problems or lines or [""])[-1]


def ordered_features(root: Path, catalogue: Catalogue, mutant: Mutant | None = None
                     ) -> list[str]:
    """Every feature file of the copy, in the order the catalogue wants them run (the
    mutant's hinted features first)."""
    names = [path.name for path in (root / "features").glob("*.feature")]
    hinted = mutant.features if mutant is not None else ()
    return feature_order(names, catalogue.run_first, catalogue.run_last, hinted)


def suite_command(features: Sequence[str], behave_args: Sequence[str]) -> list[str]:
    """``behave <features> --stop`` (the default selection) through the project's env script."""
    return ["bash", "scripts/with-stack-env.sh", ".venv/bin/python", "-m", "behave",
            *(f"features/{name}" for name in features), "--stop", *behave_args]


def scenario_command(case: CaseResult, behave_args: Sequence[str]) -> list[str]:
    """``behave`` of the one scenario a JUnit case names (its feature file, by exact name)."""
    feature = case.stem.rsplit(".", 1)[-1]
    name = f"^{re.escape(case.scenario.strip())}\\s*$"
    return ["bash", "scripts/with-stack-env.sh", ".venv/bin/python", "-m", "behave",
            f"features/{feature}.feature", "-n", name, *behave_args]


def first_failure(cases: Sequence[CaseResult]) -> CaseResult | None:
    """The first failed scenario, in run order."""
    return next((case for case in cases if case.outcome == "failed"), None)


def suite_env(root: Path, run_dir: Path, results_path: Path) -> dict[str, str]:
    """The suite's environment: processes provider, this run's directory, the copy first."""
    env = dict(os.environ)
    env.update({"STIGMER_E2E_SERVICES": "processes", RUN_DIR_ENV: str(run_dir),
                "STIGMER_E2E_RESULTS_DIR": str(results_path), "PYTHONPATH": str(root),
                "PYTHONDONTWRITEBYTECODE": "1"})
    return env


def _stop(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM (the harness stops its stack, as on Ctrl-C), then SIGKILL, by PID.

    Not SIGINT: a suite started from a background job inherits SIGINT ignored.
    """
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        if process.poll() is not None:
            return
        try:
            os.kill(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue


def run_suite(root: Path, run_dir: Path, catalogue: Catalogue, settings: Settings,
              live: _Live, only: CaseResult | None = None, mutant: Mutant | None = None
              ) -> RunOutcome:
    """Run the suite in the copy at ``root`` (or just the scenario ``only``), the ``mutant``'s
    hinted features first; read its JUnit XML."""
    run_dir.mkdir(parents=True, exist_ok=True)
    console_path = run_dir / "mutation-console.txt"
    started = time.monotonic()
    timed_out = False
    features = ordered_features(root, catalogue, mutant)
    command = suite_command(features, settings.behave_args)
    if only is not None:
        features = [only.stem.rsplit(".", 1)[-1] + ".feature"]
        command = scenario_command(only, settings.behave_args)
    with console_path.open("wb") as console, live.lock:
        if live.stopping.is_set():  # interrupted: start nothing new
            raise KeyboardInterrupt
        process = subprocess.Popen(
            command, cwd=root,
            env=suite_env(root, run_dir, settings.results_path), stdout=console,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        live.processes.add(process)
    try:
        process.wait(timeout=settings.time_limit)
    except subprocess.TimeoutExpired:
        timed_out = True
        _stop(process, settings.grace)
    finally:
        with live.lock:
            live.processes.discard(process)
    seconds = time.monotonic() - started
    console_text = console_path.read_text(encoding="utf-8", errors="replace")
    stems = [name.removesuffix(".feature") for name in features]
    cases = order_cases(read_junit_dir(run_dir / "junit"), stems)
    return RunOutcome(process.returncode if process.returncode is not None else -1, cases,
                      timed_out, seconds, problem_line(console_text[-20000:]))


def run_mutant(repo: Path, mutant: Mutant, catalogue: Catalogue, settings: Settings,
               live: _Live) -> MutantResult:
    """Apply one mutant to a fresh copy, run the suite there, classify (and confirm) the run."""
    run_dir = settings.results_path / "runs" / f"{settings.stamp}-mutation-{mutant.id}"
    base = {"id": mutant.id, "file": mutant.file, "breaks": mutant.breaks}
    if mutant.equivalent:
        return MutantResult(**base, verdict=Verdict.EQUIVALENT, detail=mutant.equivalent)
    started = time.monotonic()
    with fresh_copy(repo, mutant.id) as root:
        original = (root / mutant.file).read_text(encoding="utf-8") \
            if (root / mutant.file).is_file() else ""
        try:
            apply_mutant(root, mutant)
        except StaleMutant as exc:
            return MutantResult(**base, verdict=Verdict.STALE, detail=str(exc))
        mutated = (root / mutant.file).read_text(encoding="utf-8")
        problem = code_problem(root, mutant)
        if problem:
            return MutantResult(**base, verdict=Verdict.INVALID, detail=problem,
                                seconds=time.monotonic() - started)
        for attempt in range(1, max(1, settings.attempts) + 1):
            if live.stopping.is_set():
                raise KeyboardInterrupt
            suffix = "" if attempt == 1 else f"-try{attempt}"
            (root / mutant.file).write_text(mutated, encoding="utf-8")
            outcome = run_suite(root, run_dir.with_name(run_dir.name + suffix), catalogue,
                                settings, live, mutant=mutant)
            if live.stopping.is_set():
                raise KeyboardInterrupt
            verdict, detail = classify(outcome)
            failed = first_failure(outcome.cases)
            if verdict is not Verdict.KILLED or failed is None or not settings.confirm:
                break
            (root / mutant.file).write_text(original, encoding="utf-8")
            clean = run_suite(root, run_dir.with_name(run_dir.name + suffix + "-clean"),
                              catalogue, settings, live, only=failed)
            if live.stopping.is_set():
                raise KeyboardInterrupt
            clean_verdict, _ = classify(clean)
            if clean_verdict is Verdict.SURVIVED:
                break  # confirmed: the scenario passes without the mutant
            verdict = Verdict.INVALID
            detail = (f"not attributable: {failed.feature}: {failed.scenario} failed "
                      f"with the mutant and also without it (attempt {attempt})")
            settings.emit(f"[mutation] {mutant.id}: {detail}; "
                          + ("trying again" if attempt < settings.attempts else "giving up"))
    if live.stopping.is_set():
        raise KeyboardInterrupt
    passed = sum(case.outcome == "passed" for case in outcome.cases)
    skipped = sum(case.outcome == "skipped" for case in outcome.cases)
    if verdict is Verdict.SURVIVED:  # many skips would show a suite that did not really run
        detail = f"suite passed: {passed} scenarios passed, {skipped} skipped"
    return MutantResult(**base, verdict=verdict, detail=detail,
                        seconds=time.monotonic() - started, passed=passed, skipped=skipped,
                        run_dir=os.path.relpath(run_dir, settings.results_path))


def run_mutants(repo: Path, mutants: Sequence[Mutant], catalogue: Catalogue,
                settings: Settings) -> tuple[list[MutantResult], bool]:
    """Run every mutant (``settings.jobs`` at a time); returns the results in catalogue order
    and whether the run was interrupted (then only the finished ones are returned)."""
    live = _Live()
    stale = check_fresh(repo, mutants)
    results: dict[str, MutantResult] = {}
    for mutant in mutants:
        if mutant.id in stale and not mutant.equivalent:
            results[mutant.id] = MutantResult(mutant.id, mutant.file, mutant.breaks,
                                              Verdict.STALE, stale[mutant.id])
    todo = [m for m in mutants if m.id not in results]
    lock = threading.Lock()

    def one(mutant: Mutant) -> None:
        if live.stopping.is_set():
            return
        try:
            result = run_mutant(repo, mutant, catalogue, settings, live)
        except KeyboardInterrupt:
            return
        with lock:
            results[mutant.id] = result
        settings.emit(f"[mutation] {result.id}: {result.verdict.value} "
                      f"({result.seconds:.0f} s) {result.detail}".rstrip())

    interrupted = False
    pool = ThreadPoolExecutor(max_workers=max(1, settings.jobs))
    futures = [pool.submit(one, mutant) for mutant in todo]
    try:
        for future in futures:
            future.result()
    except KeyboardInterrupt:
        interrupted = True
        settings.emit("[mutation] interrupted: stopping the running suites ...")
        with live.lock:
            live.stopping.set()
            running = list(live.processes)
        for process in running:
            _stop(process, settings.grace)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    ordered = [results[m.id] for m in mutants if m.id in results]
    return ordered, interrupted
