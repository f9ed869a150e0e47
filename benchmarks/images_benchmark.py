"""Benchmark ``scripts/build-images.sh``: a cold build, a forced build, a warm (up-to-date) run.

Usage: ``python benchmarks/images_benchmark.py``. Prints a Markdown table
(``| measure | value | how |``) and exits 0; prints ``skipped: <reason>`` instead when no
Docker engine answers. Runs, in order:

1. cold: ``STIGMER_E2E_BUILD_NO_CACHE=1 bash scripts/build-images.sh --force`` -- every image
   rebuilt without Docker's layer cache (python-base is always a fresh ``docker import``);
   only the wheel cache ($STIGMER_E2E_CACHE/wheels) is kept, so no network is needed;
2. ``bash scripts/build-images.sh --force`` -- rebuilt, Docker's layer cache allowed;
3. warm: ``bash scripts/build-images.sh`` -- every image up to date (content hashes only).

The images are replaced by identical ones; running containers keep theirs.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "scripts" / "build-images.sh"
Row = tuple[str, str, str]  # measure, value, how


class Stopped(Exception):
    pass


def _stop(signum: int, _frame: object) -> None:
    raise Stopped(signal.Signals(signum).name)


def docker_env() -> dict[str, str]:
    """The environment build-images.sh would use (DOCKER_HOST from .stigmer-e2e/docker.env)."""
    env = dict(os.environ)
    env_file = Path(env.get("STIGMER_E2E_DOCKER_ENV", REPO_ROOT / ".stigmer-e2e/docker.env"))
    if not env.get("DOCKER_HOST") and env_file.is_file():
        hosts = re.findall(r"^DOCKER_HOST=(.*)$", env_file.read_text(), re.MULTILINE)
        if hosts and hosts[-1]:
            env["DOCKER_HOST"] = hosts[-1]
    return env


def docker_problem(env: dict[str, str]) -> str | None:
    try:
        result = subprocess.run(["docker", "info"], env=env, capture_output=True, text=True,
                                timeout=20, check=False)
    except FileNotFoundError:
        return "no docker CLI on PATH"
    except subprocess.TimeoutExpired:
        return f"docker info timed out ({env.get('DOCKER_HOST', 'default socket')})"
    if result.returncode != 0:
        return (f"no Docker engine reachable ({env.get('DOCKER_HOST', 'default socket')}): "
                f"{result.stderr.strip()[-160:]}")
    return None


def build(args: list[str], env: dict[str, str]) -> tuple[float, str, int]:
    """Wall seconds, output and exit code of one build-images.sh run (own process group,
    ended by its PID on the way out)."""
    process = subprocess.Popen(["bash", str(SCRIPT), *args], cwd=REPO_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    started = time.monotonic()
    try:
        output, _ = process.communicate(timeout=3600)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    return time.monotonic() - started, output, process.returncode


def per_image(output: str) -> str:
    """'temporal built 3.1s, python-base built 9.0s, ...' from the script's summary lines."""
    parts = []
    for target, text in re.findall(r"summary: ([\w-]+): (.*)$", output, re.MULTILINE):
        words = text.split()
        parts.append(f"{target} {' '.join(words[1:])}" if len(words) > 1 else target)
    return ", ".join(parts)


def main() -> int:
    env = docker_env()
    problem = docker_problem(env)
    if problem:
        print(f"skipped: {problem}")
        return 0
    signal.signal(signal.SIGTERM, _stop)
    runs = [
        ("image build, cold (no layer cache, wheel cache kept)", ["--force"],
         {"STIGMER_E2E_BUILD_NO_CACHE": "1"},
         "STIGMER_E2E_BUILD_NO_CACHE=1 build-images.sh --force"),
        ("image build, forced (layer cache allowed)", ["--force"], {},
         "build-images.sh --force"),
        ("image build, warm (up to date)", [], {}, "build-images.sh"),
    ]
    rows: list[Row] = []
    try:
        for measure, args, extra, command in runs:
            print(f"[images] {command} ...", file=sys.stderr, flush=True)
            wall, output, code = build(args, {**env, **extra})
            if code != 0:
                tail = " / ".join(output.strip().splitlines()[-3:])[-200:].replace("|", "/")
                rows.append((measure, "failed", f"{command}: exit {code}: {tail}"))
                break
            wheels = ("wheels from cache" if "wheels cached in" in output
                      else "wheels downloaded" if "downloading wheels" in output else "")
            how = "; ".join(x for x in (command, per_image(output), wheels) if x)
            rows.append((measure, f"{wall:.1f} s", how))
    except Stopped as stop:
        print(f"stopped by {stop}", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    print("| measure | value | how |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\nload average (1 min) at the end: {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
