"""harness.scenario.artifacts: what a scenario leaves behind, always redacted."""

from __future__ import annotations

from pathlib import Path

from harness.scenario.artifacts import log_sizes, safe_name, write_scenario_artifacts
from harness.secrets import Redactor

SECRET = "sk-very-secret"


def make_logs(tmp_path: Path) -> tuple[Path, Path]:
    logs = tmp_path / "run" / "logs"
    logs.mkdir(parents=True)
    server = logs / "stigmer-server.log"
    runner = logs / "agent-runner.log"
    server.write_text(f"boot with key {SECRET}\n")
    runner.write_text("runner boot\n")
    return server, runner


def test_writes_the_expected_files_redacted(tmp_path: Path) -> None:
    server, runner = make_logs(tmp_path)
    dest = tmp_path / "artifacts" / "scenario"
    written = write_scenario_artifacts(
        dest, redactor=Redactor([SECRET]),
        prerequisites=f"Stigmer: ok (key {SECRET})",
        transcript=f"aex-1 phase=COMPLETED last='{SECRET}'",
        cli_transcript=f"$ stigmer run --api-key {SECRET}\n",
        log_files=[server, runner],
    )
    expected = [dest / "prerequisites.txt", dest / "execution-transcript.txt",
                dest / "cli-commands.txt", dest / "logs" / "stigmer-server.log",
                dest / "logs" / "agent-runner.log"]
    assert written == expected
    assert sorted(p for p in dest.rglob("*") if p.is_file()) == sorted(expected)
    for path in written:
        text = path.read_text()
        assert SECRET not in text, path
    assert (dest / "prerequisites.txt").read_text() == "Stigmer: ok (key ***)"
    assert (dest / "cli-commands.txt").read_text() == "$ stigmer run --api-key ***\n"
    assert (dest / "logs" / "stigmer-server.log").read_text() == "boot with key ***\n"
    assert (dest / "logs" / "agent-runner.log").read_text() == "runner boot\n"


def test_empty_cli_transcript_is_said_so(tmp_path: Path) -> None:
    write_scenario_artifacts(tmp_path, redactor=Redactor(), prerequisites="", transcript="",
                             cli_transcript="", log_files=[])
    assert (tmp_path / "cli-commands.txt").read_text() == "(no CLI command)\n"


def test_log_offsets_keep_only_what_the_scenario_logged(tmp_path: Path) -> None:
    server, runner = make_logs(tmp_path)
    offsets = log_sizes([server, runner, tmp_path / "not-yet.log"])
    assert offsets[server] == server.stat().st_size
    assert offsets[tmp_path / "not-yet.log"] == 0
    with server.open("a") as log:
        log.write(f"scenario line using {SECRET}\n")
    dest = tmp_path / "out"
    write_scenario_artifacts(dest, redactor=Redactor([SECRET]), prerequisites="p",
                             transcript="t", cli_transcript="c", log_files=[server, runner],
                             log_offsets=offsets)
    assert (dest / "logs" / "stigmer-server.log").read_text() == "scenario line using ***\n"
    assert (dest / "logs" / "agent-runner.log").read_text() == ""


def test_missing_log_files_are_skipped(tmp_path: Path) -> None:
    written = write_scenario_artifacts(
        tmp_path / "out", redactor=Redactor(), prerequisites="p", transcript="t",
        cli_transcript="c", log_files=[tmp_path / "gone.log"])
    assert [path.name for path in written] == [
        "prerequisites.txt", "execution-transcript.txt", "cli-commands.txt"]


def test_safe_name() -> None:
    assert safe_name("Agent answers: a greeting / 2 (fast)") == "Agent_answers_a_greeting_2_fast"
    assert safe_name("???") == "scenario"
    assert len(safe_name("x" * 200)) == 80
    assert safe_name("a.b-c_d") == "a.b-c_d"
