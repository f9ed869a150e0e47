"""A secret that HTML, JSON, URL and base64 encoders all change is masked, in each of those
forms, in everything a real behave run writes: the HTML report (behave-html-pretty-formatter,
which HTML-escapes the failure once more), the console text, JUnit XML and the artifacts."""

from __future__ import annotations

import base64
import html
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.config import ENV_PREFIX, REPO_ROOT

SELFTEST = REPO_ROOT / "tests" / "harness" / "selftest_redaction"
SECRET = 'a&"<+/=b'
STEPS = SELFTEST / "steps" / "redaction_steps.py"


def selftest_encodings() -> dict[str, str]:
    spec = importlib.util.spec_from_file_location("redaction_steps", STEPS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.encodings(SECRET)


def forbidden_forms() -> set[str]:
    """What must appear nowhere: each form, also HTML-escaped (the report escapes again),
    and the secret's own base64 characters of the Basic header."""
    forms = set(selftest_encodings().values()) - {selftest_encodings()["url"],
                                                   selftest_encodings()["json"]}
    forms |= {SECRET, html.escape(SECRET), html.escape(html.escape(SECRET)),
              '\\"<+/=b', "a%26%22%3C%2B%2F%3Db", "a%26%22%3C%2B%2F%3Db".lower()}
    forms |= {html.escape(form) for form in list(forms)}
    basic = base64.b64encode(f"user:{SECRET}".encode()).decode()
    forms.add(basic[8:15])  # characters from the secret's bytes alone (offset 5 = 2 mod 3)
    return forms


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    results = tmp_path_factory.mktemp("results")
    env = {key: value for key, value in os.environ.items() if not key.startswith(ENV_PREFIX)}
    env[f"{ENV_PREFIX}KEEP_ARTIFACTS"] = "always"
    completed = subprocess.run(
        [sys.executable, "-m", "behave", str(SELFTEST.relative_to(REPO_ROOT)),
         "-D", f"results_dir={results}", "-D", f"x_redaction_secret={SECRET}"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output[-4000:]
    assert "1 failed" in output, output[-4000:]
    return (results / "latest").resolve()


def written_texts(run_dir: Path) -> dict[str, str]:
    texts = {}
    for path in run_dir.rglob("*"):
        if path.is_file() and "server-data" not in path.relative_to(run_dir).parts:
            texts[path.relative_to(run_dir).as_posix()] = path.read_text(errors="replace")
    return texts


def test_the_html_report_shows_the_failure_with_every_form_masked(run_dir: Path) -> None:
    report = (run_dir / "report.html").read_text()
    assert "failing on purpose" in report
    masked = re.findall(r"\*\*\*", report)
    assert len(masked) >= len(selftest_encodings()), "each quoted form shows as ***"
    for form in forbidden_forms():
        assert form not in report, form


def test_no_file_of_the_run_holds_any_form_of_the_secret(run_dir: Path) -> None:
    texts = written_texts(run_dir)
    assert {"report.html", "console.txt"} <= set(texts)
    assert any(name.startswith("junit/") for name in texts)
    assert any(name.startswith("artifacts/") for name in texts)
    for name, text in texts.items():
        for form in forbidden_forms():
            assert form not in text, f"{name} holds {form!r}"
