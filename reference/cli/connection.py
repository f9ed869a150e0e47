"""Connecting to a Stigmer server through the official SDK, with a short connect deadline."""

from __future__ import annotations

import threading

import grpc
from stigmer import StigmerClient

from reference.cli.config import Settings
from reference.cli.errors import unreachable_error


def is_reachable(addr: str, timeout_s: float) -> bool:
    """True once a gRPC connection to `addr` is READY; False on a failed attempt or timeout.

    A refused connection fails at once (TRANSIENT_FAILURE) rather than waiting for the deadline.
    """
    outcome: dict[str, bool] = {}
    done = threading.Event()

    def on_change(state: grpc.ChannelConnectivity) -> None:
        if state == grpc.ChannelConnectivity.READY:
            outcome.setdefault("ready", True)
            done.set()
        elif state in (
            grpc.ChannelConnectivity.TRANSIENT_FAILURE,
            grpc.ChannelConnectivity.SHUTDOWN,
        ):
            outcome.setdefault("ready", False)
            done.set()

    try:
        channel = grpc.insecure_channel(addr)
    except Exception:  # malformed target
        return False
    try:
        channel.subscribe(on_change, try_to_connect=True)
        done.wait(timeout_s)
        channel.unsubscribe(on_change)
    finally:
        channel.close()
    return outcome.get("ready", False)


def connect(settings: Settings) -> StigmerClient:
    """Return an SDK client for the configured server, or raise the unreachable error (exit 3)."""
    if not is_reachable(settings.server_addr, settings.connect_timeout_s):
        raise unreachable_error(settings.server_addr)
    return StigmerClient(settings.api_key, base_url=settings.server_addr, insecure=True)
