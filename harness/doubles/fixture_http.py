"""A tiny JSON HTTP API the workflow scenarios call (stdlib only, loopback + Docker gateway).

Routes (GET unless noted)::

    /users/<n>      {"id": n, "name": "User <n>", "email": "user<n>@example.test"}
    /items          [{"id": 1, "name": "apple", "price": 3}, ... 3 items]
    /slow?ms=<n>    {"slept_ms": n} after sleeping n milliseconds (max 10 s)
    /fail           500 {"error": "this endpoint always fails"}
    /private/<x>    {"order": "accepted", "path": x} only with ``Authorization: Bearer <token>``
                    for the token given to ``accept_token``; otherwise 401 (never echoes it)
    /echo (POST)    {"method", "json", "headers": {"x-token-seen": bool}} (never echoes tokens)
    anything else   404 {"error": "not found"}

It records each request path, so scenarios can check what a workflow called.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

ITEMS = [{"id": 1, "name": "apple", "price": 3}, {"id": 2, "name": "bread", "price": 4},
         {"id": 3, "name": "cheese", "price": 8}]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return None

    def _send(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        self.server.owner.record(f"GET {url.path}")
        parts = [p for p in url.path.split("/") if p]
        if len(parts) == 2 and parts[0] == "users" and parts[1].isdigit():
            n = int(parts[1])
            self._send(200, {"id": n, "name": f"User {n}", "email": f"user{n}@example.test"})
        elif parts == ["items"]:
            self._send(200, ITEMS)
        elif parts == ["slow"]:
            ms = min(int(parse_qs(url.query).get("ms", ["500"])[0]), 10_000)
            time.sleep(ms / 1000)
            self._send(200, {"slept_ms": ms})
        elif parts == ["fail"]:
            self._send(500, {"error": "this endpoint always fails"})
        elif len(parts) == 2 and parts[0] == "private":
            if self.server.owner.token_ok(self.headers.get("Authorization", "")):
                self._send(200, {"order": "accepted", "path": parts[1]})
            else:
                self._send(401, {"error": "a valid bearer token is required"})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        url = urlparse(self.path)
        self.server.owner.record(f"POST {url.path}")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode(errors="replace")
        if url.path == "/echo":
            self._send(200, {"method": "POST", "json": payload,
                             "headers": {"x-token-seen": bool(self.headers.get("X-Token"))}})
        else:
            self._send(404, {"error": "not found"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FixtureHttpServer


class FixtureHttpServer:
    """The fixture API on one port of every given host; ``stop()`` ends it."""

    def __init__(self, hosts: Sequence[str] = ("127.0.0.1",)) -> None:
        self.hosts = list(hosts)
        self.port = 0
        self.requests: list[str] = []
        self._token = ""
        self._lock = threading.Lock()
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []

    def record(self, line: str) -> None:
        with self._lock:
            self.requests.append(line)

    def accept_token(self, token: str) -> None:
        """From now on ``/private/...`` answers only requests bearing ``token``."""
        self._token = token

    def token_ok(self, authorization: str) -> bool:
        """Whether an ``Authorization`` header carries the accepted bearer token."""
        return bool(self._token) and hmac.compare_digest(authorization,
                                                         f"Bearer {self._token}")

    def start(self) -> FixtureHttpServer:
        """Bind every host (the first picks a free port), serve in daemon threads."""
        for host in self.hosts:
            server = _Server((host, self.port), _Handler)
            server.owner = self
            self.port = server.server_address[1]
            thread = threading.Thread(target=server.serve_forever, name=f"fixture-http-{host}",
                                      daemon=True)
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
        return self

    def url(self, host: str = "127.0.0.1") -> str:
        """The base URL through ``host`` (e.g. ``host.docker.internal`` for containers)."""
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        """Stop serving on every host."""
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(2)
        self._servers.clear()
        self._threads.clear()
