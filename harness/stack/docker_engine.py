"""Which Docker engine the suite talks to, and whether it answers (docker SDK).

The engine is, in order: ``$DOCKER_HOST``; the ``DOCKER_HOST`` recorded by
``scripts/provision-docker.sh`` in ``.stigmer-e2e/docker.env`` (path overridable with
``$STIGMER_E2E_DOCKER_ENV``); the default socket. ``docker_environment()`` gives the
environment to run the ``docker`` CLI / ``docker compose`` with, so that every tool of the
harness talks to the same engine.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.config import REPO_ROOT

ENV_FILE_VAR = "STIGMER_E2E_DOCKER_ENV"
DEFAULT_ENV_FILE = REPO_ROOT / ".stigmer-e2e" / "docker.env"
DEFAULT_HOST = "unix:///var/run/docker.sock"


@dataclass(frozen=True)
class DockerProbe:
    """The outcome of asking the engine for a ping and its version."""

    reachable: bool
    host: str
    version: str = ""
    api_version: str = ""
    gateway: str = ""
    error: str = ""


def env_file_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get(ENV_FILE_VAR) or DEFAULT_ENV_FILE)


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines (comments, blanks and malformed lines ignored; quotes stripped)."""
    try:
        text = path.read_text()
    except OSError:
        return {}
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def docker_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of the environment with ``DOCKER_HOST`` filled in from the env file if unset."""
    env = dict(os.environ if environ is None else environ)
    if not env.get("DOCKER_HOST"):
        host = read_env_file(env_file_path(env)).get("DOCKER_HOST", "")
        if host:
            env["DOCKER_HOST"] = host
    return env


def docker_host(environ: Mapping[str, str] | None = None) -> str:
    """The engine address in use (``DEFAULT_HOST`` when nothing says otherwise)."""
    return docker_environment(environ).get("DOCKER_HOST") or DEFAULT_HOST


def docker_client(timeout: float = 10.0, environ: Mapping[str, str] | None = None) -> Any:
    """A ``docker.DockerClient`` for the engine in use (raises when it does not answer)."""
    import docker

    # types-docker says int; the SDK hands the timeout to requests, which takes a float
    return docker.from_env(environment=docker_environment(environ),
                           timeout=timeout)  # type: ignore[arg-type]


def bridge_gateway(client: Any) -> str:
    """The default bridge's gateway: the address ``host.docker.internal`` (host-gateway)
    resolves to in containers. Host services they call must listen on it.

    Some engines (e.g. Debian's 20.10) leave ``Gateway`` out of the default bridge's IPAM
    config; Docker then gives the bridge the first address of its subnet.
    """
    configs = client.networks.get("bridge").attrs.get("IPAM", {}).get("Config") or []
    for config in configs:
        if config.get("Gateway"):
            return str(config["Gateway"])
    for config in configs:
        subnet = ipaddress.ip_network(config.get("Subnet") or "::/128", strict=False)
        if subnet.version == 4 and subnet.num_addresses > 2:
            return str(next(subnet.hosts()))
    return ""


def probe_docker(timeout: float = 3.0, environ: Mapping[str, str] | None = None) -> DockerProbe:
    """Ping the engine; never raises. ``error`` says why it is not reachable."""
    host = docker_host(environ)
    try:
        import docker  # noqa: F401
    except ImportError:
        return DockerProbe(False, host, error="the docker SDK is not installed: "
                                              "pip install docker==7.2.0")
    client = None
    try:
        client = docker_client(timeout=timeout, environ=environ)
        client.ping()
        version = client.version()
        try:
            gateway = bridge_gateway(client)
        except Exception:  # the gateway is informative only
            gateway = ""
        return DockerProbe(True, host, version=str(version.get("Version", "")),
                           api_version=str(version.get("ApiVersion", "")), gateway=gateway)
    except Exception as error:  # any failure means "not reachable"
        return DockerProbe(False, host, error=f"{type(error).__name__}: {error}")
    finally:
        if client is not None:
            client.close()
