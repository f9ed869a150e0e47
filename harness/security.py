"""Security checks on a running stack: where its processes listen, and what a caller without
the API key gets. Reads /proc (Linux); no behave import, no reference import."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import grpc
from ai.stigmer.agentic.agentexecution.v1 import io_pb2
from ai.stigmer.agentic.agentexecution.v1 import query_pb2_grpc as execution_query_grpc

from harness.leaks import descendants

LISTEN = "0A"  # TCP state LISTEN in /proc/net/tcp*
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


def _decode(address: str) -> tuple[str, int]:
    """``0100007F:1F90`` -> ("127.0.0.1", 8080); IPv6 as well."""
    host_hex, port_hex = address.split(":")
    raw = bytes.fromhex(host_hex)
    # /proc prints the address as 32-bit words in host (little-endian) order.
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    ip = ipaddress.ip_address(words)
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1 is IPv4 loopback
    return str(mapped or ip), int(port_hex, 16)


def listening_inodes(proc: Path = Path("/proc")) -> dict[int, tuple[str, int]]:
    """socket inode -> (host, port) of every listening TCP socket of this machine."""
    found: dict[int, tuple[str, int]] = {}
    for table in ("net/tcp", "net/tcp6"):
        try:
            lines = (proc / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == LISTEN:
                found[int(fields[9])] = _decode(fields[1])
    return found


def socket_inodes(pid: int) -> set[int]:
    """Inodes of the sockets a process holds open."""
    inodes: set[int] = set()
    try:
        entries = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for entry in entries:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{entry}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def listeners(processes: dict[str, int]) -> list[Listener]:
    """Listening sockets of the named processes and of every process below them."""
    table = listening_inodes()
    found: set[Listener] = set()
    for name, root in processes.items():
        for pid in {root, *descendants(root)}:
            for inode in socket_inodes(pid):
                if inode in table:
                    host, port = table[inode]
                    found.add(Listener(name, pid, host, port))
    return sorted(found, key=lambda item: (item.name, item.port))


def exposed(found: Iterable[Listener], allowed_hosts: Iterable[str] = ()) -> list[Listener]:
    """The listeners on an address other than loopback and ``allowed_hosts``."""
    allowed = LOOPBACK | {host for host in allowed_hosts if host}
    return [item for item in found if item.host not in allowed]


def published_ports(containers: Iterable[object]) -> list[tuple[str, str, str]]:
    """(container, container port, host address) of every port containers publish."""
    found = []
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
