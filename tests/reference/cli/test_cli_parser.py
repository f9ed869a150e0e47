"""Argument parsing: commands, --follow variants, --runtime-env, usage errors."""

from __future__ import annotations

import argparse

import pytest

from reference.cli.main import main
from reference.cli.parser import RuntimeEnvValue, build_parser, parse_bool, parse_runtime_env


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ((), True),
        (("--follow",), True),
        (("--follow=true",), True),
        (("--follow=false",), False),
        (("--follow", "false"), False),
        (("--no-follow",), False),
        (("--detach",), False),
    ],
)
def test_follow_defaults_to_true_and_accepts_every_spelling(argv: tuple, expected: bool) -> None:
    args = parse("run", "greeter", "--message", "hi", *argv)
    assert args.follow is expected
    assert args.target == ["greeter"] and args.message == "hi"


def test_runtime_env_plain_and_secret_repeatable() -> None:
    args = parse(
        "run", "greeter", "-m", "hi",
        "--runtime-env", "A=1", "--runtime-env", "secret:TOKEN=s3=cr3t", "-e", "EMPTY=",
    )
    assert args.runtime_env == [
        RuntimeEnvValue("A", "1", False),
        RuntimeEnvValue("TOKEN", "s3=cr3t", True),
        RuntimeEnvValue("EMPTY", "", False),
    ]


def test_secret_values_never_show_in_repr() -> None:
    value = parse_runtime_env("secret:TOKEN=hunter2")
    assert "hunter2" not in repr(value)
    assert "hunter2" in repr(parse_runtime_env("PLAIN=hunter2"))


@pytest.mark.parametrize("text", ["novalue", "=v", "secret:=v", "secret:TOKEN"])
def test_malformed_runtime_env_is_rejected(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_runtime_env(text)


def test_malformed_secret_runtime_env_error_hides_the_value(capsys) -> None:
    assert main(["run", "x", "-m", "hi", "--runtime-env", "secret:TOKENhunter2"]) == 2
    assert "hunter2" not in capsys.readouterr().err


@pytest.mark.parametrize("text", ["TRUE", "yes", "1", "on"])
def test_parse_bool_true(text: str) -> None:
    assert parse_bool(text) is True


def test_parse_bool_rejects_other_words() -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_bool("maybe")


def test_apply_options() -> None:
    args = parse("apply", "-f", "dir", "--dry-run")
    assert (args.file, args.dry_run, args.recursive) == ("dir", True, False)
    assert parse("apply", "-f", "x.yaml", "-R").recursive is True


def test_get_list_delete_cancel_version() -> None:
    args = parse("get", "agent", "greeter", "-o", "yaml")
    assert (args.name, args.output, args.handler.__name__) == ("greeter", "yaml", "get_agent")
    args = parse("get", "execution", "aex-1")
    assert (args.execution_id, args.output) == ("aex-1", "table")
    assert parse("list", "agents").handler.__name__ == "list_agents"
    args = parse("list", "executions", "--agent", "greeter", "-o", "json")
    assert (args.agent, args.output) == ("greeter", "json")
    assert parse("delete", "agent", "greeter").handler.__name__ == "delete_agent"
    assert parse("cancel", "aex-1").execution_id == "aex-1"
    assert parse("version").handler.__name__ == "show_version"


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["run", "greeter"],
        ["apply"],
        ["get", "agent"],
        ["get", "agent", "x", "-o", "xml"],
        ["frobnicate"],
        ["run", "g", "-m", "hi", "--follow=perhaps"],
    ],
)
def test_usage_errors_exit_2_with_a_message(argv: list[str], capsys) -> None:
    assert main(argv) == 2
    assert "usage: stigmer-ref" in capsys.readouterr().err


def test_help_exits_0(capsys) -> None:
    assert main(["--help"]) == 0
    assert "apply" in capsys.readouterr().out


def test_newer_cli_spellings_of_run() -> None:
    args = parse("run", "agent", "greeter", "-m", "hi", "--env", "A=1=2", "--secret", "T=s",
                 "--env-file", "f.env", "--model", "m:1b", "--org", "acme")
    assert args.target == ["agent", "greeter"]
    assert (args.env, args.secret, args.env_file) == ([("A", "1=2")], [("T", "s")], ["f.env"])
    assert (args.model, args.org) == ("m:1b", "acme")
    args = parse("run", "g", "-m", "hi", "--env-file", "a.env", "--env-file", "b.env",
                 "--secret-file", "s1.env", "--secret-file", "s2.env")
    assert (args.env_file, args.secret_file) == (["a.env", "b.env"], ["s1.env", "s2.env"])
    with pytest.raises(SystemExit):
        parse("run", "greeter", "-m", "hi", "--secret", "no-equals")
