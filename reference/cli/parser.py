"""The command line: argparse definitions, kept apart from the commands for testing."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from reference.cli import __version__
from reference.cli.commands import apply, cancel, delete, get, listing, run, version
from reference.cli.output import OUTPUT_FORMATS

SECRET_PREFIX = "secret:"
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


@dataclass(frozen=True)
class RuntimeEnvValue:
    """One `--runtime-env` entry; `secret:K=V` marks the value secret."""

    key: str
    value: str
    is_secret: bool = False

    def __repr__(self) -> str:  # never show secret values, even in debug output
        shown = "********" if self.is_secret else repr(self.value)
        return f"RuntimeEnvValue(key={self.key!r}, value={shown}, is_secret={self.is_secret})"


def parse_bool(text: str) -> bool:
    """`true/false`, `yes/no`, `1/0`, `on/off` (any case)."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def parse_runtime_env(text: str) -> RuntimeEnvValue:
    """`K=V` or `secret:K=V` (the value may contain `=`; the key may not be empty)."""
    is_secret = text.startswith(SECRET_PREFIX)
    body = text[len(SECRET_PREFIX):] if is_secret else text
    key, sep, value = body.partition("=")
    key = key.strip()
    if not sep or not key:
        kind = "secret:KEY=VALUE" if is_secret else "KEY=VALUE or secret:KEY=VALUE"
        shown = f"{SECRET_PREFIX}... (hidden)" if is_secret else repr(text)
        raise argparse.ArgumentTypeError(f"expected {kind}, got {shown}")
    return RuntimeEnvValue(key=key, value=value, is_secret=is_secret)


def parse_pair(text: str) -> tuple[str, str]:
    """`K=V` (the value may contain `=`; the key may not be empty); values never echoed."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError("expected KEY=VALUE")
    return key.strip(), value


def _org_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--org", metavar="ORG",
                        help="the organization (default: STIGMER_ORG, else local)")


def _output_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o", "--output", choices=OUTPUT_FORMATS, default="table", help="output format"
    )
    _org_option(parser)


def build_parser() -> argparse.ArgumentParser:
    """The `stigmer-ref` parser; each command sets `handler`."""
    parser = argparse.ArgumentParser(
        prog="stigmer-ref",
        description="A stigmer-compatible CLI subset for the reference Stigmer stack. "
        "Server: STIGMER_SERVER_ADDR (default localhost:7234); key: STIGMER_API_KEY; "
        "org: STIGMER_ORG (default local).",
    )
    parser.add_argument("--version", action="version", version=f"stigmer-ref {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = commands.add_parser("apply", help="create or update the resources in manifests")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--file", "-f", metavar="FILE_OR_DIR",
                        help="a manifest file or a directory of *.yaml/*.yml manifests "
                        "(a directory with a stigmer.yaml is applied as a project)")
    source.add_argument("--config", metavar="PROJECT",
                        help="a project: a folder with a stigmer.yaml (or that file); its "
                        "resources are applied as one unit and the ones it no longer lists "
                        "are removed")
    p.add_argument("--dry-run", action="store_true", help="validate and show the plan only")
    p.add_argument("--prune", nargs="?", const=True, default=True, type=parse_bool,
                   metavar="BOOL", help="projects: remove the resources the project no longer "
                   "lists (default true; --prune=false keeps them)")
    p.add_argument("--recursive", "-R", action="store_true",
                   help="also read manifests in sub-directories")
    _org_option(p)
    p.set_defaults(handler=apply.run_apply)

    p = commands.add_parser("run", help="run a workflow or an agent by name")
    p.add_argument("target", nargs="+", metavar="[TYPE] NAME",
                   help="agent or workflow slug (or id), optionally after its type "
                   "(agent|workflow); untyped names are tried as a workflow, then an agent")
    p.add_argument("--message", "-m", required=True, help="the message to send")
    p.add_argument("--follow", nargs="?", const=True, default=True, type=parse_bool,
                   metavar="BOOL", help="stream the execution until it ends (default true)")
    p.add_argument("--detach", "--no-follow", dest="follow", action="store_false",
                   help="start the execution and return (same as --follow=false)")
    p.add_argument("--env", dest="env", action="append", default=[], type=parse_pair,
                   metavar="KEY=VALUE", help="runtime value (repeatable)")
    p.add_argument("--secret", dest="secret", action="append", default=[], type=parse_pair,
                   metavar="KEY=VALUE", help="secret runtime value (repeatable)")
    p.add_argument("--env-file", dest="env_file", action="append", default=[], metavar="FILE",
                   help="runtime values from a dotenv file (KEY=VALUE lines; repeatable)")
    p.add_argument("--secret-file", dest="secret_file", action="append", default=[],
                   metavar="FILE", help="secret runtime values from a dotenv file (repeatable)")
    p.add_argument("--runtime-env", "-e", action="append", default=[], type=parse_runtime_env,
                   metavar="[secret:]KEY=VALUE",
                   help="runtime value, January-CLI spelling (repeatable)")
    p.add_argument("--model", help="the model the execution uses")
    _org_option(p)
    p.set_defaults(handler=run.run_run)

    p = commands.add_parser("get", help="show one resource")
    kinds = p.add_subparsers(dest="resource", metavar="RESOURCE", required=True)
    k = kinds.add_parser("agent", aliases=["agents"], help="an agent by slug or id")
    k.add_argument("name", metavar="NAME")
    _output_option(k)
    k.set_defaults(handler=get.get_agent)
    k = kinds.add_parser("execution", aliases=["executions", "agent-execution"],
                         help="an agent execution by id")
    k.add_argument("execution_id", metavar="ID")
    _output_option(k)
    k.set_defaults(handler=get.get_execution)

    p = commands.add_parser("list", help="list resources")
    kinds = p.add_subparsers(dest="resource", metavar="RESOURCE", required=True)
    k = kinds.add_parser("agents", aliases=["agent"], help="agents of the org")
    _output_option(k)
    k.set_defaults(handler=listing.list_agents)
    k = kinds.add_parser("executions", aliases=["execution"], help="agent executions")
    k.add_argument("--agent", metavar="NAME", help="only executions of this agent")
    _output_option(k)
    k.set_defaults(handler=listing.list_executions)

    p = commands.add_parser("delete", help="delete a resource")
    kinds = p.add_subparsers(dest="resource", metavar="RESOURCE", required=True)
    k = kinds.add_parser("agent", help="an agent by slug or id")
    k.add_argument("name", metavar="NAME")
    _org_option(k)
    k.set_defaults(handler=delete.delete_agent)

    p = commands.add_parser("cancel", help="cancel a running execution")
    p.add_argument("execution_id", metavar="ID", help="aex-... (or wex-...)")
    p.add_argument("--reason", default="cancelled from the CLI", help="recorded reason")
    _org_option(p)
    p.set_defaults(handler=cancel.cancel_execution)

    p = commands.add_parser("version", help="show the CLI and SDK versions")
    p.set_defaults(handler=version.show_version)
    return parser
