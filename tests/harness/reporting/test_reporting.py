"""harness.reporting: run directories, JUnit reading and merging, living docs, redaction,
the HTML report facade and progress lines."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.behave.html_report import HtmlReport
from harness.config import SuiteConfig
from harness.reporting import run_dir as run_dirs
from harness.reporting.junit import merge_junit_dirs, parse_junit, read_junit_dir
from harness.reporting.living_docs import (
    attach_results,
    load_features,
    render_html,
    render_markdown,
    write_living_docs,
)
from harness.reporting.notes import ScenarioNotes
from harness.reporting.progress import phase
from harness.reporting.run_end import feature_paths
from harness.secrets import Redactor, redact_tree, register_config_secrets

FEATURE = """@shop
Feature: Buying things
  As a customer
  I want to buy things

  Background:
    Given a shop

  @smoke
  Scenario: Buying one thing
    When I buy "a book"
    Then I own it

  Scenario: Buying nothing
    Then I own nothing

  Scenario Outline: Buying <count> things
    When I buy <count> things
    Examples:
      | count |
      | 1     |
      | 2     |
"""


def junit_xml(stem: str, feature: str, cases: list[tuple[str, str, str]]) -> str:
    body = []
    for name, status, extra in cases:
        body.append(f'<testcase classname="{stem}.{feature}" name="{name}" status="{status}" '
                    f'time="1.5">{extra}</testcase>')
    return (f'<testsuite name="{stem}.{feature}" tests="{len(cases)}">' + "".join(body)
            + "</testsuite>")


@pytest.fixture
def features_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "features"
    folder.mkdir()
    (folder / "shop.feature").write_text(FEATURE)
    return folder


def write_junit(folder: Path, stem: str, cases: list[tuple[str, str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"TESTS-{stem}.xml"
    path.write_text(junit_xml(stem, "Buying things", cases))
    return path


FAILURE = '<failure message="expected a book, got nothing" type="AssertionError"/>'


# ----------------------------------------------------------------------------- run dir
def test_run_directory_is_chosen_once_and_latest_points_at_it(tmp_path: Path) -> None:
    run_dirs.forget_run_directories()
    first = run_dirs.run_directory(tmp_path, environ={})
    assert first == run_dirs.run_directory(tmp_path, environ={})
    assert first.parent == tmp_path.resolve() / "runs"
    assert first.name.endswith(f"-{os.getpid()}")
    assert (tmp_path / "latest").resolve() == first
    assert not os.path.isabs(os.readlink(tmp_path / "latest"))
    run_dirs.forget_run_directories()


def test_an_explicit_run_directory_wins_and_leaves_latest_alone(tmp_path: Path) -> None:
    chosen = tmp_path / "elsewhere" / "w1"
    got = run_dirs.run_directory(tmp_path, environ={run_dirs.RUN_DIR_ENV: str(chosen)})
    assert got == chosen.resolve() and chosen.is_dir()
    assert not (tmp_path / "latest").exists()


def test_latest_is_replaced(tmp_path: Path) -> None:
    old, new = tmp_path / "runs" / "a", tmp_path / "runs" / "b"
    old.mkdir(parents=True)
    new.mkdir()
    run_dirs.point_latest(tmp_path, old)
    run_dirs.point_latest(tmp_path, new)
    assert (tmp_path / "latest").resolve() == new


def test_outputs_under_the_results_root_move_into_the_run(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "x"
    roots = [tmp_path]
    assert run_dirs.relocate(tmp_path / "report.html", run, roots) == run / "report.html"
    assert run_dirs.relocate(tmp_path / "junit", run, roots) == run / "junit"
    elsewhere = tmp_path / "mine" / "report.html"
    assert run_dirs.relocate(elsewhere, run, roots) == elsewhere


# ----------------------------------------------------------------------------- junit
def test_parse_junit_reads_outcomes_and_messages(tmp_path: Path) -> None:
    path = write_junit(tmp_path, "shop", [("Buying one thing", "failed", FAILURE),
                                          ("Buying nothing", "passed", ""),
                                          ("Buying 1 things -- @1.1", "skipped", "<skipped/>"),
                                          ("Buying 2 things -- @1.2", "untested", "")])
    cases = parse_junit(path)
    assert [(c.feature, c.outcome) for c in cases] == [
        ("Buying things", "failed"), ("Buying things", "passed"),
        ("Buying things", "skipped"), ("Buying things", "skipped")]
    assert cases[0].message == "expected a book, got nothing"
    assert cases[0].seconds == 1.5
    assert read_junit_dir(tmp_path / "missing") == []


def test_merge_keeps_the_executed_result_and_renames_the_file(tmp_path: Path) -> None:
    write_junit(tmp_path / "w1", "features.shop", [("Buying one thing", "passed", ""),
                                                   ("Buying nothing", "skipped", "<skipped/>")])
    write_junit(tmp_path / "w2", "features.shop", [("Buying one thing", "skipped", "<skipped/>"),
                                                   ("Buying nothing", "failed", FAILURE)])
    written = merge_junit_dirs([tmp_path / "w1", tmp_path / "w2"], tmp_path / "merged",
                               {"Buying things": "shop"})
    assert [p.name for p in written] == ["TESTS-shop.xml"]
    cases = {c.scenario: c for c in parse_junit(written[0])}
    assert cases["Buying one thing"].outcome == "passed"
    assert cases["Buying nothing"].outcome == "failed"
    assert {c.feature for c in cases.values()} == {"Buying things"}
    text = written[0].read_text()
    assert 'tests="2"' in text and 'failures="1"' in text


# ----------------------------------------------------------------------------- living docs
def test_living_docs_show_every_scenario_with_its_status(features_dir: Path,
                                                         tmp_path: Path) -> None:
    features = load_features([features_dir], tmp_path)
    assert [s.name for s in features[0].scenarios] == [
        "Buying one thing", "Buying nothing", "Buying <count> things"]
    cases = parse_junit(write_junit(tmp_path / "junit", "shop", [
        ("Buying one thing", "failed", FAILURE),
        ("Buying nothing", "skipped", "<skipped/>"),
        ("Buying 1 things -- @1.1 ", "passed", ""),
        ("Buying 2 things -- @1.2 ", "passed", "")]))
    notes = ScenarioNotes()
    notes.skipped("Buying things", "Buying nothing", "Docker is not available")
    notes.artifacts_at("Buying things", "Buying one thing", "artifacts/Buying/one")
    attach_results(features, cases, notes)
    one, nothing, outline = features[0].scenarios
    assert (one.status, nothing.status) == ("failed", "skipped")
    assert outline.row_names and outline.status == "passed"
    text = render_markdown(features, "run X")
    # As behave counts: the outline's two example rows are two scenarios.
    assert "2 passed, 1 failed, 1 skipped, 0 not run" in text
    assert [outline.cases, features[0].case_count] == [["passed", "passed"], 4]
    assert "### ❌ Scenario: Buying one thing" in text
    assert "expected a book, got nothing" in text
    assert "> Skipped: Docker is not available" in text
    assert "(artifacts/Buying/one)" in text
    assert '`@shop`' in text and "> As a customer" in text
    assert 'When I buy "a book"' in text and "Given a shop" in text
    assert "| count |" in text
    page = render_html(features, "run X", links=[("workers/w1/report.html", "w1")])
    assert '<a href="workers/w1/report.html">w1</a>' in page
    assert "&quot;a book&quot;" in page


def test_scenarios_left_out_of_the_selection_are_not_run(features_dir: Path,
                                                         tmp_path: Path) -> None:
    features = load_features([features_dir])
    attach_results(features, parse_junit(write_junit(
        tmp_path, "shop", [("Buying nothing", "skipped", "<skipped/>")])))
    assert {s.status for s in features[0].scenarios} == {"not run"}


def test_write_living_docs_uses_the_run_junit_and_notes(features_dir: Path,
                                                        tmp_path: Path) -> None:
    run = tmp_path / "run"
    write_junit(run / "junit", "shop", [("Buying one thing", "passed", "")])
    ScenarioNotes().save(run)
    markdown, page = write_living_docs([features_dir], run)
    assert "### ✅ Scenario: Buying one thing" in markdown.read_text()
    assert page.read_text().startswith("<!doctype html>")


def test_feature_paths_drop_line_selections(features_dir: Path) -> None:
    feature = features_dir / "shop.feature"
    assert feature_paths([f"{feature}:10", f"{feature}:20", "nowhere"]) == [feature.resolve()]


# ----------------------------------------------------------------------------- redaction
def test_redact_tree_masks_text_files_but_not_the_server_database(tmp_path: Path) -> None:
    (tmp_path / "junit").mkdir()
    (tmp_path / "server-data").mkdir()
    report = tmp_path / "junit" / "TESTS-x.xml"
    report.write_text("<failure message='key s3cr3t-value'/>")
    database = tmp_path / "server-data" / "stigmer.log"
    database.write_text("s3cr3t-value")
    binary = tmp_path / "image.png"
    binary.write_bytes(b"s3cr3t-value")
    changed = redact_tree(tmp_path, Redactor(["s3cr3t-value"]))
    assert changed == [report]
    assert report.read_text() == "<failure message='key ***'/>"
    assert database.read_text() == "s3cr3t-value"


def test_the_default_local_key_is_not_a_secret() -> None:
    redactor = Redactor()
    register_config_secrets(SuiteConfig(api_key="local", server_api_key="k-123"), redactor)
    assert redactor.secrets == frozenset({"k-123"})


# ----------------------------------------------------------------------------- html report
class FakeHtmlFormatter:
    """Records embeds like behave-html-pretty-formatter would."""

    pseudo_steps = True

    def __init__(self, report: Path) -> None:
        self.stream_opener = type("Opener", (), {"name": str(report)})()
        self.embeds: list[tuple[str, object, str]] = []
        self.finished: list[str] = []

    def embed(self, mime_type: str, data: object, caption: str = "", **_: object) -> None:
        self.embeds.append((mime_type, data, caption))

    def after_scenario_finish(self, status: str) -> None:
        self.finished.append(status)


def test_attach_artifacts_links_files_relative_to_the_report(tmp_path: Path) -> None:
    folder = tmp_path / "artifacts" / "F" / "S"
    (folder / "logs").mkdir(parents=True)
    transcript = folder / "execution-transcript.txt"
    transcript.write_text("aex-1 phase=FAILED")
    log = folder / "logs" / "stigmer-server.log"
    log.write_text("boot")
    fake = FakeHtmlFormatter(tmp_path / "report.html")
    report = HtmlReport([])
    report.formatter = fake  # type: ignore[assignment]
    report.attach_artifacts(folder, [transcript, log])
    report.after_scenario_finished("failed")
    kinds = [(mime, caption) for mime, _, caption in fake.embeds]
    assert kinds == [("link", "Artifacts"), ("text/plain", "Execution transcript")]
    links = fake.embeds[0][1]
    assert ["artifacts/F/S/execution-transcript.txt", "execution-transcript.txt"] in links
    assert ["artifacts/F/S/logs/stigmer-server.log", "logs/stigmer-server.log"] in links
    assert fake.embeds[1][1] == "aex-1 phase=FAILED"
    assert fake.finished == ["failed"]


def test_without_an_html_formatter_nothing_happens(tmp_path: Path) -> None:
    report = HtmlReport([object()])
    report.attach_artifacts(tmp_path, [])
    report.before_scenario_finished("passed")
    assert report.formatter is None and report.report_dir is None


# ----------------------------------------------------------------------------- progress
def test_phase_reports_start_heartbeat_and_duration() -> None:
    lines: list[str] = []
    with phase(lines.append, "[stack] starting", heartbeat=0.05):
        import time

        time.sleep(0.18)
    assert lines[0] == "[stack] starting ..."
    assert any("still running" in line for line in lines[1:-1])
    assert lines[-1].startswith("[stack] starting: done in ")


def test_phase_reports_failure() -> None:
    lines: list[str] = []
    with pytest.raises(RuntimeError), phase(lines.append, "[x] y"):
        raise RuntimeError("boom")
    assert lines[-1].startswith("[x] y: failed after ")


def test_parallel_parts_merge_into_one_rerun_file_and_allure_results(tmp_path: Path) -> None:
    from harness.reporting.merge import merge_allure_results, merge_rerun_files

    parts = [tmp_path / "workers" / name for name in ("w1", "w2")]
    for index, part in enumerate(parts):
        (part / "allure-results").mkdir(parents=True)
        (part / "allure-results" / f"{index}-result.json").write_text("{}")
    (parts[0] / "rerun.txt").write_text("# -- RERUN: 1 failing\nfeatures/a.feature:3\n\n")
    (parts[1] / "rerun.txt").write_text("# -- RERUN: 0 failing scenarios during this run.\n")
    merge_rerun_files(tmp_path, parts)
    merge_allure_results(tmp_path, parts)
    lines = (tmp_path / "rerun.txt").read_text().splitlines()
    assert lines == ["# -- RERUN: 1 failing scenarios during this run.", "features/a.feature:3"]
    assert sorted(p.name for p in (tmp_path / "allure-results").iterdir()) == [
        "0-result.json", "1-result.json"]
