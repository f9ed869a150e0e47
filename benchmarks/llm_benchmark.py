"""Benchmark the embedded Ollama-compatible endpoint: readiness, latency, throughput, memory.

Usage: ``python benchmarks/llm_benchmark.py [--threads N] [--runs N] [--parallel N]
[--burst N]``. Prints a table and
exits 0; the targets are for reading, nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import ollama

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from reference.llm.model import parallel_default  # noqa: E402

MODEL = "smollm2:135m"
GREEDY = {"temperature": 0}
WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]}}}


def start(threads: int, log: Path, parallel: int = 2
          ) -> tuple[subprocess.Popen[str], str, float]:
    """Launch the endpoint; return the process, its URL and the seconds until ready."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "reference.llm", "--port", "0", "--threads", str(threads),
         "--parallel", str(parallel)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=log.open("w"), text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    while time.monotonic() - started < 60:
        if select.select([process.stdout], [], [], 0.05)[0]:
            line = process.stdout.readline().strip()
            if line.startswith("listening on "):
                return process, "http://" + line.removeprefix("listening on "), \
                    time.monotonic() - started
        if process.poll() is not None:
            break
    process.kill()
    sys.exit(f"endpoint did not start:\n{log.read_text()[-2000:]}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(call: object) -> tuple[float, object]:
    started = time.monotonic()
    result = call()  # type: ignore[operator]
    return time.monotonic() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="warm repetitions per measure")
    parser.add_argument("--parallel", type=int, default=parallel_default(),
                        help="the endpoint's slots (default: the endpoint's own)")
    parser.add_argument("--burst", type=int, default=8,
                        help="greetings sent by 4 concurrent clients (0: none)")
    args = parser.parse_args()
    log = Path(tempfile.mkdtemp(prefix="llm-bench-")) / "llm.log"
    process, url, ready_s = start(args.threads, log, args.parallel)
    rows: list[tuple[str, str, str]] = [("time to ready", f"{ready_s:.2f} s", "< 2 s")]
    loaded = re.search(r"loaded \S+ in ([\d.]+)s", log.read_text())
    rows.append(("  of which model load", f"{loaded.group(1)} s" if loaded else "?", "-"))
    try:
        client = ollama.Client(host=url, timeout=120)
        hello = [{"role": "user", "content": "Say hello"}]

        def greet() -> ollama.ChatResponse:
            return client.chat(MODEL, messages=hello, options=GREEDY)

        first_s, first = timed(greet)
        warm = [timed(greet)[0] for _ in range(args.runs)]
        rows.append(("greeting, first request", f"{first_s:.2f} s", "< 1 s"))
        rows.append(("greeting, warm (median)", f"{statistics.median(warm):.2f} s", "< 1 s"))
        rows.append(("greeting text", repr(first.message.content[:30]), "-"))
        if args.burst:
            from concurrent.futures import ThreadPoolExecutor
            with ThreadPoolExecutor(4) as pool:
                burst_s, texts = timed(lambda: list(pool.map(lambda _: greet().message.content,
                                                             range(args.burst))))
            same = sum(text == first.message.content for text in texts)
            rows.append((f"burst of {args.burst} greetings, 4 clients",
                         f"{args.burst / burst_s:.2f} requests/s ({burst_s:.1f} s)",
                         f"{same}/{args.burst} identical to the lone answer"))

        long = client.generate(MODEL, prompt="Write a short story about a robot.",
                               options={"temperature": 0, "num_predict": 128})
        rows.append(("generation speed",
                     f"{long.eval_count / (long.eval_duration / 1e9):.0f} tokens/s", "-"))

        tool_s, tool = timed(lambda: client.chat(
            MODEL, tools=[WEATHER_TOOL], options=GREEDY,
            messages=[{"role": "user", "content": "What is the weather in Paris? Use the tool."}]))
        calls = [c.function.name for c in tool.message.tool_calls or []]  # type: ignore[union-attr]
        rows.append(("tool call latency", f"{tool_s:.2f} s ({calls or 'no call'})", "-"))
        rows.append(("server RSS", f"{rss_mb(process.pid):.0f} MB", "-"))
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(10)
    rows.append(("exit code after SIGINT", str(code), "0"))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':<36}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:<36}  {target}")
    print(f"(threads={args.threads}, parallel={args.parallel}, load "
          f"{os.getloadavg()[0]:.2f}, server log: {log})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
