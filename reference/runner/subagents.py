"""Sub-agent delegation: one ``delegate_to_<name>`` tool per sub-agent of the agent.

Calling the tool runs the sub-agent's own conversation (its instructions and skills as the
system prompt, the ``task`` argument as the user message, its ``model_override`` or the
execution's model, no tools) and returns its answer as the tool result. Each delegation is
recorded in ``status.sub_agent_executions`` (IN_PROGRESS, then COMPLETED or FAILED, with its
HUMAN and AI messages); the agent loop records the call and result as usual (TOOL message).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from ai.stigmer.agentic.agentexecution.v1 import enum_pb2 as enums
from ai.stigmer.agentic.agentexecution.v1 import subagent_pb2

from .chat import DEFAULT_INSTRUCTIONS, skills_section
from .context import SubAgentPlan
from .errors import LlmError
from .llm import ChatModel
from .messages import make_message, now_iso
from .tools import ToolOutcome, Toolset

DELEGATE_PREFIX = "delegate_to_"
SubAgentExecution = subagent_pb2.SubAgentExecution


class SubAgentRecorder(Protocol):
    """Where sub-agent executions are recorded (the status reporter)."""

    async def sub_agent(self, execution: SubAgentExecution) -> None: ...


def tool_name(sub_agent: str) -> str:
    """``delegate_to_<name>`` with the name reduced to letters, digits and underscores."""
    return DELEGATE_PREFIX + (re.sub(r"[^a-z0-9_]+", "_", sub_agent.lower()).strip("_") or "agent")


def is_delegation(name: str) -> bool:
    """True for a delegation tool name."""
    return name.startswith(DELEGATE_PREFIX)


def tool_spec(plan: SubAgentPlan) -> dict[str, Any]:
    """The Ollama tool definition offered to the parent agent's model."""
    about = plan.description.strip() or plan.instructions.strip()[:200] or plan.name
    return {
        "type": "function",
        "function": {
            "name": tool_name(plan.name),
            "description": f"Delegate a task to the sub-agent {plan.name!r}: {about}",
            "parameters": {
                "type": "object",
                "properties": {"task": {"type": "string",
                                        "description": "what the sub-agent should do"}},
                "required": ["task"],
            },
        },
    }


def sub_agent_chat(plan: SubAgentPlan, task: str) -> list[dict[str, str]]:
    """The sub-agent's own conversation: its system prompt and the task."""
    system = "\n\n".join(s for s in (plan.instructions.strip() or DEFAULT_INSTRUCTIONS,
                                     skills_section(plan.skills)) if s)
    return [{"role": "system", "content": system}, {"role": "user", "content": task}]


class DelegatingToolset:
    """``inner``'s tools plus one delegation tool per sub-agent."""

    def __init__(
        self,
        inner: Toolset,
        plans: Sequence[SubAgentPlan],
        model: ChatModel,
        recorder: SubAgentRecorder,
        *,
        execution_id: str,
        fallback_task: str = "",
        heartbeat: Callable[..., None] = lambda *_: None,
    ) -> None:
        self._inner = inner
        self._plans = {tool_name(plan.name): plan for plan in plans}
        self._model = model
        self._recorder = recorder
        self._execution_id = execution_id
        self._fallback_task = fallback_task
        self._heartbeat = heartbeat
        self._count = 0

    @property
    def specs(self) -> list[dict[str, Any]]:
        return [*self._inner.specs, *(tool_spec(plan) for plan in self._plans.values())]

    def server_of(self, name: str) -> str:
        return "" if name in self._plans else self._inner.server_of(name)

    async def call(self, name: str, arguments: Mapping[str, Any]) -> ToolOutcome:
        plan = self._plans.get(name)
        if plan is None:
            return await self._inner.call(name, arguments)
        task = str(arguments.get("task") or "").strip() or self._fallback_task
        return await self._delegate(plan, task)

    async def _delegate(self, plan: SubAgentPlan, task: str) -> ToolOutcome:
        self._count += 1
        record = SubAgentExecution(
            id=f"{self._execution_id}-sub{self._count}", name=plan.name, input=task,
            subject=task[:120], status=enums.SUB_AGENT_IN_PROGRESS, started_at=now_iso(),
        )
        record.messages.append(make_message(enums.MESSAGE_HUMAN, task, f"{record.id}-m0"))
        await self._recorder.sub_agent(record)
        answer = ""
        try:
            async for chunk in self._model.stream_chat(plan.model, sub_agent_chat(plan, task)):
                self._heartbeat(f"sub-agent {plan.name}")
                answer += chunk.text
        except LlmError as exc:
            record.status = enums.SUB_AGENT_FAILED
            record.error = f"sub-agent {plan.name} failed: {exc}"
            record.completed_at = now_iso()
            await self._recorder.sub_agent(record)
            return ToolOutcome(record.error, is_error=True)
        answer = answer.strip()
        record.output = answer
        record.status = enums.SUB_AGENT_COMPLETED
        record.completed_at = now_iso()
        record.messages.append(make_message(enums.MESSAGE_AI, answer, f"{record.id}-m1"))
        await self._recorder.sub_agent(record)
        return ToolOutcome(answer or f"(the sub-agent {plan.name} gave no answer)")
