"""A typo in a setting stops a real behave run at once: one line, exit 1, nothing started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.config import ENV_PREFIX, REPO_ROOT

SELFTEST = REPO_ROOT / "tests" / "harness" / "selftest_features"


def run_behave(tmp_path: Path, *args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(ENV_PREFIX)}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-m", "behave", str(SELFTEST.relative_to(REPO_ROOT)),
         "-D", f"results_dir={tmp_path / 'results'}", *args],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(("args", "environ", "line"), [
    (("-D", "servcies=compose"), {},
     "ConfigError: unknown setting 'servcies' (did you mean 'services'?)"),
    ((), {f"{ENV_PREFIX}SERVICES": "kubernetes"},
     "ConfigError: services='kubernetes': use one of auto, compose, processes, external"),
    (("-D", "stack_timeout=soon"), {},
     "ConfigError: stack_timeout='soon' is not a number of seconds"),
])
def test_a_bad_setting_stops_the_run_before_anything_starts(
        tmp_path: Path, args: tuple[str, ...], environ: dict[str, str], line: str) -> None:
    completed = run_behave(tmp_path, *args, **environ)
    assert completed.returncode == 1
    errors = [text for text in completed.stdout.splitlines() if "Error" in text]
    assert len(errors) == 1 and errors[0].startswith(line), completed.stdout + completed.stderr
    assert "Traceback" not in completed.stdout + completed.stderr
    assert "[stack]" not in completed.stdout + completed.stderr  # no stack was started
    assert not (tmp_path / "results").exists()  # not even a run directory
