"""Exit codes and the mapping of SDK errors to one clear line."""

from __future__ import annotations

import grpc
from stigmer import StigmerError

EXIT_OK = 0
EXIT_ERROR = 1  # user errors: invalid argument, failed execution, ...
EXIT_USAGE = 2  # bad command line (argparse uses 2 as well)
EXIT_NOT_FOUND = 2  # the named resource does not exist (as the newer stigmer CLI exits)
EXIT_UNREACHABLE = 3  # no Stigmer server at the configured address
EXIT_INTERRUPTED = 130


def not_found_error(kind: str, name: str) -> CliError:
    """`No agent found for NAME` (exit 2), the newer stigmer CLI's wording."""
    return CliError(f"No {kind} found for {name}", EXIT_NOT_FOUND)


class CliError(Exception):
    """An error the CLI reports as one line on stderr, with an exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def unreachable_error(addr: str) -> CliError:
    """The error for a server that cannot be reached."""
    return CliError(
        f"Cannot reach Stigmer server at {addr}: is it running? (set STIGMER_SERVER_ADDR)",
        EXIT_UNREACHABLE,
    )


_PREFIXES: dict[grpc.StatusCode, str] = {
    grpc.StatusCode.INVALID_ARGUMENT: "invalid argument",
    grpc.StatusCode.NOT_FOUND: "not found",
    grpc.StatusCode.ALREADY_EXISTS: "already exists",
    grpc.StatusCode.FAILED_PRECONDITION: "failed precondition",
    grpc.StatusCode.PERMISSION_DENIED: "permission denied",
    grpc.StatusCode.UNAUTHENTICATED: "authentication failed (check STIGMER_API_KEY)",
    grpc.StatusCode.UNIMPLEMENTED: "the server does not implement this operation",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "resource exhausted",
    grpc.StatusCode.DEADLINE_EXCEEDED: "deadline exceeded",
    grpc.StatusCode.INTERNAL: "server error",
}


def one_line(text: str) -> str:
    """Collapse whitespace (including newlines) so an error fits on one line."""
    return " ".join(text.split())


def describe(err: StigmerError) -> str:
    """Describe an SDK error in one line, e.g. `invalid argument: name must ...`.

    UNAVAILABLE keeps the server's own words (e.g. "Temporal workflow engine is unavailable.
    Please try again later"), since it is not always about the connection.
    """
    message = one_line(str(err)) or err.grpc_code.name.lower()
    prefix = _PREFIXES.get(err.grpc_code)
    if prefix is None or prefix.split(" (")[0] in message.lower():
        return message
    return f"{prefix}: {message}"


def is_unimplemented(err: StigmerError) -> bool:
    """True when the server does not implement the called RPC."""
    return err.grpc_code == grpc.StatusCode.UNIMPLEMENTED


def is_not_found(err: StigmerError) -> bool:
    """True for NOT_FOUND."""
    return err.grpc_code == grpc.StatusCode.NOT_FOUND


def is_unavailable(err: StigmerError) -> bool:
    """True for UNAVAILABLE (the server, or something behind it, is unavailable)."""
    return err.grpc_code == grpc.StatusCode.UNAVAILABLE


def is_invalid_argument(err: StigmerError) -> bool:
    """True for INVALID_ARGUMENT."""
    return err.grpc_code == grpc.StatusCode.INVALID_ARGUMENT
