"""The HTTP layer: Ollama's routes, JSON errors and NDJSON streaming (aiohttp)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from aiohttp import web

from reference.llm.errors import ApiError
from reference.llm.schemas import OLLAMA_COMPAT_VERSION, file_digest
from reference.llm.service import OllamaService, merge

log = logging.getLogger(__name__)
SERVICE = web.AppKey("service", OllamaService)
DIGEST = web.AppKey("digest", asyncio.Task)
NDJSON = "application/x-ndjson"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """ApiError -> ``{"error": ...}`` with its status; anything else -> 500."""
    try:
        return await handler(request)
    except ApiError as error:
        return _json_error(error.status, error.message)
    except web.HTTPException:
        raise
    except Exception as error:  # a bug or a llama.cpp failure: report, keep serving
        log.exception("%s %s failed", request.method, request.path)
        return _json_error(500, f"{type(error).__name__}: {error}")


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    try:
        body = json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ApiError(400, f"invalid JSON body: {error}") from error
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object")
    return body


async def _stream(request: web.Request, chunks: AsyncGenerator[dict[str, Any], None]
                  ) -> web.StreamResponse:
    """Send chunks as NDJSON; an error after the headers went out becomes an error line."""
    response = web.StreamResponse(headers={"Content-Type": NDJSON})
    await response.prepare(request)
    async with contextlib.aclosing(chunks) as source:
        try:
            async for chunk in source:
                await response.write(json.dumps(chunk).encode() + b"\n")
        except ApiError as error:
            await response.write(json.dumps({"error": error.message}).encode() + b"\n")
        except ConnectionResetError:
            log.info("client went away during %s; generation stopped", request.path)
            return response
    await response.write_eof()
    return response


def _service(request: web.Request) -> OllamaService:
    return request.app[SERVICE]


async def root(request: web.Request) -> web.Response:
    return web.Response(text="Ollama is running")


async def version(request: web.Request) -> web.Response:
    return web.json_response({"version": OLLAMA_COMPAT_VERSION})


async def _digest(request: web.Request) -> str:
    service = _service(request)
    if not service.card.digest:
        service.card.digest = await asyncio.shield(request.app[DIGEST])
    return service.card.digest


async def tags(request: web.Request) -> web.Response:
    service = _service(request)
    await _digest(request)
    return web.json_response({"models": [service.card.listing(n) for n in service.names.all]})


async def ps(request: web.Request) -> web.Response:
    service = _service(request)
    await _digest(request)
    return web.json_response({"models": [service.card.running(service.names.primary)]})


async def show(request: web.Request) -> web.Response:
    body = await _body(request)
    service = _service(request)
    service.resolve(body.get("model") or body.get("name"))
    return web.json_response(service.card.show())


async def _generation(request: web.Request, kind: str) -> web.StreamResponse:
    service = _service(request)
    body = await _body(request)
    if log.isEnabledFor(logging.DEBUG):  # the exact request, to replay it (STIGMER_LLM_LOG_LEVEL)
        log.debug("%s request: %s", kind, json.dumps(body))
    plan = service.plan(kind, body)
    chunks = service.generate(plan)
    if plan.stream:
        return await _stream(request, chunks)
    async with contextlib.aclosing(chunks) as source:
        collected = [chunk async for chunk in source]
    return web.json_response(merge(collected))


async def chat(request: web.Request) -> web.StreamResponse:
    return await _generation(request, "chat")


async def generate(request: web.Request) -> web.StreamResponse:
    return await _generation(request, "generate")


async def pull(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    service = _service(request)
    requested = body.get("model") or body.get("name")
    if not isinstance(requested, str) or service.names.resolve(requested) is None:
        served = ", ".join(service.names.all)
        raise ApiError(404, f"pull model manifest: file does not exist (this endpoint serves "
                            f"only {served})")
    digest = await _digest(request)
    size = service.card.size

    async def progress() -> AsyncGenerator[dict[str, Any], None]:
        yield {"status": "pulling manifest"}
        yield {"status": f"pulling {digest[:12]}", "digest": f"sha256:{digest}",
               "total": size, "completed": size}
        yield {"status": "verifying sha256 digest"}
        yield {"status": "writing manifest"}
        yield {"status": "success"}

    if body.get("stream", True) is False:
        return web.json_response({"status": "success"})
    return await _stream(request, progress())


async def embed(request: web.Request) -> web.Response:
    body = await _body(request)
    service = _service(request)
    model = service.resolve(body.get("model"))
    inputs = body.get("input", [])
    inputs = [inputs] if isinstance(inputs, str) else inputs
    if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
        raise ApiError(400, "input must be a string or a list of strings")
    dimensions = body.get("dimensions")
    if dimensions is not None and (not isinstance(dimensions, int) or dimensions <= 0):
        raise ApiError(400, "dimensions must be a positive integer")
    result = await service.embed(inputs, dimensions)
    return web.json_response({"model": model, **result})


async def embeddings(request: web.Request) -> web.Response:
    """The legacy single-prompt endpoint."""
    body = await _body(request)
    service = _service(request)
    service.resolve(body.get("model"))
    prompt = body.get("prompt") or ""
    if not isinstance(prompt, str):
        raise ApiError(400, "prompt must be a string")
    if not prompt:
        return web.json_response({"embedding": []})
    result = await service.embed([prompt])
    return web.json_response({"embedding": result["embeddings"][0]})


async def _start_digest(app: web.Application) -> None:
    card = app[SERVICE].card
    app[DIGEST] = asyncio.ensure_future(asyncio.to_thread(file_digest, card.path))


def create_app(service: OllamaService) -> web.Application:
    """The aiohttp application serving ``service`` under Ollama's routes."""
    app = web.Application(middlewares=[errors], client_max_size=64 * 1024 * 1024)
    app[SERVICE] = service
    app.on_startup.append(_start_digest)
    app.router.add_get("/", root)  # GET also answers HEAD
    app.router.add_get("/api/version", version)
    app.router.add_get("/api/tags", tags)
    app.router.add_get("/api/ps", ps)
    app.router.add_post("/api/show", show)
    app.router.add_post("/api/chat", chat)
    app.router.add_post("/api/generate", generate)
    app.router.add_post("/api/pull", pull)
    app.router.add_post("/api/embed", embed)
    app.router.add_post("/api/embeddings", embeddings)
    return app
