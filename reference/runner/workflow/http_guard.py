"""Which hosts an http_call task may reach: loopback and the Docker host gateway only.

The reference runner never calls the internet: a task URL must name ``localhost``,
``host.docker.internal`` / ``gateway.docker.internal``, a loopback address, or a host listed
in ``STIGMER_WORKFLOW_HTTP_ALLOWED_HOSTS`` (comma-separated); anything else is refused with a
clear error before any connection is made. Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterable
from urllib.parse import urlparse

GATEWAY_NAMES = ("host.docker.internal", "gateway.docker.internal")
ENV_ALLOWED = "STIGMER_WORKFLOW_HTTP_ALLOWED_HOSTS"


class HostNotAllowed(ValueError):
    """The URL's host is outside the allowed set; the message says what is allowed."""


def allowed_names(extra: Iterable[str] | None = None) -> set[str]:
    """The host names allowed besides loopback addresses."""
    names = {"localhost", *GATEWAY_NAMES}
    configured = os.environ.get(ENV_ALLOWED, "") if extra is None else ",".join(extra)
    names.update(h.strip().lower() for h in configured.split(",") if h.strip())
    return names


def _gateway_addresses() -> set[str]:
    addresses: set[str] = set()
    for name in GATEWAY_NAMES:
        try:
            addresses.update(str(info[4][0]) for info in socket.getaddrinfo(name, None))
        except OSError:
            continue
    return addresses


def check_url(url: str, extra: Iterable[str] | None = None) -> str:
    """Return ``url`` if it may be called; raise :class:`HostNotAllowed` otherwise."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise HostNotAllowed(f"{url!r} is not an http(s) URL")
    host = parsed.hostname.lower()
    if host in allowed_names(extra):
        return url
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and (address.is_loopback or str(address) in _gateway_addresses()):
        return url
    raise HostNotAllowed(
        f"host {host!r} is not allowed: the reference runner only calls loopback and the Docker "
        f"host gateway (localhost, 127.0.0.1, host.docker.internal; more via {ENV_ALLOWED})")
