"""harness.checks.security: listeners of a process (psutil), exposure."""

from __future__ import annotations

import os
import socket

from harness.checks.security import Listener, _host, exposed, listeners


def test_hosts_are_normalised() -> None:
    assert _host("127.0.0.1") == "127.0.0.1"
    assert _host("::ffff:127.0.0.1") == "127.0.0.1"  # IPv4-mapped loopback is loopback
    assert _host("::1") == "::1"
    assert _host("fe80::1%eth0") == "fe80::1"


def test_a_child_listening_on_every_address_is_found_and_exposed() -> None:
    import subprocess
    import sys

    script = ("import socket, time; s = socket.socket(); s.bind(('0.0.0.0', 0)); s.listen(); "
              "print(s.getsockname()[1], flush=True); time.sleep(30)")
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        port = int(child.stdout.readline())
        found = listeners({"me": os.getpid()})
    finally:
        child.kill()
        child.wait(timeout=10)
    assert Listener("me", child.pid, "0.0.0.0", port) in found
    assert Listener("me", child.pid, "0.0.0.0", port) in exposed(found)


def test_listeners_of_this_process_are_found() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        found = listeners({"me": os.getpid()})
    assert Listener("me", os.getpid(), "127.0.0.1", port) in found


def test_exposed_allows_loopback_and_the_gateway() -> None:
    items = [Listener("a", 1, "127.0.0.1", 1), Listener("b", 2, "172.17.0.1", 2),
             Listener("c", 3, "0.0.0.0", 3)]
    assert exposed(items, ["172.17.0.1"]) == [items[2]]
    assert exposed(items) == items[1:]
