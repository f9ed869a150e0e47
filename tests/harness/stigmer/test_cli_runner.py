"""harness.stigmer.cli.StigmerCli against a fake ``stigmer`` CLI (a tiny Python program)."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from harness.stigmer.cli import CliResult, DialectUnsupported, StigmerCli, dialect

FAKE_CLI = textwrap.dedent("""
    import json, os, sys, time
    args = sys.argv[1:]
    if args[:1] == ["run"]:
        marker = args[args.index("-m") + 1] if "-m" in args else ""
        if marker.startswith("/") and not os.path.exists(marker):  # unavailable the first time
            open(marker, "w").close()
            print("Error: the workflow engine is unavailable", file=sys.stderr)
            sys.exit(1)
        print("Execution started")
        print("Execution ID: aex-01ABC")
    elif args[:1] == ["env"]:
        keys = ("STIGMER_SERVER_ADDR", "STIGMER_API_KEY", "STIGMER_ORG")
        print(json.dumps({key: os.environ.get(key) for key in keys}))
    elif args[:1] == ["cwd"]:
        print(os.getcwd())
    elif args[:1] == ["fail"]:
        print("partial output")
        print("Error: agent not found: ghost", file=sys.stderr)
        sys.exit(4)
    elif args[:1] == ["hang"]:
        print("working...", flush=True)
        time.sleep(30)
    else:
        print("usage: stigmer run|env|fail|hang", file=sys.stderr)
        sys.exit(2)
""")


def make_cli(**kwargs) -> StigmerCli:
    return StigmerCli([sys.executable, "-c", FAKE_CLI], "127.0.0.1:7234", "sk-test", "e2e-org",
                      **kwargs)


def test_execution_id_is_parsed() -> None:
    result = make_cli()("run", "greeter", "--message", "hi")
    assert result.exit_code == 0
    assert result.execution_id == "aex-01ABC"
    assert result.argv[-3:] == ("greeter", "--message", "hi")
    assert result.seconds > 0


def test_execution_id_variants() -> None:
    def result(stdout: str) -> CliResult:
        return CliResult(("stigmer",), 0, stdout, "", 0.1)

    assert result("Execution ID:   wex-9z\n").execution_id == "wex-9z"
    assert result("no id here").execution_id is None
    assert result("Execution ID: abc-123").execution_id is None


def test_environment_binds_server_key_and_org() -> None:
    result = make_cli()("env")
    assert json.loads(result.stdout) == {
        "STIGMER_SERVER_ADDR": "127.0.0.1:7234", "STIGMER_API_KEY": "sk-test",
        "STIGMER_ORG": "e2e-org"}


def test_environment_keeps_the_rest_of_os_environ(monkeypatch) -> None:
    monkeypatch.setenv("E2E_UNRELATED", "kept")
    monkeypatch.setenv("STIGMER_ORG", "overridden")
    env = make_cli().env()
    assert env["E2E_UNRELATED"] == "kept"
    assert env["STIGMER_ORG"] == "e2e-org"


def test_cwd_is_used(tmp_path: Path) -> None:
    result = make_cli(cwd=tmp_path)("cwd")
    assert Path(result.stdout.strip()) == tmp_path


def test_exit_code_and_stderr_are_captured() -> None:
    result = make_cli()("fail")
    assert result.exit_code == 4
    assert result.stdout == "partial output\n"
    assert "Error: agent not found: ghost" in result.stderr
    assert result.output == result.stdout + result.stderr
    assert result.execution_id is None
    assert make_cli()("bogus").exit_code == 2


def test_timeout_gives_exit_minus_one_and_says_so() -> None:
    cli = make_cli(timeout=30)
    result = cli("hang", timeout=0.5)
    assert result.exit_code == -1
    assert "[harness] timed out after 0.5s" in result.stderr
    assert "working..." in result.stdout
    assert 0.5 <= result.seconds < 10
    assert cli.history == [result]


def test_history_records_every_call_in_order() -> None:
    cli = make_cli()
    first = cli("run", "a")
    second = cli("fail")
    assert cli.history == [first, second]
    assert [r.exit_code for r in cli.history] == [0, 4]


def test_transcript_format() -> None:
    result = CliResult(("stigmer", "run", "greeter"), 3, "out\n", "err\n", 1.234)
    assert result.transcript() == "$ stigmer run greeter\n# exit 3 in 1.23s\nout\nerr\n"


# --- dialects -------------------------------------------------------------------------------

def test_current_dialect_spells_the_newer_cli() -> None:
    current = dialect("current")
    assert current.apply(Path("fx/agents"), dry_run=True) == ("apply", "-f", "fx/agents",
                                                              "--dry-run")
    assert current.run("greeter", "hi", follow=False, env={"A": "1"}, secrets={"T": "s"},
                       model="m:1b") == ("run", "greeter", "-m", "hi", "--detach", "--model",
                                         "m:1b", "--env", "A=1", "--secret", "T=s")
    assert current.org("acme") == ("--org", "acme")
    assert (current.error_stream, current.exit_code("not found"), current.exit_code("invalid")) \
        == ("stderr", 2, None)
    assert current.not_found("agent", "ghost") == "No agent found for ghost"


def test_current_dialect_spells_files_and_projects() -> None:
    current = dialect("current")
    assert current.run("g", "hi", env_files=[Path("a.env")], secret_files=[Path("s.env")]) == (
        "run", "g", "-m", "hi", "--env-file", "a.env", "--secret-file", "s.env")
    assert current.apply_project(Path("p"), dry_run=True) == (
        "apply", "--config", "p", "--dry-run")
    assert current.apply_project(Path("p"), prune=False) == ("apply", "--config", "p",
                                                              "--prune=false")


def test_current_dialect_spells_listing_and_cancelling() -> None:
    current = dialect("current")
    assert current.list_executions("greeter") == ("list", "executions", "--agent", "greeter")
    assert current.cancel("aex-1", "why") == ("cancel", "aex-1", "--reason", "why")
    assert current.cancel("aex-1", "") == ("cancel", "aex-1")
    with pytest.raises(DialectUnsupported, match="no execution cancel"):
        dialect("january").cancel("aex-1", "why")


def test_january_dialect_spells_the_january_cli() -> None:
    january = dialect("january")
    assert january.run("greeter", "hi", follow=False, env={"A": "1"}, secrets={"T": "s"}) == (
        "run", "greeter", "--message", "hi", "--follow=false", "--runtime-env", "A=1",
        "--runtime-env", "secret:T=s")
    assert january.org("acme") == ()
    assert (january.error_stream, january.exit_code("not found")) == ("stdout", 1)
    assert january.not_found("agent", "ghost") == "Agent or Workflow not found: ghost"
    for unsupported in (lambda: january.apply(Path("x")),
                        lambda: january.apply_project(Path("x")),
                        lambda: january.run("g", "hi", model="m"),
                        lambda: january.run("g", "hi", env_file=Path("e")),
                        lambda: january.run("g", "hi", secret_files=[Path("s")])):
        with pytest.raises(DialectUnsupported):
            unsupported()
    with pytest.raises(ValueError, match="cli_dialect"):
        dialect("february")


def test_commands_carry_the_org_in_the_current_dialect() -> None:
    result = make_cli()("run", "x")
    assert result.exit_code == 0
    cli = make_cli()
    assert cli.run("greeter", "hi").argv[-5:] == ("greeter", "-m", "hi", "--org", "e2e-org")
    assert cli.at("127.0.0.1:1", "k2").history is cli.history


@pytest.mark.parametrize(("name", "result", "refusal", "problem"), [
    ("current", CliResult(("s",), 2, "", "Error: No agent found for x\n", 0.1), "not found",
     None),
    ("current", CliResult(("s",), 1, "", "Error: No agent found for x\n", 0.1), "not found",
     "expected 2"),
    ("current", CliResult(("s",), 0, "", "", 0.1), None, "exited 0"),
    ("current", CliResult(("s",), 1, "Error: on stdout\n", "", 0.1), None, "on stderr"),
    ("current", CliResult(("s",), -1, "", "", 0.1), None, "timed out"),
    ("january", CliResult(("s",), 1, "Error: Agent or Workflow not found: x\n", "", 0.1),
     "not found", None),
    ("january", CliResult(("s",), 1, "", "Error: x\n", 0.1), None, "on stdout"),
])
def test_refusal_problem(name: str, result: CliResult, refusal: str | None,
                         problem: str | None) -> None:
    found = make_cli(dialect=dialect(name)).refusal_problem(result, refusal)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize("started_now", [True, False])
def test_a_run_refused_as_unavailable_is_run_again_once_the_services_came_up(
        tmp_path: Path, started_now: bool) -> None:
    asked: list[bool] = []
    cli = make_cli(on_unavailable=lambda: asked.append(True) or started_now)
    result = cli.run("greeter", str(tmp_path / "first-run"), follow=False)
    assert asked == [True]
    assert (result.exit_code, len(cli.history)) == ((0, 2) if started_now else (1, 1))

