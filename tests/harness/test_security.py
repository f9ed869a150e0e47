"""harness.security: /proc socket decoding, listeners of a process, exposure."""

from __future__ import annotations

import os
import socket

from harness.security import Listener, _decode, exposed, listeners


def test_decode_ipv4_and_ipv6() -> None:
    assert _decode("0100007F:1F90") == ("127.0.0.1", 8080)
    assert _decode("00000000:0050") == ("0.0.0.0", 80)
    assert _decode("0000000000000000FFFF00000100007F:0016") == ("127.0.0.1", 22)
    assert _decode("00000000000000000000000001000000:0016") == ("::1", 22)


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
