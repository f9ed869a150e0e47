"""Keeps an execution's transcript and pushes it through ``updateStatus``.

Every push carries the whole transcript (the server replaces ``status.messages``), so the
AI message being streamed keeps its index and ``metadata.message_id``: later pushes replace
its growing text instead of appending duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api
from ai.stigmer.agentic.agentexecution.v1 import approval_pb2, subagent_pb2
from ai.stigmer.agentic.agentexecution.v1 import enum_pb2 as enums
from ai.stigmer.agentic.agentexecution.v1 import message_pb2 as message_api

from .backend import Backend
from .errors import ExecutionStopped, failure_message
from .messages import (
    MESSAGE_ID_KEY,
    Usage,
    build_status,
    build_update,
    make_message,
    message_id,
    now_iso,
    phase_name,
)
from .redaction import Redactor

log = logging.getLogger(__name__)


class StatusReporter:
    """Builds the transcript of one execution and reports it to the backend."""

    def __init__(
        self,
        backend: Backend,
        execution_id: str,
        *,
        redactor: Redactor | None = None,
        update_every: int = 8,
        model: str = "",
    ) -> None:
        self._backend = backend
        self.execution_id = execution_id
        self.redactor = redactor or Redactor()
        self._update_every = max(1, update_every)
        self.model = model
        self._messages: list[message_api.AgentMessage] = []
        self._started_at = ""
        self._ai_index: int | None = None
        self._ai_text = ""
        self._ai_chunks = 0
        self._sub_agents: list[subagent_pb2.SubAgentExecution] = []
        self.pushes = 0
        self._last: execution_api.AgentExecutionStatus | None = None

    @property
    def messages(self) -> list[message_api.AgentMessage]:
        """The transcript as last built (copies are sent)."""
        return list(self._messages)

    # -- transcript building -------------------------------------------------------------
    def _next_id(self) -> str:
        return message_id(self.execution_id, len(self._messages))

    def _append(self, kind: int, content: str, **kwargs: object) -> int:
        self._messages.append(
            make_message(kind, self.redactor.redact(content), self._next_id(), **kwargs)  # type: ignore[arg-type]
        )
        return len(self._messages) - 1

    def _set_ai(
        self, *, streaming: bool, tool_calls: Sequence[message_api.ToolCall] = ()
    ) -> None:
        content = self.redactor.redact(self._ai_text)
        if self._ai_index is None:
            self._ai_index = self._append(
                enums.MESSAGE_AI, content, streaming=streaming, tool_calls=tool_calls
            )
            return
        current = self._messages[self._ai_index]
        replacement = make_message(
            enums.MESSAGE_AI,
            content,
            current.metadata.fields[MESSAGE_ID_KEY].string_value,
            streaming=streaming,
            tool_calls=tool_calls,
            timestamp=current.timestamp,
        )
        self._messages[self._ai_index] = replacement

    def slim_status(self) -> execution_api.AgentExecutionStatus:
        """The last status recorded, slim (phase, error, times): the activity's result."""
        last = self._last
        if last is None:
            return execution_api.AgentExecutionStatus()
        return execution_api.AgentExecutionStatus(
            phase=last.phase, error=last.error,
            started_at=last.started_at, completed_at=last.completed_at,
        )

    async def _push(
        self, phase: int, *, error: str = "", final: bool = False, usage: Usage | None = None,
        extra: execution_api.AgentExecutionStatus | None = None,
    ) -> None:
        status = build_status(
            phase,
            self._messages,
            error=error,
            started_at=self._started_at,
            completed_at=now_iso() if final else "",
            usage=usage,
            model=self.model,
            sub_agents=self._sub_agents,
        )
        if extra is not None:
            status.MergeFrom(extra)
        response = await self._backend.update_status(build_update(self.execution_id, status))
        self.pushes += 1
        self._last = status
        if response.signal == enums.EXECUTION_CONTROL_SIGNAL_STOP:
            raise ExecutionStopped(f"the server asked to stop: {response.signal_reason}")

    # -- lifecycle -----------------------------------------------------------------------
    async def start(
        self, human_text: str, preserved: Sequence[message_api.AgentMessage] = ()
    ) -> None:
        """IN_PROGRESS with the HUMAN message (kept from the server's transcript if present)."""
        self._started_at = now_iso()
        humans = [m for m in preserved if m.type == enums.MESSAGE_HUMAN]
        for human in humans:
            kept = message_api.AgentMessage()
            kept.CopyFrom(human)
            if MESSAGE_ID_KEY not in kept.metadata.fields:
                kept.metadata.update({MESSAGE_ID_KEY: self._next_id()})
            self._messages.append(kept)
        if not any(h.content == human_text for h in humans):
            self._append(enums.MESSAGE_HUMAN, human_text)
        await self._push(enums.EXECUTION_IN_PROGRESS)

    def begin_ai(self) -> None:
        """Start a new AI message (one per LLM round)."""
        self._ai_index = None
        self._ai_text = ""
        self._ai_chunks = 0

    async def ai_delta(self, text: str) -> None:
        """Add streamed text; pushes the growing message every ``update_every`` chunks."""
        if not text:
            return
        self._ai_text += text
        self._ai_chunks += 1
        if self._ai_chunks % self._update_every == 0:
            self._set_ai(streaming=True)
            await self._push(enums.EXECUTION_IN_PROGRESS)

    def end_ai(self, tool_calls: Sequence[message_api.ToolCall] = ()) -> str:
        """Finalise the current AI message; returns its (unredacted) text."""
        if self._ai_text or tool_calls or self._ai_index is not None:
            self._set_ai(streaming=False, tool_calls=tool_calls)
        return self._ai_text

    async def tool_result(self, call: message_api.ToolCall, content: str) -> None:
        """Record a TOOL message holding one tool call's result and push it."""
        redacted = message_api.ToolCall()
        redacted.CopyFrom(call)
        redacted.result = self.redactor.redact(call.result)
        self._append(enums.MESSAGE_TOOL, content, tool_calls=[redacted])
        await self._push(enums.EXECUTION_IN_PROGRESS)

    def _tool_calls(self, call_id: str) -> list[message_api.ToolCall]:
        return [call for message in self._messages for call in message.tool_calls
                if call.id == call_id]

    async def ask_approval(
        self, pending: approval_pb2.PendingApproval, events: approval_pb2.ApprovalEventStream
    ) -> None:
        """WAITING_FOR_APPROVAL: the tool call waits, ``pending`` names it to the user."""
        for call in self._tool_calls(pending.tool_call_id):
            call.status = enums.TOOL_CALL_WAITING_APPROVAL
            call.requires_approval = True
            call.approval_message = pending.message
            call.approval_requested_at = pending.requested_at
            call.approval_policy_source = pending.approval_policy_source
        extra = execution_api.AgentExecutionStatus(
            pending_approvals=[pending], approval_event_stream=events)
        await self._push(enums.EXECUTION_WAITING_FOR_APPROVAL, extra=extra)

    def record_decision(self, call_id: str, decision: approval_pb2.ApprovalDecision) -> None:
        """Keep the user's decision on the tool call (later pushes carry it)."""
        for call in self._tool_calls(call_id):
            call.approval_action = decision.action
            call.approval_decided_at = decision.decided_at
            call.approved_by = decision.decided_by
            skipped = decision.action != enums.APPROVAL_ACTION_APPROVE
            call.status = enums.TOOL_CALL_SKIPPED if skipped else enums.TOOL_CALL_RUNNING

    def approval_of(self, call_id: str) -> message_api.ToolCall | None:
        """The AI message's record of a tool call (with its approval fields), if any."""
        calls = self._tool_calls(call_id)
        return calls[0] if calls else None

    async def sub_agent(self, execution: subagent_pb2.SubAgentExecution) -> None:
        """Record (or update, by id) a sub-agent execution and push it."""
        recorded = subagent_pb2.SubAgentExecution()
        recorded.CopyFrom(execution)
        recorded.input = self.redactor.redact(recorded.input)
        recorded.output = self.redactor.redact(recorded.output)
        recorded.error = self.redactor.redact(recorded.error)
        for message in recorded.messages:
            message.content = self.redactor.redact(message.content)
        for index, existing in enumerate(self._sub_agents):
            if existing.id == recorded.id:
                self._sub_agents[index] = recorded
                break
        else:
            self._sub_agents.append(recorded)
        await self._push(enums.EXECUTION_IN_PROGRESS)

    async def complete(self, usage: Usage | None = None) -> None:
        """COMPLETED with the final transcript (and token usage)."""
        if self._ai_index is not None and self._messages[self._ai_index].is_streaming:
            self._set_ai(streaming=False)
        await self._push(enums.EXECUTION_COMPLETED, final=True, usage=usage)
        log.info(
            "execution %s %s (%d messages)",
            self.execution_id,
            phase_name(enums.EXECUTION_COMPLETED),
            len(self._messages),
        )

    async def fail(self, description: str) -> None:
        """FAILED with a SYSTEM message ``Error: Execution failed: <description>``.

        Raises :class:`ExecutionStopped` when the execution is already terminal.
        """
        if self._ai_index is not None and self._messages[self._ai_index].is_streaming:
            self._set_ai(streaming=False)
        text = self.redactor.redact(failure_message(description))
        if not self._started_at:
            self._started_at = now_iso()
        self._append(enums.MESSAGE_SYSTEM, text)
        await self._push(enums.EXECUTION_FAILED, error=text, final=True)
