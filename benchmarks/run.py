#!/usr/bin/env python3
"""Benchmarks of the suite and the reference stack, in one command.

    python benchmarks/run.py [--quick] [--no-images] [--no-server]
                             [--providers compose,processes] [--executions N]

Prints a table and writes it to ``benchmarks/results/latest.md`` plus a dated copy.
Measures: stack cold and warm start (server; execution services per provider), the latency
of one execution through the stack, the overhead of a server-only scenario, the wall time of
a full-execution scenario and of the whole default suite, the parallel speedup
(``scripts/parallel.py``), the model's generation speed (``benchmarks/llm_benchmark.py``),
the server's API latencies and subscriber fan-out (``benchmarks/server_benchmark.py``) and the
image build time, cold and warm (``benchmarks/images_benchmark.py``; skipped without Docker).
``--quick`` leaves out the whole suite and the parallel run (minutes each); ``--no-images``
the image builds (about 1.5 minutes), ``--no-server`` the server benchmark. Nothing is
asserted; every number says where it came from.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from harness.checks.prerequisites import check_all  # noqa: E402
from harness.config import load_config  # noqa: E402
from harness.stack.build import build_stack  # noqa: E402
from harness.stigmer.client import StigmerApi  # noqa: E402
from harness.stigmer.manifests import load_manifests  # noqa: E402

RESULTS = REPO_ROOT / "benchmarks" / "results"
Row = tuple[str, str, str]  # measure, value, how
Goal = tuple[str, str, str, str]  # goal, target, measured, ratio or verdict
GOALS: list[Goal] = []  # issue 17's goals, filled in as the run measures them


def goal(name: str, target: str, measured: str, ratio: str = "") -> None:
    """Record a goal's measured value (printed together at the end)."""
    GOALS.append((name, target, measured, ratio))


def quiet(_message: str) -> None:
    return None


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = Path("/proc/meminfo").read_text().split()[1]
    return (f"{platform.node()}: {os.cpu_count()} cores ({cpu}), "
            f"{int(memory) // 1024 // 1024} GiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def timed(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def execution_latencies(address: str, count: int) -> list[float]:
    """Seconds from creating an execution of the basic agent to seeing it COMPLETED."""
    api = StigmerApi(address, "local", f"bench-{os.getpid()}")
    try:
        agents = api.apply_all(load_manifests(REPO_ROOT / "features/fixtures/agents/basic"))
        greeter = next(a for a in agents if a.metadata.slug == "greeter")
        latencies = []
        for _ in range(count):
            started = time.monotonic()
            execution = api.agent_executions.run(greeter, "Say hello")
            api.agent_executions.wait_for_phase(execution.metadata.id, "COMPLETED", timeout=60,
                                                interval=0.05)
            latencies.append(time.monotonic() - started)
        return latencies
    finally:
        api.close()


def model_latencies(llm_url: str, count: int, max_tokens: int) -> list[float]:
    """The model alone, the greeter's prompt (its instructions as the system message,
    "Say hello" from the user, greedy, the runner's max tokens): seconds per answer."""
    import ollama
    greeter = next(m for m in load_manifests(REPO_ROOT / "features/fixtures/agents/basic")
                   if m.name == "greeter")
    messages = [{"role": "system", "content": greeter.document["spec"]["instructions"]},
                {"role": "user", "content": "Say hello"}]
    client = ollama.Client(host=llm_url, timeout=120)
    latencies = []
    for _ in range(count):
        latencies.append(timed(lambda: client.chat(
            "smollm2:135m", messages=messages,
            options={"temperature": 0, "num_predict": max_tokens})))
    return latencies


def burst(address: str, count: int) -> tuple[int, float]:
    """``count`` executions of the greeter created at once (8 threads); how many COMPLETED
    and the seconds from the first create to the last COMPLETED."""
    from concurrent.futures import ThreadPoolExecutor
    api = StigmerApi(address, "local", f"burst-{os.getpid()}")
    try:
        agents = api.apply_all(load_manifests(REPO_ROOT / "features/fixtures/agents/basic"))
        greeter = next(a for a in agents if a.metadata.slug == "greeter")

        def one(_index: int) -> bool:
            execution = api.agent_executions.run(greeter, "Say hello")
            try:
                api.agent_executions.wait_for_phase(execution.metadata.id, "COMPLETED", timeout=600,
                                   interval=0.2)
                return True
            except Exception:  # counted as not completed
                return False

        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            completed = sum(pool.map(one, range(count)))
        return completed, time.monotonic() - started
    finally:
        api.close()


def stack_rows(provider: str, executions: int, burst_size: int = 0) -> list[Row]:
    """Start the embedded stack twice (cold, then warm) with one provider."""
    rows: list[Row] = []
    os.environ["STIGMER_E2E_SERVICES"] = provider
    config = load_config({})
    report = check_all(config)
    for attempt in ("cold", "warm"):
        with tempfile.TemporaryDirectory(prefix="stigmer-e2e-bench-") as tmp:
            stack = build_stack(config, report, Path(tmp), quiet)
            try:
                server_s = timed(stack.start)
                services_s = timed(stack.ensure_execution_services)
                if attempt == "warm":
                    latencies = execution_latencies(stack.info.server_address, executions)
                    model = model_latencies(stack.info.llm_url, executions,
                                            config.llm_max_tokens)
                    if burst_size:
                        done, burst_s = burst(stack.info.server_address, burst_size)
            finally:
                stop_s = timed(stack.stop)
        rows.append((f"{provider}: server start ({attempt})", f"{server_s:.2f} s",
                     "StigmerServerProcess until healthy"))
        rows.append((f"{provider}: LLM + Temporal + agent-runner start ({attempt})",
                     f"{services_s:.1f} s", "Stack.ensure_execution_services"))
        rows.append((f"{provider}: stack stop ({attempt})", f"{stop_s:.1f} s", "stack.stop"))
    rows.append((f"{provider}: execution latency (median of {executions})",
                 f"{statistics.median(latencies):.2f} s",
                 f"create -> COMPLETED through the API, max {max(latencies):.2f} s"))
    rows.append((f"{provider}: the model alone, same prompt (median of {executions})",
                 f"{statistics.median(model):.2f} s", "/api/chat to the stack's LLM: the "
                 "greeter's instructions + 'Say hello', greedy"))
    ratio = statistics.median(latencies) / statistics.median(model)
    goal(f"execution latency vs the model's own ({provider})", "<= x1.15",
         f"{statistics.median(latencies):.2f} s vs {statistics.median(model):.2f} s",
         f"x{ratio:.2f} {'met' if ratio <= 1.15 else 'missed'}")
    if burst_size:
        rate = done / burst_s
        rows.append((f"{provider}: burst of {burst_size}", f"{done}/{burst_size} in "
                     f"{burst_s:.1f} s", f"{rate:.2f} executions/s; created by 8 threads"))
        verdict = "met" if rate >= 3 and done == burst_size else "missed"
        goal(f"burst throughput ({provider}, {burst_size} executions)",
             ">= 3 executions/s, all completed" + ("" if burst_size == 100 else
                                                   " (the goal is for 100)"),
             f"{rate:.2f}/s, {done}/{burst_size} completed", verdict)
    return rows


def behave_wall(*args: str, env: dict[str, str] | None = None) -> tuple[float, str]:
    """Wall time of a behave run (own results dir; no reports in the repo)."""
    with tempfile.TemporaryDirectory(prefix="stigmer-e2e-bench-") as tmp:
        argv = [sys.executable, "-m", "behave", *args, "-D", f"results_dir={tmp}",
                "--no-junit", "-f", "progress"]
        started = time.monotonic()
        result = subprocess.run(argv, cwd=REPO_ROOT, env={**os.environ, **(env or {})},
                                capture_output=True, text=True, timeout=3600, check=False)
        wall = time.monotonic() - started
    summary = re.findall(r"^(\d+ scenarios? passed, \d+ failed, \d+ skipped)", result.stdout,
                         re.MULTILINE)
    return wall, (summary[-1] if summary else f"exit {result.returncode}")


def scenario_rows() -> list[Row]:
    rows: list[Row] = []
    processes = {"STIGMER_E2E_SERVICES": "processes"}
    empty, _ = behave_wall("features/agent_deployment.feature", "--tags=@no-such-tag",
                           env=processes)
    phase1, summary = behave_wall("features/", "--tags=@phase1",
                                  "--tags=not @requires-temporal", "--tags=not @requires-llm",
                                  env=processes)
    count = int(summary.split()[0]) if summary[0].isdigit() else 1
    rows.append(("behave start + server + teardown, no scenario", f"{empty:.1f} s",
                 "behave --tags=@no-such-tag"))
    rows.append(("server-only scenario overhead", f"{(phase1 - empty) / count:.2f} s",
                 f"(server-only @phase1 run - empty run) / {count} ({summary})"))
    full, summary = behave_wall("features/agent_execution.feature", "-n",
                                "An execution goes through its phases", env=processes)
    rows.append(("one full-execution scenario, whole run", f"{full:.1f} s",
                 f"processes provider, services started for it ({summary})"))
    return rows


def suite_rows() -> list[Row]:
    rows: list[Row] = []
    wall, summary = behave_wall("features/")
    rows.append(("whole default suite (behave features/)", f"{wall:.0f} s", summary))
    goal("whole default suite wall time", "<= 150 s", f"{wall:.0f} s ({summary})",
         f"x{wall / 150:.2f} of the goal {'met' if wall <= 150 else 'missed'}")
    selection = ["--tags=@phase1"]
    serial, serial_summary = behave_wall(*selection)
    parallel_script = REPO_ROOT / "scripts" / "parallel.py"
    if not parallel_script.exists():
        rows.append(("parallel speedup", "n/a", "scripts/parallel.py does not exist"))
        return rows
    started = time.monotonic()
    result = subprocess.run([sys.executable, str(parallel_script), "-j", "2", *selection],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=3600,
                            check=False)
    parallel = time.monotonic() - started
    rows.append(("@phase1 serial vs 2 workers", f"{serial:.1f} s vs {parallel:.1f} s",
                 f"speedup x{serial / parallel:.2f} ({serial_summary}; parallel exit "
                 f"{result.returncode})"))
    speedup = serial / parallel
    goal("-j 2 speed-up (@phase1)", ">= x1.6", f"{serial:.0f} s -> {parallel:.0f} s",
         f"x{speedup:.2f} {'met' if speedup >= 1.6 else 'missed'}")
    return rows


def command_goal(name: str, target_s: float, argv: list[str], note: str) -> Row:
    """Wall time of a command run from the repository root, recorded as a goal."""
    started = time.monotonic()
    result = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=3600, check=False)
    wall = time.monotonic() - started
    tail = (result.stdout.strip().splitlines() or [""])[-1][:80]
    goal(name, f"<= {target_s:.0f} s", f"{wall:.0f} s ({note}; exit {result.returncode})",
         f"x{wall / target_s:.2f} of the goal {'met' if wall <= target_s else 'missed'}")
    return (name, f"{wall:.0f} s", f"`{' '.join(argv)}`: exit {result.returncode}, {tail}")


def time_rows() -> list[Row]:
    """``make test`` (ruff + pytest; set-up already done) and the set-up itself (warm: on
    this machine it is already done, so this measures the idempotent re-run)."""
    return [
        command_goal("make test", 90, ["make", "test"], "includes the idempotent set-up"),
        command_goal("set-up (warm re-run; a fresh machine is not measured here)", 100,
                     ["bash", "scripts/setup.sh"], "already set up"),
    ]


def llm_rows() -> list[Row]:
    result = subprocess.run([sys.executable, str(REPO_ROOT / "benchmarks/llm_benchmark.py"),
                             "--runs", "3"], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=300, check=False)
    rows: list[Row] = []
    literal = ("time to ready", "greeting, warm (median)", "generation speed")
    for name in [*map(re.escape, literal), r"burst of \d+ greetings, 4 clients"]:
        match = re.search(rf"^({name})\S*\s+(.+?)\s{{2,}}(.*)$", result.stdout, re.MULTILINE)
        if match:
            rows.append((f"LLM {match.group(1)}", match.group(2).strip(),
                         f"benchmarks/llm_benchmark.py; {match.group(3).strip()}"))
    if not rows:
        rows.append(("LLM", "n/a", f"llm_benchmark.py failed: {result.stderr[-200:]}"))
    return rows


def script_rows(script: str, label: str, timeout: float) -> list[Row]:
    """Rows of the Markdown table another benchmark script prints (``| a | b | how |``),
    each ``how`` prefixed with the script's name; ``skipped: ...`` becomes one row."""
    path = REPO_ROOT / "benchmarks" / script
    try:
        result = subprocess.run([sys.executable, str(path)], cwd=REPO_ROOT, capture_output=True,
                                text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return [(label, "n/a", f"{script} timed out after {timeout:.0f} s")]
    rows: list[Row] = []
    for line in result.stdout.splitlines():
        if line.startswith("skipped: "):
            return [(label, "skipped", f"{script}: {line.removeprefix('skipped: ')}")]
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 3 and cells[0] != "measure":
            rows.append((f"{label}: {cells[0]}", cells[1], f"{script}: {cells[2]}"))
    if not rows:
        rows.append((label, "n/a", f"{script} failed (exit {result.returncode}): "
                                   f"{result.stderr.strip()[-200:]}"))
    return rows


def table(rows: list[Row]) -> str:
    lines = ["| measure | value | how |", "|---|---|---|"]
    lines += [f"| {m} | {v} | {h} |" for m, v, h in rows]
    return "\n".join(lines)


def goal_table() -> str:
    lines = ["| goal | target | measured | ratio / verdict |", "|---|---|---|---|"]
    lines += [f"| {g} | {t} | {m} | {r} |" for g, t, m, r in GOALS]
    if not GOALS:
        lines.append("| (none measured) | | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="leave out the whole suite and the parallel run")
    parser.add_argument("--providers", default="",
                        help="comma-separated: compose,processes (default: both where "
                             "Docker answers, else processes)")
    parser.add_argument("--executions", type=int, default=5)
    parser.add_argument("--burst", type=int, default=0,
                        help="executions created at once per provider (default 100, "
                             "20 with --quick; 0 = the default)")
    parser.add_argument("--no-images", action="store_true",
                        help="leave out the image builds (cold, forced, warm)")
    parser.add_argument("--no-server", action="store_true",
                        help="leave out benchmarks/server_benchmark.py")
    args = parser.parse_args(argv)
    os.environ["PATH"] = f"{REPO_ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}"
    providers = [p for p in args.providers.split(",") if p]
    if not providers:
        docker_ok = check_all(load_config({})).results["docker"].ok
        providers = ["compose", "processes"] if docker_ok else ["processes"]
    burst_size = args.burst or (20 if args.quick else 100)
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    rows: list[Row] = []
    if not args.no_images:
        print("[bench] image builds ...", file=sys.stderr, flush=True)
        rows += script_rows("images_benchmark.py", "images", timeout=3600)
    for provider in providers:
        print(f"[bench] stack with {provider} ...", file=sys.stderr, flush=True)
        rows += stack_rows(provider, args.executions, burst_size)
    os.environ.pop("STIGMER_E2E_SERVICES", None)
    print("[bench] scenarios ...", file=sys.stderr, flush=True)
    rows += scenario_rows()
    if not args.quick:
        print("[bench] whole suite and parallel run ...", file=sys.stderr, flush=True)
        rows += suite_rows()
        print("[bench] make test and set-up ...", file=sys.stderr, flush=True)
        rows += time_rows()
    print("[bench] LLM ...", file=sys.stderr, flush=True)
    rows += llm_rows()
    if not args.no_server:
        print("[bench] server API ...", file=sys.stderr, flush=True)
        rows += script_rows("server_benchmark.py", "server", timeout=600)
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
    flags = [f for f, on in (("--quick", args.quick), ("--no-images", args.no_images),
                             ("--no-server", args.no_server)) if on]
    command = " ".join(["python benchmarks/run.py", *flags])
    text = (f"# Benchmarks ({stamp})\n\nMachine: {machine()}\n"
            f"Load while measuring: {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} "
            "at the end (1-min averages)\n"
            f"Took {time.monotonic() - started:.0f} s. Command: "
            f"`{command}`\n\n## Goals (issue 17)\n\n{goal_table()}\n\n"
            f"## All measures\n\n{table(rows)}\n")
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(text)
    (RESULTS / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
