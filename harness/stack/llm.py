"""Finding an Ollama API for the agents: a real Ollama first, else the embedded endpoint.

``find_ollama`` probes an Ollama URL (``/api/version``, ``/api/tags``). ``EmbeddedOllama``
is a service object for the reference stack's Ollama-compatible endpoint, started as a
process (``python -m reference.llm``; never imported). ``resolve_llm`` puts both together
and explains its choice in one sentence for the prerequisite summary.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from harness.config import REPO_ROOT
from harness.processes import ManagedProcess, ProcessFailed

EMBEDDED_MODEL = "smollm2:135m"
EMBEDDED_LABEL = "the embedded Ollama-compatible endpoint (SmolLM2-135M)"
READY_LINE = re.compile(r"^listening on (\S+):(\d+)$", re.MULTILINE)


class LlmUnavailable(RuntimeError):
    """No Ollama serves the model and the embedded endpoint is off or failed to start."""


# --- model names, as Ollama compares them ------------------------------------------------

def normalize_model(name: str) -> str:
    """``smollm2`` -> ``smollm2:latest``; drops the default registry/namespace; lower case."""
    name = name.strip().lower()
    path, tag = name, "latest"
    if ":" in name.rsplit("/", 1)[-1]:
        path, tag = name.rsplit(":", 1)
    for prefix in ("registry.ollama.ai/library/", "library/"):
        if path.startswith(prefix):
            path = path[len(prefix):]
            break
    return f"{path}:{tag or 'latest'}"


def serves(models: Sequence[str], model: str) -> bool:
    """True when a listing of model names contains ``model`` (Ollama's resolution)."""
    wanted = normalize_model(model)
    return any(normalize_model(name) == wanted for name in models)


# --- probing an Ollama API ---------------------------------------------------------------

@dataclass(frozen=True)
class OllamaProbe:
    """What an Ollama URL answered."""

    url: str
    reachable: bool
    version: str = ""
    has_model: bool = False
    models: tuple[str, ...] = ()
    error: str = ""


def normalize_url(url: str) -> str:
    """``localhost:11434`` -> ``http://localhost:11434``; no trailing slash."""
    url = url.strip()
    if "://" not in url:
        url = f"http://{url}"
    return url.rstrip("/")


def _describe(error: BaseException, timeout: float) -> str:
    reason = getattr(error, "reason", error)
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"no answer within {timeout:g}s"
    if isinstance(reason, socket.gaierror):
        return f"unknown host ({reason})"
    return str(reason) or type(reason).__name__


def _get_json(url: str, timeout: float) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        payload = json.loads(response.read() or b"null")
    if not isinstance(payload, dict):
        raise ValueError("not a JSON object")
    return payload


def find_ollama(url: str, model: str, timeout: float = 2.0) -> OllamaProbe:
    """Probe ``url``: is an Ollama API there, which version, does it list ``model``?"""
    base = normalize_url(url)
    try:
        version = str(_get_json(f"{base}/api/version", timeout).get("version", ""))
    except urllib.error.HTTPError as error:
        return OllamaProbe(base, False, error=f"HTTP {error.code} from /api/version: not an "
                                              "Ollama API")
    except (urllib.error.URLError, OSError) as error:
        return OllamaProbe(base, False, error=_describe(error, timeout))
    except ValueError:
        return OllamaProbe(base, False, error="unexpected answer from /api/version: not an "
                                              "Ollama API")
    try:
        listing = _get_json(f"{base}/api/tags", timeout).get("models") or []
    except (urllib.error.URLError, OSError, ValueError) as error:
        return OllamaProbe(base, True, version, error=f"/api/tags failed: "
                                                       f"{_describe(error, timeout)}")
    names = tuple(str(m.get("model") or m.get("name")) for m in listing if isinstance(m, dict))
    return OllamaProbe(base, True, version, serves(names, model), names)


# --- the embedded endpoint ----------------------------------------------------------------

class EmbeddedOllama:
    """The reference Ollama-compatible endpoint as a supervised process.

    Binds 127.0.0.1 plus any ``extra_hosts`` (e.g. the Docker bridge gateway) on one free
    port, logs to ``log_path``, and is stopped with SIGINT, then SIGKILL after ``grace``.
    """

    def __init__(
        self,
        log_path: Path,
        *,
        model: str = EMBEDDED_MODEL,
        extra_hosts: Sequence[str] = (),
        threads: int = 1,
        num_ctx: int | None = None,
        extra_args: Sequence[str] = (),
        ready_timeout: float = 60.0,
        grace: float = 5.0,
        python: str = sys.executable,
        cwd: Path = REPO_ROOT,
    ) -> None:
        self.log_path = Path(log_path)
        self.model = model
        self.hosts = ["127.0.0.1", *(h for h in extra_hosts if h and h != "127.0.0.1")]
        self.threads = threads
        self.num_ctx = num_ctx
        self.extra_args = list(extra_args)  # more flags of the endpoint (see its --help)
        self.ready_timeout = ready_timeout
        self.grace = grace
        self.python = python
        self.cwd = cwd
        self.port: int | None = None
        self.fixed_port: int | None = None  # set to restart on the same port (fault tests)
        self._process: ManagedProcess | None = None
        self._log_offset = 0

    def argv(self) -> list[str]:
        """The command line (``--port 0``: the process picks a free port and prints it)."""
        argv = [self.python, "-m", "reference.llm", "--port", str(self.fixed_port or 0),
                "--threads", str(self.threads)]
        for host in self.hosts:
            argv += ["--host", host]
        if normalize_model(self.model) != normalize_model(EMBEDDED_MODEL):
            argv += ["--alias", self.model]
        if self.num_ctx:
            argv += ["--num-ctx", str(self.num_ctx)]
        return argv + self.extra_args

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` once started."""
        if self.port is None:
            raise RuntimeError("the embedded Ollama endpoint is not started")
        return f"http://127.0.0.1:{self.port}"

    def url_for(self, host: str) -> str:
        """The URL through another name of this machine, e.g. ``host.docker.internal``."""
        return self.url.replace("127.0.0.1", host, 1)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def running(self) -> bool:
        return self._process is not None and self._process.running()

    def _ready(self) -> bool:
        try:
            with self.log_path.open("rb") as log:
                log.seek(self._log_offset)
                text = log.read().decode(errors="replace")
        except OSError:
            return False
        match = READY_LINE.search(text)
        if match is None:
            return False
        self.port = int(match.group(2))
        probe = find_ollama(self.url, self.model, timeout=2.0)
        return probe.reachable and probe.has_model

    def start(self) -> EmbeddedOllama:
        """Launch and wait for the ready line; raises ``ProcessFailed`` with the log tail."""
        if self.running():
            return self
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.port = None
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._process = ManagedProcess(
            "embedded Ollama endpoint", self.argv(), log_path=self.log_path, env=env,
            cwd=self.cwd, ready_probe=self._ready, ready_timeout=self.ready_timeout,
            grace=self.grace,
        )
        try:
            self._process.start()
        except BaseException:
            self._process = None  # ManagedProcess.start stopped it already
            raise
        return self

    def stop(self) -> int | None:
        """Stop the process (idempotent); returns its exit code."""
        if self._process is None:
            return None
        code = self._process.stop()
        self._process = None
        return code

    def __enter__(self) -> EmbeddedOllama:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- the choice ---------------------------------------------------------------------------

@dataclass
class LlmChoice:
    """The Ollama API the run uses, where it comes from, and why."""

    url: str
    source: Literal["ollama", "embedded"]
    reason: str
    model: str
    probe: OllamaProbe
    handle: EmbeddedOllama | None = field(default=None, repr=False)

    @property
    def port(self) -> int:
        return int(urlsplit(self.url).port or 11434)

    def url_for(self, host: str) -> str:
        """The same API through another host name (containers: ``host.docker.internal``)."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{host}:{self.port}"

    def stop(self) -> None:
        """Stop the embedded endpoint if this choice started one."""
        if self.handle is not None:
            self.handle.stop()


def resolve_llm(
    configured_url: str,
    model: str,
    allow_embedded: bool,
    extra_host: str | None,
    log_path: Path,
    *,
    timeout: float = 2.0,
    ready_timeout: float = 60.0,
    num_ctx: int | None = None,
    threads: int = 1,
    extra_args: Sequence[str] = (),
) -> LlmChoice:
    """Use the Ollama at ``configured_url`` if it serves ``model``; else start the embedded one.

    Raises ``LlmUnavailable`` (with what to do) when neither is possible.
    """
    probe = find_ollama(configured_url, model, timeout)
    if probe.reachable and probe.has_model:
        return LlmChoice(probe.url, "ollama",
                         f"using Ollama {probe.version} at {probe.url}, which serves {model}",
                         model, probe)
    if probe.reachable:
        why = (f"Ollama {probe.version} at {probe.url} does not have {model} "
               f"(run `ollama pull {model}` to use it)")
        if probe.error:
            why = f"Ollama {probe.version} at {probe.url} answered but {probe.error}"
    else:
        why = f"Ollama at {probe.url} is not reachable ({probe.error})"
    if not allow_embedded:
        raise LlmUnavailable(f"{why}; the embedded endpoint is disabled (embedded_llm=false)")
    embedded = EmbeddedOllama(log_path, model=model, ready_timeout=ready_timeout,
                              extra_hosts=[extra_host] if extra_host else [], num_ctx=num_ctx,
                              threads=threads, extra_args=extra_args)
    try:
        embedded.start()
    except ProcessFailed as error:
        raise LlmUnavailable(f"{why}; starting {EMBEDDED_LABEL} failed: {error}") from error
    answering = "" if normalize_model(model) == normalize_model(EMBEDDED_MODEL) else (
        f", answering as {model}")
    reason = f"{why}; started {EMBEDDED_LABEL} on {embedded.url}{answering}"
    return LlmChoice(embedded.url, "embedded", reason, model, probe, embedded)
