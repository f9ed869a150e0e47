"""harness.stack.llm: probing Ollama URLs (against a tiny fake server) and the embedded fallback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harness.processes import ProcessFailed, free_port
from harness.stack.llm import (
    EmbeddedOllama,
    LlmUnavailable,
    find_ollama,
    normalize_model,
    normalize_url,
    resolve_llm,
    serves,
)

Route = tuple[int, bytes, float]  # status, body, delay


class FakeOllama:
    """A stdlib HTTP server answering fixed routes."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body, delay = fake.routes.get(self.path, (404, b"404 page not found", 0))
                time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeOllama:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def ollama_routes(*models: str, version: str = "0.12.6") -> dict[str, Route]:
    tags = {"models": [{"name": m, "model": m, "size": 1} for m in models]}
    return {"/api/version": (200, json.dumps({"version": version}).encode(), 0),
            "/api/tags": (200, json.dumps(tags).encode(), 0)}


@pytest.fixture
def ollama_with_model() -> Iterator[FakeOllama]:
    with FakeOllama(ollama_routes("smollm2:135m", "llama3.2:latest")) as fake:
        yield fake


def test_probe_finds_the_model(ollama_with_model: FakeOllama) -> None:
    probe = find_ollama(ollama_with_model.url + "/", "smollm2:135m", timeout=2)
    assert probe.reachable and probe.has_model and probe.version == "0.12.6"
    assert probe.models == ("smollm2:135m", "llama3.2:latest")
    assert probe.url == ollama_with_model.url and probe.error == ""
    assert find_ollama(ollama_with_model.url, "llama3.2", timeout=2).has_model


def test_probe_reachable_without_the_model(ollama_with_model: FakeOllama) -> None:
    probe = find_ollama(ollama_with_model.url, "smollm2", timeout=2)  # = smollm2:latest
    assert probe.reachable and not probe.has_model and probe.error == ""


def test_probe_connection_refused() -> None:
    probe = find_ollama(f"127.0.0.1:{free_port()}", "smollm2:135m", timeout=1)
    assert not probe.reachable and probe.error == "connection refused"


def test_probe_not_an_ollama_api() -> None:
    with FakeOllama({}) as fake:
        probe = find_ollama(fake.url, "smollm2:135m", timeout=2)
    assert not probe.reachable and "HTTP 404" in probe.error and "not an Ollama API" in probe.error
    with FakeOllama({"/api/version": (200, b"<html>", 0)}) as fake:
        probe = find_ollama(fake.url, "smollm2:135m", timeout=2)
    assert not probe.reachable and "not an Ollama API" in probe.error


def test_probe_timeout() -> None:
    with FakeOllama({"/api/version": (200, b"{}", 1.5)}) as fake:
        probe = find_ollama(fake.url, "smollm2:135m", timeout=0.3)
    assert not probe.reachable and probe.error == "no answer within 0.3s"


def test_probe_broken_tags() -> None:
    routes = ollama_routes()
    routes["/api/tags"] = (500, b'{"error": "boom"}', 0)
    with FakeOllama(routes) as fake:
        probe = find_ollama(fake.url, "smollm2:135m", timeout=2)
    assert probe.reachable and not probe.has_model and "/api/tags failed" in probe.error


@pytest.mark.parametrize(("name", "short"), [
    ("smollm2", "smollm2:latest"), ("SmolLM2:135M", "smollm2:135m"),
    ("registry.ollama.ai/library/smollm2:135m", "smollm2:135m"),
    ("host:5000/ns/model", "host:5000/ns/model:latest"),
])
def test_normalize_model(name: str, short: str) -> None:
    assert normalize_model(name) == short


def test_serves_and_urls() -> None:
    assert serves(["smollm2:135m"], "smollm2:135m")
    assert not serves(["smollm2:135m"], "smollm2")
    assert serves(["llama3:latest"], "llama3")
    assert normalize_url(" localhost:11434/ ") == "http://localhost:11434"


def test_resolve_prefers_a_real_ollama(ollama_with_model: FakeOllama, tmp_path: Path) -> None:
    choice = resolve_llm(ollama_with_model.url, "smollm2:135m", True, None, tmp_path / "llm.log")
    assert choice.source == "ollama" and choice.handle is None
    assert choice.url == ollama_with_model.url
    assert choice.reason == f"using Ollama 0.12.6 at {ollama_with_model.url}, which serves " \
                            "smollm2:135m"
    assert choice.url_for("host.docker.internal").startswith("http://host.docker.internal:")
    assert not (tmp_path / "llm.log").exists()


def test_resolve_without_fallback_explains(tmp_path: Path) -> None:
    with FakeOllama(ollama_routes("llama3.2:latest")) as fake, \
            pytest.raises(LlmUnavailable) as raised:
        resolve_llm(fake.url, "smollm2:135m", False, None, tmp_path / "llm.log")
    assert "does not have smollm2:135m" in str(raised.value)
    assert "ollama pull smollm2:135m" in str(raised.value)
    assert "embedded_llm=false" in str(raised.value)


FAKE_MAIN = """
import sys, time
sys.stdout.write("not ready yet\\n"); sys.stdout.flush()
time.sleep(0.2)
sys.exit(3)
"""


def _fake_reference(tmp_path: Path, main: str) -> Path:
    package = tmp_path / "fake_root" / "reference" / "llm"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(main)
    return tmp_path / "fake_root"


def test_embedded_start_failure_reports_log_tail(tmp_path: Path) -> None:
    root = _fake_reference(tmp_path, FAKE_MAIN)
    embedded = EmbeddedOllama(tmp_path / "llm.log", cwd=root, ready_timeout=10)
    with pytest.raises(ProcessFailed) as raised:
        embedded.start()
    assert "exited with code 3" in str(raised.value) and "not ready yet" in str(raised.value)
    assert not embedded.running() and embedded.stop() is None


def test_embedded_argv() -> None:
    embedded = EmbeddedOllama(Path("x.log"), model="llama3.2", extra_hosts=["172.17.0.1", ""])
    argv = embedded.argv()
    assert argv[1:5] == ["-m", "reference.llm", "--port", "0"]
    assert argv[7:11] == ["--host", "127.0.0.1", "--host", "172.17.0.1"]
    assert argv[-2:] == ["--alias", "llama3.2"] and "--cache-prompt" not in argv
    cached = EmbeddedOllama(Path("x.log"), num_ctx=8192, extra_args=["--cache-prompt"]).argv()
    assert cached[-3:] == ["--num-ctx", "8192", "--cache-prompt"]
    with pytest.raises(RuntimeError):
        _ = embedded.url


def test_resolve_falls_back_to_the_embedded_endpoint(tmp_path: Path) -> None:
    """The real thing: a stale ready line in a reused log must not fool the wait."""
    log = tmp_path / "llm.log"
    log.write_text("listening on 127.0.0.1:1\n")
    url = f"http://127.0.0.1:{free_port()}"
    choice = resolve_llm(url, "smollm2:135m", True, "127.0.0.2", log, ready_timeout=60)
    assert choice.handle is not None
    try:
        assert choice.source == "embedded"
        assert choice.reason.startswith(f"Ollama at {url} is not reachable (connection refused)"
                                        "; started the embedded Ollama-compatible endpoint "
                                        "(SmolLM2-135M) on http://127.0.0.1:")
        assert choice.port != 1
        for address in (choice.url, choice.url_for("127.0.0.2")):  # the extra bind host too
            probe = find_ollama(address, "smollm2:135m", timeout=5)
            assert probe.reachable and probe.has_model
    finally:
        code = choice.handle.stop()
    assert code == 0 and not choice.handle.running()
    assert "shutting down" in log.read_text()
    choice.stop()  # idempotent
