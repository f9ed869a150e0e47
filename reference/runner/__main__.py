"""``python -m reference.runner``: the agent-runner process (configured by env only)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

from .config import ENV_FIELDS, ConfigError, RunnerConfig, load_config
from .worker import serve

log = logging.getLogger("reference.runner")


def configure_logging() -> None:
    """Timestamped logs on stderr; chatty libraries at WARNING."""
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "mcp"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _env_help() -> str:
    defaults = RunnerConfig()
    lines = ["environment variables (empty = default):"]
    for var, (name, _) in ENV_FIELDS.items():
        default = "<hidden>" if var == "STIGMER_API_KEY" else getattr(defaults, name)
        lines.append(f"  {var:<36} default: {default}")
    return "\n".join(lines)


async def _run(config: RunnerConfig) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(sig: signal.Signals) -> None:
        log.info("received %s, stopping", sig.name)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig)
    return await serve(config, stop)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (2 on a configuration error)."""
    argparse.ArgumentParser(
        prog="python -m reference.runner",
        description="Reference Stigmer agent-runner (Temporal worker for ExecuteGraphton).",
        epilog=_env_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).parse_args(argv)
    configure_logging()
    try:
        config = load_config()
    except ConfigError as exc:
        log.error("%s", exc)
        return 2
    log.info("starting agent-runner: %s", config.describe())
    return asyncio.run(_run(config))


def exit_now(code: int) -> None:
    """Flush and exit without interpreter finalization.

    gRPC's and Temporal core's native threads can abort the interpreter while it finalizes
    ("PyGILState_Release ... finalizing", SIGABRT); the work is done, so skip finalization.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
