"""Security checks on a running stack: where its processes listen, and what a caller without
the API key gets. psutil for sockets (Linux and macOS); no behave import, no reference import."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import grpc
import psutil
from ai.stigmer.agentic.agentexecution.v1 import io_pb2
from ai.stigmer.agentic.agentexecution.v1 import query_pb2_grpc as execution_query_grpc

from harness.runs.leaks import descendants

LOOPBACK = {"127.0.0.1", "::1"}


@dataclass(frozen=True)
class Listener:
    """A listening TCP socket of a process."""

    name: str
    pid: int
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.name} (PID {self.pid}) on {self.host}:{self.port}"


def _host(address: str) -> str:
    """``::ffff:127.0.0.1`` is IPv4 loopback; other addresses as they are."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    mapped = getattr(ip, "ipv4_mapped", None)
    return str(mapped or ip)


def process_listeners(name: str, pid: int) -> set[Listener]:
    """Listening TCP sockets a process holds (psutil: Linux and macOS alike)."""
    try:
        connections = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.Error:
        return set()
    return {Listener(name, pid, _host(conn.laddr.ip), conn.laddr.port)
            for conn in connections if conn.status == psutil.CONN_LISTEN and conn.laddr}


def listeners(processes: dict[str, int]) -> list[Listener]:
    """Listening sockets of the named processes and of every process below them."""
    found: set[Listener] = set()
    for name, root in processes.items():
        for pid in {root, *descendants(root)}:
            found |= process_listeners(name, pid)
    return sorted(found, key=lambda item: (item.name, item.port))


def exposed(found: Iterable[Listener], allowed_hosts: Iterable[str] = ()) -> list[Listener]:
    """The listeners on an address other than loopback and ``allowed_hosts``."""
    allowed = LOOPBACK | {host for host in allowed_hosts if host}
    return [item for item in found if item.host not in allowed]


def published_ports(containers: Iterable[Any]) -> list[tuple[str, str, str]]:
    """(container, container port, host address) of every port containers publish (docker
    SDK containers)."""
    found: list[tuple[str, str, str]] = []
    for container in containers:
        container.reload()
        ports = container.attrs["NetworkSettings"]["Ports"] or {}
        for port, bindings in ports.items():
            for binding in bindings or []:
                found.append((container.name, port, binding.get("HostIp") or "0.0.0.0"))
    return found


def call_without_key(address: str, timeout: float = 5.0) -> grpc.RpcError:
    """Call the server with no credentials at all (the official SDK refuses to); returns the
    error it answers with (raises AssertionError when it answers the call)."""
    with grpc.insecure_channel(address) as channel:
        stub = execution_query_grpc.AgentExecutionQueryControllerStub(channel)
        try:
            stub.get(io_pb2.AgentExecutionId(value="aex-anything"), timeout=timeout)
        except grpc.RpcError as error:
            return error
    raise AssertionError("the server answered a call that carried no API key")
