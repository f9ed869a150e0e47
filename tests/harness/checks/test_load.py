"""Unit tests for harness.checks.load: a batch is whole only when each execution is its own."""

from __future__ import annotations

from harness.checks.load import execution_problems, last_answer
from harness.stigmer.agents import AgentExecution, MessageType, Phase


def _execution(index: int, session: str = "", answers: tuple[str, ...] = ("Hello!",),
               phase: int = Phase.EXECUTION_COMPLETED) -> AgentExecution:
    execution = AgentExecution()
    execution.metadata.id = f"aex-{index}"
    execution.spec.agent_id = "agt-1"
    execution.spec.session_id = session or f"ses-{index}"
    execution.status.phase = phase
    execution.status.messages.add(type=MessageType.MESSAGE_HUMAN, content="Say hi")
    for answer in answers:
        execution.status.messages.add(type=MessageType.MESSAGE_AI, content=answer)
    return execution


def test_a_whole_batch_has_no_problem() -> None:
    batch = [_execution(i) for i in range(3)]
    assert execution_problems(batch, "agt-1", "Say hi") == []
    assert last_answer(batch[0]) == "Hello!"


def test_shared_sessions_missing_answers_and_duplicates_are_reported() -> None:
    batch = [_execution(1, session="ses-x"), _execution(2, session="ses-x"),
             _execution(3, answers=()), _execution(4, answers=("Hi", "Hi again")),
             _execution(5, phase=Phase.EXECUTION_FAILED)]
    problems = " | ".join(execution_problems(batch, "agt-1", "Say hi"))
    assert "sessions shared" in problems
    assert "no answer" in problems
    assert "more than one final answer" in problems
    assert "not COMPLETED: {'FAILED': 1}" in problems


def test_a_wrong_agent_or_message_is_reported() -> None:
    problems = " | ".join(execution_problems([_execution(1)], "agt-2", "Say hello"))
    assert "not for the agent started" in problems
    assert "not holding the message sent" in problems
