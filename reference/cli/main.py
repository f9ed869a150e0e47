"""`stigmer-ref` entry point: parse, dispatch, and turn errors into one line and an exit code."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence

from stigmer import StigmerError

from reference.cli.config import Settings
from reference.cli.connection import is_reachable
from reference.cli.context import Context
from reference.cli.errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_NOT_FOUND,
    CliError,
    describe,
    is_not_found,
    is_unavailable,
    unreachable_error,
)
from reference.cli.manifests import ManifestError
from reference.cli.parser import build_parser


def main(argv: Sequence[str] | None = None, context: Context | None = None) -> int:
    """Run one command; return its exit code (0 ok, 1 error, 2 usage or not found,
    3 unreachable)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    ctx = context or Context(Settings.from_env())
    if getattr(args, "org", None):
        ctx.settings = dataclasses.replace(ctx.settings, org=args.org)
    try:
        return int(args.handler(args, ctx))
    except CliError as exc:
        ctx.error(f"Error: {exc.message}")
        return exc.exit_code
    except ManifestError as exc:
        ctx.error(f"Error: {exc}")
        return EXIT_ERROR
    except StigmerError as exc:
        error = _server_error(exc, ctx.settings)
        ctx.error(f"Error: {error.message}")
        return error.exit_code
    except KeyboardInterrupt:
        ctx.error("Interrupted")
        return EXIT_INTERRUPTED
    finally:
        ctx.close()


def _server_error(exc: StigmerError, settings: Settings) -> CliError:
    """UNAVAILABLE from a server that has gone away is 'unreachable' (3), NOT_FOUND is 2, the
    rest are 1."""
    if is_unavailable(exc) and not is_reachable(settings.server_addr, settings.connect_timeout_s):
        return unreachable_error(settings.server_addr)
    return CliError(describe(exc), EXIT_NOT_FOUND if is_not_found(exc) else EXIT_ERROR)


if __name__ == "__main__":
    sys.exit(main())
