"""One execution helper for both kinds of execution (an agent's, a workflow's): read, wait
for a phase, wait for the end, follow the stream, cancel; and the phase names.

The two kinds have their own protobufs and their own phase enums (the same names, not the
same numbers), so an ``Executions`` is made for one kind with that kind's SDK client, enum,
stream and one-line description; the rest is shared.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import grpc
from stigmer import EnvVarInput, ErrorCode, StigmerError

from harness.stream_wake import woken_by
from harness.waiting import wait_until

PREFIX = "EXECUTION_"
TERMINAL_NAMES = ("COMPLETED", "FAILED", "CANCELLED", "TERMINATED")


class PhaseEnum(Protocol):
    """A generated protobuf enum (of execution phases: ``EXECUTION_<NAME>``)."""

    def Name(self, number: int) -> str: ...
    def Value(self, name: str) -> int: ...


class _Status(Protocol):
    phase: int


class _Execution(Protocol):
    """What both kinds of execution have: an id and a status with a phase."""

    @property
    def metadata(self) -> Any: ...
    @property
    def status(self) -> Any: ...


E = TypeVar("E", bound=_Execution)


def _never() -> bool:
    return False


def short_name(enum: PhaseEnum, value: int, prefix: str = PREFIX) -> str:
    """An enum value's name without its prefix: ``EXECUTION_COMPLETED`` -> ``COMPLETED``."""
    return enum.Name(value).removeprefix(prefix)


@dataclass
class RuntimeValue:
    """A runtime environment value for an execution; ``secret`` ones are stored as secrets."""

    value: str
    secret: bool = False


def env_inputs(runtime_env: Mapping[str, RuntimeValue | str] | None) -> dict[str, EnvVarInput]:
    """The SDK's runtime environment from plain strings or ``RuntimeValue``s."""
    env = {}
    for key, value in (runtime_env or {}).items():
        item = value if isinstance(value, RuntimeValue) else RuntimeValue(str(value))
        env[key] = EnvVarInput(value=item.value, is_secret=item.secret)
    return env


@dataclass
class Followed(Generic[E]):
    """What a subscriber saw: every snapshot in order, and the final one."""

    phase_name: Callable[[int], str]
    snapshots: list[E] = field(default_factory=list)

    @property
    def final(self) -> E:
        return self.snapshots[-1]

    @property
    def phases(self) -> list[str]:
        seen: list[str] = []
        for snapshot in self.snapshots:
            name = self.phase_name(snapshot.status.phase)
            if not seen or seen[-1] != name:
                seen.append(name)
        return seen


class Executions(Generic[E]):
    """The executions of one kind, read and waited for the same way."""

    def __init__(self, sdk: Any, phases: PhaseEnum, describe: Callable[[E], str],
                 stream: Callable[[str, float], Iterator[E]],
                 cancel_input: Callable[[str, str], Any], interval: float = 0.5) -> None:
        self.sdk = sdk  # the SDK's client of this kind (client.agent_executions, ...)
        self.phases = phases
        self.describe = describe
        self._stream = stream
        self._cancel_input = cancel_input
        self.interval = interval
        self.terminal = frozenset(phases.Value(PREFIX + name) for name in TERMINAL_NAMES)
        #: Called when Stigmer answers UNAVAILABLE to a create (no Temporal to start the
        #: execution on); True when it brought the execution services up, so it is worth
        #: asking once more (a scenario that runs an execution without saying it needs them).
        self.on_unavailable: Callable[[], bool] = _never

    def _create(self, create: Callable[[], E]) -> E:
        try:
            return create()
        except StigmerError as error:
            if error.code is ErrorCode.UNAVAILABLE and self.on_unavailable():
                return create()
            raise

    # -- phases ---------------------------------------------------------------------------
    def phase_name(self, phase: int) -> str:
        """``EXECUTION_COMPLETED`` -> ``COMPLETED``."""
        return short_name(self.phases, phase)

    def phase_value(self, name: str) -> int:
        """``completed`` / ``COMPLETED`` / ``EXECUTION_COMPLETED`` -> the enum value."""
        upper = name.strip().upper().replace(" ", "_")
        return self.phases.Value(upper if upper.startswith(PREFIX) else PREFIX + upper)

    def is_terminal(self, execution: E) -> bool:
        return execution.status.phase in self.terminal

    # -- reading and waiting --------------------------------------------------------------
    def get(self, execution_id: str) -> E:
        result: E = self.sdk.get(execution_id)
        return result

    def cancel(self, execution_id: str, reason: str = "cancelled by the acceptance suite") -> E:
        result: E = self.sdk.cancel(self._cancel_input(execution_id, reason))
        return result

    def wait_for_phase(self, execution_id: str, phase: str, timeout: float,
                       interval: float | None = None) -> E:
        """Poll until the execution reaches ``phase``; a different terminal phase ends the
        wait at once, and the timeout message names the phase it was stuck in."""
        wanted = self.phase_value(phase)

        def aborted(execution: E) -> str | None:
            current = execution.status.phase
            if current in self.terminal and current != wanted:
                return f"it ended {self.describe(execution)}"
            return None

        with self.woken(execution_id, timeout) as sleep:
            return wait_until(
                lambda: self.get(execution_id), lambda e: e.status.phase == wanted,
                timeout=timeout, interval=interval or self.interval,
                what=f"{execution_id} to be {self.phase_name(wanted)}", describe=self.describe,
                abort=aborted, sleep=sleep)

    def wait_until_terminal(self, execution_id: str, timeout: float) -> E:
        with self.woken(execution_id, timeout) as sleep:
            return wait_until(lambda: self.get(execution_id), self.is_terminal,
                              timeout=timeout, interval=self.interval,
                              what=f"{execution_id} to finish", describe=self.describe,
                              sleep=sleep)

    def woken(self, execution_id: str, timeout: float
              ) -> AbstractContextManager[Callable[[float], None]]:
        """A poller's ``sleep`` that the execution's stream cuts short on every change."""
        return woken_by(lambda: self._stream(execution_id, timeout))

    def follow(self, execution_id: str, timeout: float) -> Followed[E]:
        """Subscribe to the execution's stream until it ends (or the deadline passes)."""
        followed: Followed[E] = Followed(self.phase_name)
        started = time.monotonic()
        try:
            for snapshot in self._stream(execution_id, timeout):
                followed.snapshots.append(snapshot)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
                raise
            last = self.describe(followed.final) if followed.snapshots else "nothing"
            raise TimeoutError(
                f"the stream of {execution_id} did not end within {timeout:g}s "
                f"({time.monotonic() - started:.1f}s, last: {last})") from None
        return followed


@dataclass
class FollowedLater(Generic[E]):
    """A subscription made after the execution had finished: what the record held then, what
    the stream showed, and how long the stream took to end."""

    stored: E
    followed: Followed[E]
    seconds: float


def follow_finished(executions: Executions[E], execution_id: str, timeout: float,
                    stream_timeout: float = 15.0) -> FollowedLater[E]:
    """Wait until ``execution_id`` has finished, then subscribe to it."""
    stored = executions.wait_until_terminal(execution_id, timeout)
    started = time.monotonic()
    followed = executions.follow(execution_id, stream_timeout)
    return FollowedLater(stored, followed, time.monotonic() - started)
