"""Checks over a batch of executions started together: each one is its own, whole execution.

A batch "lost" nothing when every execution is COMPLETED with its own id and session, holds
the message that was sent and an answer of its own. No behave import, no reference import.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from harness.stigmer.agents import AgentExecution, MessageType, phase_name


def last_answer(execution: AgentExecution) -> str:
    """The last AI message's text ('' when there is none)."""
    answers = [m.content for m in execution.status.messages if m.type == MessageType.MESSAGE_AI]
    return answers[-1].strip() if answers else ""


def _repeated(values: Sequence[str]) -> dict[str, int]:
    return {value: n for value, n in Counter(values).items() if n > 1}


def execution_problems(executions: Sequence[AgentExecution], agent_id: str,
                       message: str) -> list[str]:
    """What is wrong with the batch (``[]`` when every execution is whole and its own)."""
    problems: list[str] = []
    not_done = Counter(phase_name(e.status.phase) for e in executions
                       if phase_name(e.status.phase) != "COMPLETED")
    if not_done:
        problems.append(f"not COMPLETED: {dict(not_done)}")
    for what, values in (("execution id", [e.metadata.id for e in executions]),
                         ("session", [e.spec.session_id for e in executions])):
        if any(not value for value in values):
            problems.append(f"{sum(not v for v in values)} executions have no {what}")
        if _repeated(values):
            problems.append(f"{what}s shared by several executions: {_repeated(values)}")
    checks = (
        ("no answer", lambda e: not last_answer(e)),
        ("not for the agent started", lambda e: e.spec.agent_id != agent_id),
        ("not holding the message sent",
         lambda e: [m.content for m in e.status.messages
                    if m.type == MessageType.MESSAGE_HUMAN] != [message]),
        ("more than one final answer", lambda e: sum(
            1 for m in e.status.messages
            if m.type == MessageType.MESSAGE_AI and m.content.strip() and not m.tool_calls) > 1),
    )
    for what, wrong in checks:
        bad = [e.metadata.id for e in executions if wrong(e)]
        if bad:
            problems.append(f"{len(bad)} executions {what} (first: {', '.join(bad[:3])})")
    return problems
