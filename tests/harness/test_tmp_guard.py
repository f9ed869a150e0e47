"""The session guard of tests/conftest.py fails a session that leaves a temp dir behind."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.config import REPO_ROOT

LEAKY = '''
import tempfile

def test_leaks_a_dir():
    tempfile.mkdtemp(prefix="stigmer-e2e-server-data-")

def test_cleans_up(tmp_path):
    (tmp_path / "file").write_text("pytest's own tmp_path is not a leak")
'''
CLEAN = '''
import tempfile

def test_cleans_up():
    with tempfile.TemporaryDirectory(prefix="stigmer-e2e-"):
        pass
'''


def run_session(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "test_it.py").write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-p", "no:cacheprovider",
         "--rootdir", str(folder), "-c", os.devnull, str(folder / "test_it.py")],
        cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT),
                            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True, text=True, timeout=120, check=False)


def test_a_session_that_leaves_a_temp_dir_fails_and_names_it(tmp_path: Path) -> None:
    completed = run_session(tmp_path, LEAKY)
    output = completed.stdout + completed.stderr
    kept = re.search(r"kept for inspection: (\S+)", output)
    try:
        assert completed.returncode == 1, output
        assert re.search(r"LEAK: the tests left 1 entries in the temp dir \S+: "
                         r"stigmer-e2e-server-data-\w+", output), output
        assert "2 passed" in output  # the tests themselves passed: only the guard failed
    finally:
        if kept:
            shutil.rmtree(kept.group(1), ignore_errors=True)


def test_a_clean_session_passes_and_removes_its_temp_dir(tmp_path: Path) -> None:
    before = set(Path(tempfile.gettempdir()).iterdir())
    completed = run_session(tmp_path, CLEAN)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert set(Path(tempfile.gettempdir()).iterdir()) == before
