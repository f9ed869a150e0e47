"""No secret of a run ends up in its logs, reports or artifacts, in any encoding.

Runs a real scenario whose agent needs a secret made for the test (a vault tool opens only
with it and echoes it, so the model receives it), against a server that enforces an API key,
keeping every artifact; then reads every file the run wrote (service logs, console output,
HTML/JUnit reports, artifacts, process records; the server's database excepted: it is the
store) and looks for the API key and the secret, raw or encoded. The harness does not mask
this secret (it is the test's, see harness.checks.secret_scan.remember_secret), so the files are as
written; what the harness's safety net had to mask anyway (the API key) is listed by the run
in masked-files.txt, which must stay empty.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from harness.checks.secret_scan import MASKED_LIST, SCAN_SECRET_ENV, forms_in, new_secret
from harness.config import REPO_ROOT

pytestmark = pytest.mark.slow
# features/security.feature
SCENARIO = "A secret the agent's tool needs reaches the tool, and is kept out of everything else"
STORE_DIRS = {"server-data"}  # the server's database: secrets are stored there, by design


def scan(root: Path, needles: dict[str, str]) -> list[str]:
    """'<file>: <what>' for every file under ``root`` containing one of the needles."""
    hits = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or STORE_DIRS.intersection(path.relative_to(root).parts):
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        for what, needle in needles.items():
            hits.extend(f"{path.relative_to(root)}: {what} ({form})"
                        for form in forms_in(text, needle))
    return hits


def test_a_run_writes_no_secret_anywhere(tmp_path: Path) -> None:
    api_key = f"e2e-scan-{secrets.token_hex(16)}"
    secret_value = new_secret()
    env = {**os.environ, "STIGMER_E2E_SERVICES": os.environ.get("STIGMER_E2E_SERVICES",
                                                                 "processes"),
           "STIGMER_E2E_API_KEY": api_key, "STIGMER_E2E_SERVER_API_KEY": api_key,
           SCAN_SECRET_ENV: secret_value, "STIGMER_E2E_KEEP_ARTIFACTS": "always",
           "STIGMER_E2E_RESULTS_DIR": str(tmp_path),
           "PATH": f"{REPO_ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [sys.executable, "-m", "behave", "features/security.feature", "-n", SCENARIO,
         "--junit", "--junit-directory", str(tmp_path / "junit")],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=240, check=False)
    console = result.stdout + result.stderr
    assert result.returncode == 0, console[-4000:]
    assert "1 scenario passed" in console, console[-4000:]
    (tmp_path / "console-of-the-test.txt").write_text(console)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" for p in written), "the run wrote no service log"
    assert scan(tmp_path, {"the API key": api_key, "the secret value": secret_value}) == []
    masked = sorted(tmp_path.rglob(MASKED_LIST))
    assert [p.read_text() for p in masked] == [], "files the harness had to mask"
