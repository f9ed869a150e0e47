"""The suite runs its server-only scenarios where there is no /proc (macOS): every Python
process of the run (behave, the harness, the server) gets tests/harness/no_proc/
sitecustomize.py, which refuses any /proc access that does not come from psutil."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.config import ENV_PREFIX, REPO_ROOT

NO_PROC = REPO_ROOT / "tests" / "harness" / "no_proc"


def no_proc_env(log: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(ENV_PREFIX)}
    env.update(PYTHONPATH=os.pathsep.join([str(NO_PROC), str(REPO_ROOT)]),
               NO_PROC_LOG=str(log), STIGMER_E2E_SERVICES="processes")
    return env


def test_the_hook_hides_proc_from_everything_but_psutil(tmp_path: Path) -> None:
    log = tmp_path / "refused.log"
    script = ("import os, psutil\n"
              "assert psutil.Process(os.getpid()).cmdline()\n"
              "from harness.runs import leaks\n"
              "assert os.getpid() in leaks.descendants(os.getppid())\n"
              "open('/proc/self/stat')\n")
    completed = subprocess.run([sys.executable, "-c", script], env=no_proc_env(log),
                               cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
                               check=False)
    assert completed.returncode == 1
    assert "this test hides /proc" in completed.stderr
    assert log.read_text().count("open /proc/self/stat") == 1  # only the direct open


@pytest.mark.slow
def test_server_only_scenarios_pass_without_proc(tmp_path: Path) -> None:
    log = tmp_path / "refused.log"
    completed = subprocess.run(
        [sys.executable, "-m", "behave", "features/agent_deployment.feature",
         "-n", "Every agent gets a default instance", "-n", "A deleted agent is gone",
         "-D", f"results_dir={tmp_path / 'results'}", "--no-junit", "-f", "plain"],
        env=no_proc_env(log), cwd=REPO_ROOT, capture_output=True, text=True, timeout=180,
        check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-3000:]
    assert "2 scenarios passed, 0 failed" in output, output[-3000:]
    assert not log.exists(), log.read_text()  # nothing even tried /proc outside psutil
