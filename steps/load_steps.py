"""Steps that start a burst of executions and measure how the platform copes."""

from __future__ import annotations

import json
import math
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from behave import then, when
from hamcrest import assert_that, equal_to, greater_than, has_items, has_length

from harness.checks.load import execution_problems
from harness.checks.paging import listed_ids, paging_problems
from harness.reporting.load_chart import Sample, write_load_charts
from harness.stigmer.agents import phase_name

STARTERS = 16  # client threads creating executions at once
POLL_INTERVAL = 0.5


@dataclass
class BurstReport:
    """What a burst of executions measured."""

    executions: int
    completed: int
    phases: dict[str, int]
    wall_s: float
    throughput_per_s: float
    latency_p50_s: float
    latency_p95_s: float
    latency_max_s: float

    def markdown(self) -> str:
        rows = [("executions", self.executions), ("completed", self.completed),
                ("phases", ", ".join(f"{k} {v}" for k, v in sorted(self.phases.items()))),
                ("wall time", f"{self.wall_s:.1f} s"),
                ("throughput", f"{self.throughput_per_s:.2f} executions/s"),
                ("latency p50", f"{self.latency_p50_s:.2f} s"),
                ("latency p95", f"{self.latency_p95_s:.2f} s"),
                ("latency max", f"{self.latency_max_s:.2f} s")]
        return "| measure | value |\n|---|---|\n" + "".join(
            f"| {name} | {value} |\n" for name, value in rows)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else 0.0


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@when('I start {count:d} executions of the agent "{slug}" at once with the message "{message}"')
def step_start_burst(context, count: int, slug: str, message: str) -> None:
    world = context.world
    agent = world.agent(slug)

    def start(_index: int) -> tuple[str, datetime]:
        execution = world.api.agent_executions.run(agent, message)
        return execution.metadata.id, datetime.now(UTC)

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=STARTERS) as pool:
        started = list(pool.map(start, range(count)))
    context.world.burst = {"started": dict(started), "began": began,
                     "start_s": time.monotonic() - began, "agent_id": agent.metadata.id,
                     "message": message}


@then("all {count:d} executions end within {seconds:d} seconds")
def step_burst_ends(context, count: int, seconds: int) -> None:
    world, burst = context.world, context.world.burst
    assert_that(burst["started"], has_length(count))
    pending = set(burst["started"])
    finals = {}
    deadline = time.monotonic() + seconds
    while pending and time.monotonic() < deadline:
        for execution_id in sorted(pending):
            execution = world.api.agent_executions.get(execution_id)
            if world.api.agent_executions.is_terminal(execution):
                finals[execution_id] = execution
                pending.discard(execution_id)
        if pending:
            time.sleep(POLL_INTERVAL)
    burst["finals"] = finals
    for execution in finals.values():
        world.remember_execution(execution)
    burst["wall_s"] = time.monotonic() - burst["began"]
    stuck = {i: phase_name(world.api.agent_executions.get(i).status.phase)
             for i in sorted(pending)[:10]}
    assert_that(stuck, equal_to({}), f"{len(pending)} executions still running after "
                                     f"{seconds}s (first ones shown)")


@then("none is lost, and every one of them completed")
def step_burst_completed(context) -> None:
    """Each one listed once, COMPLETED, with its own id and session, the message sent and a
    non-empty answer of its own."""
    world, burst = context.world, context.world.burst
    pages = world.api.agent_executions.pages(page_size=30)
    assert_that(paging_problems(pages, 30), equal_to([]), "the list of executions")
    listed = listed_ids(pages)
    assert_that(listed, has_items(*burst["started"]))
    assert_that(len(listed), equal_to(len(set(listed))), "an execution is listed twice")
    finals = [world.api.agent_executions.get(i) for i in burst["started"]]
    problems = execution_problems(finals, burst["agent_id"], burst["message"])
    print(f"[load] {len(finals)} executions checked one by one: "
          f"{problems or 'all whole and their own'}",
          file=sys.__stderr__, flush=True)
    assert_that(problems, equal_to([]), "executions lost, shared or incomplete")


@then("the throughput and the latency of the burst are reported")
def step_burst_reported(context) -> None:
    burst = context.world.burst
    done = {i: e for i, e in burst["finals"].items()
            if phase_name(e.status.phase) == "COMPLETED" and e.status.completed_at}
    latencies = [(_utc(e.status.completed_at) - burst["started"][i]).total_seconds()
                 for i, e in done.items()]
    completed = [_utc(e.status.completed_at) for e in done.values()]
    first_start = min(burst["started"].values())
    span = (max(completed) - first_start).total_seconds() if completed else 0.0
    report = BurstReport(
        executions=len(burst["started"]), completed=len(completed),
        phases=dict(Counter(phase_name(e.status.phase) for e in burst["finals"].values())),
        wall_s=span, throughput_per_s=len(completed) / span if span else 0.0,
        latency_p50_s=percentile(latencies, 0.5), latency_p95_s=percentile(latencies, 0.95),
        latency_max_s=max(latencies, default=0.0))
    (context.run_dir / "load.json").write_text(json.dumps(asdict(report), indent=2) + "\n")
    (context.run_dir / "load.md").write_text(f"# Load: a burst of executions\n\n"
                                             f"{report.markdown()}")
    print(f"[load] {report.markdown()}", file=sys.__stderr__, flush=True)
    samples = [Sample(started_s=(burst["started"][i] - first_start).total_seconds(),
                      latency_s=latency) for i, latency in zip(done, latencies, strict=True)]
    charts = write_load_charts(context.run_dir, samples)
    context.html_report.link_files("Load charts", charts)
    assert_that(report.completed, greater_than(0))
