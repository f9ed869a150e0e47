"""Steps of the watchdog self-test (test-only: they signal the server process by hand)."""

from __future__ import annotations

import os
import signal

from behave import given, then, when


@given("the Stigmer server stops answering until the scenario ends")
def step_freeze_server(context) -> None:
    pid = context.stack.local_pids()["stigmer-server"]
    os.kill(pid, signal.SIGSTOP)
    context.add_cleanup(os.kill, pid, signal.SIGCONT)


@when("I list the agents of my organization")
def step_list(context) -> None:
    context.agents_listed = context.world.api.agents.slugs()


@then("the scenario got an answer")
def step_answered(context) -> None:
    assert context.agents_listed == [], context.agents_listed
