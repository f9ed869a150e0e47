#!/usr/bin/env python3
"""The round trip of a person's approval through the reference stack.

    python benchmarks/approval_benchmark.py [--executions N] [--provider processes|compose]

Starts the embedded stack (default provider: processes) and the suite's calculator MCP server,
applies the ``careful-calculator`` agent (its ``add`` tool needs approval), and N times: runs
it, waits until it waits for approval, approves, and measures from the moment the decision
is sent to (1) ``submitApproval`` answering, (2) the tool server running the call (its own
record) and (3) the execution COMPLETED. Prints a Markdown table (``| measure | value | how
|``, read by ``benchmarks/run.py``); nothing is asserted. Everything started is stopped.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from harness.checks.prerequisites import check_all  # noqa: E402
from harness.config import load_config  # noqa: E402
from harness.doubles.mcp_server import McpFixtureServer  # noqa: E402
from harness.stack.build import build_stack  # noqa: E402
from harness.stack.stack import Stack  # noqa: E402
from harness.stigmer.client import StigmerApi  # noqa: E402
from harness.stigmer.control import ExecutionControl  # noqa: E402
from harness.stigmer.manifests import load_manifests  # noqa: E402

FIXTURES = REPO_ROOT / "features" / "fixtures"
MESSAGE = "Use the add tool to add 3817 and 6604."


def quiet(_message: str) -> None:
    return None


def round_trips(stack: Stack, tools: McpFixtureServer, count: int
                ) -> list[tuple[float, float, float]]:
    """(answered, tool ran, completed) seconds after each approval was sent."""
    api = StigmerApi(stack.info.server_address, "local", f"approval-bench-{os.getpid()}")
    try:
        values = tools.url_values(stack.info.runner_host)
        for manifest in load_manifests(FIXTURES / "mcp"):
            api.mcp_servers.apply(manifest, values)
        agent = next(a for a in api.apply_all(load_manifests(FIXTURES / "agents/with-approval"))
                     if a.metadata.slug == "careful-calculator")
        control = ExecutionControl(api.client)
        executions = api.agent_executions
        measured = []
        for _ in range(count):
            execution = executions.run(agent, MESSAGE)
            waiting = executions.wait_for_phase(execution.metadata.id, "WAITING_FOR_APPROVAL",
                                         timeout=300, interval=0.05)
            call_id = waiting.status.pending_approvals[0].tool_call_id
            ran_before = len(tools.calls("add"))
            sent_wall, sent = time.time(), time.monotonic()
            control.decide(execution.metadata.id, call_id, "approve")
            answered = time.monotonic() - sent
            executions.wait_for_phase(execution.metadata.id, "COMPLETED", timeout=300,
                                      interval=0.05)
            completed = time.monotonic() - sent
            ran = tools.calls("add")[ran_before:]
            tool_s = ran[0]["at"] - sent_wall if ran else float("nan")
            measured.append((answered, tool_s, completed))
        return measured
    finally:
        api.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=3)
    parser.add_argument("--provider", default="processes", choices=["processes", "compose"])
    args = parser.parse_args(argv)
    os.environ["STIGMER_E2E_SERVICES"] = args.provider
    config = load_config({})
    report = check_all(config)
    with tempfile.TemporaryDirectory(prefix="stigmer-e2e-approval-bench-") as tmp:
        stack = build_stack(config, report, Path(tmp), quiet)
        tools: McpFixtureServer | None = None
        try:
            stack.start()
            stack.ensure_execution_services()
            tools = McpFixtureServer(log_path=Path(tmp) / "mcp-calculator.log",
                                     hosts=stack.info.host_addresses).start()
            measured = round_trips(stack, tools, args.executions)
        finally:
            if tools is not None:
                tools.stop()
            stack.stop()
    n = len(measured)
    print("| measure | value | how |\n|---|---|---|")
    for index, label, how in (
            (0, "approval answered", "submitApproval sent -> answered (decision recorded)"),
            (1, "approval round trip: decision -> tool ran",
             "submitApproval sent -> the tool server's own record of the call"),
            (2, "approval -> execution completed",
             "submitApproval sent -> COMPLETED (includes the model's final answer)")):
        values = [m[index] for m in measured]
        print(f"| {label} ({args.provider}, median of {n}) | {statistics.median(values):.2f} s "
              f"| {how}; max {max(values):.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
