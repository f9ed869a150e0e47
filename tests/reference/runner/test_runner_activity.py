"""The ExecuteGraphton activity against fake backend/LLM/tools (pure orchestration logic)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

import pytest
from ai.stigmer.agentic.agentexecution.v1 import enum_pb2 as enums
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from reference.runner.activities import ExecuteGraphton
from reference.runner.config import RunnerConfig
from reference.runner.context import McpServerPlan
from reference.runner.errors import BackendError, ExecutionStopped, LlmError
from reference.runner.llm import LlmChunk
from reference.runner.messages import MESSAGE_ID_KEY
from reference.runner.tools import NoTools, Toolset
from tests.reference.runner.runner_fakes import (
    EXECUTION_ID,
    FakeBackend,
    FakeChatModel,
    FakeToolset,
    make_execution,
    text_round,
    tool_round,
    unreachable,
)

pytestmark = pytest.mark.anyio

GREETING = "Hello there! I can respond and I am happy to help you today."


def _no_tools(plans: Sequence[McpServerPlan]) -> contextlib.AbstractAsyncContextManager[Toolset]:
    @contextlib.asynccontextmanager
    async def opened() -> AsyncIterator[Toolset]:
        yield NoTools()
    return opened()


def make_activity(backend: FakeBackend, model: FakeChatModel, toolsets=_no_tools,
                  **config: object) -> ExecuteGraphton:
    return ExecuteGraphton(RunnerConfig(**config), backend, model, toolsets,  # type: ignore[arg-type]
                           heartbeat_interval_s=0.05)


def _kinds(backend: FakeBackend) -> list[int]:
    return [m.type for m in backend.execution.status.messages]


async def test_streams_then_completes_with_the_final_ai_message() -> None:
    backend = FakeBackend()
    model = FakeChatModel(text_round(GREETING, pieces=20))
    returned = await make_activity(backend, model).run(EXECUTION_ID, "thread-ses-1")

    assert returned.phase == enums.EXECUTION_COMPLETED, "the slim final status is returned"
    assert returned.completed_at and not returned.messages
    phases = backend.phases
    assert phases[0] == enums.EXECUTION_IN_PROGRESS
    assert phases[-1] == enums.EXECUTION_COMPLETED
    assert phases.count(enums.EXECUTION_COMPLETED) == 1
    first = backend.updates[0].status
    assert [m.type for m in first.messages] == [enums.MESSAGE_HUMAN]
    assert first.messages[0].content == "Say hello"
    assert first.started_at

    streamed = [u.status.messages[1] for u in backend.updates[1:-1]]
    assert len(streamed) >= 2, "the AI message is pushed while streaming"
    ids = {m.metadata.fields[MESSAGE_ID_KEY].string_value for m in streamed}
    assert len(ids) == 1, "one identity for the growing AI message"
    assert all(m.is_streaming for m in streamed)
    lengths = [len(m.content) for m in streamed]
    assert lengths == sorted(lengths)

    final = backend.updates[-1].status
    assert [m.type for m in final.messages] == [enums.MESSAGE_HUMAN, enums.MESSAGE_AI]
    assert final.messages[1].content == GREETING
    assert not final.messages[1].is_streaming
    assert final.completed_at
    assert final.streaming_usage.input_tokens == 12
    assert model.calls[0]["model"] == "smollm2:135m"
    assert model.calls[0]["messages"][0] == {"role": "system",
                                             "content": "You are a friendly assistant"}


async def test_per_execution_model_override_reaches_the_llm() -> None:
    backend = FakeBackend(make_execution(model="tiny:1m"))
    model = FakeChatModel(text_round("Hi"))
    await make_activity(backend, model).run(EXECUTION_ID)
    assert model.calls[0]["model"] == "tiny:1m"
    assert backend.updates[-1].status.streaming_usage.model == "tiny:1m"


@pytest.mark.parametrize("error, expected", [
    (unreachable, "LLM endpoint http://127.0.0.1:9 is unreachable"),
    (LlmError("model 'nope:1b' not found at LLM endpoint http://x (HTTP 404: not found)"),
     "model 'nope:1b' not found"),
])
async def test_llm_errors_fail_the_execution(error: Exception, expected: str) -> None:
    backend = FakeBackend()
    with pytest.raises(ApplicationError) as info:
        await make_activity(backend, FakeChatModel(error)).run(EXECUTION_ID)
    assert info.value.non_retryable
    assert expected in str(info.value)
    status = backend.execution.status
    assert status.phase == enums.EXECUTION_FAILED
    assert _kinds(backend) == [enums.MESSAGE_HUMAN, enums.MESSAGE_SYSTEM]
    assert status.messages[-1].content.startswith("Error: Execution failed: ")
    assert expected in status.messages[-1].content
    assert enums.EXECUTION_COMPLETED not in backend.phases


async def test_partial_stream_then_error_keeps_partial_text_and_fails() -> None:
    backend = FakeBackend()
    broken = [LlmChunk(text=f"w{i} ") for i in range(10)]

    class Breaking(FakeChatModel):
        async def stream_chat(self, model, messages, tools=()):  # type: ignore[override]
            for chunk in broken:
                yield chunk
            raise unreachable

    with pytest.raises(ApplicationError):
        await make_activity(backend, Breaking()).run(EXECUTION_ID)
    messages = backend.execution.status.messages
    assert [m.type for m in messages] == [enums.MESSAGE_HUMAN, enums.MESSAGE_AI,
                                          enums.MESSAGE_SYSTEM]
    assert messages[1].content.startswith("w0 w1")
    assert not messages[1].is_streaming


async def test_backend_error_while_loading_the_agent_fails_with_its_description() -> None:
    backend = FakeBackend()
    backend.fail_get_agent = BackendError(
        "Stigmer backend at 127.0.0.1:1 failed to load agent agt-test: not-found: missing",
        code="not-found")
    with pytest.raises(ApplicationError) as info:
        await make_activity(backend, FakeChatModel()).run(EXECUTION_ID)
    assert info.value.non_retryable
    assert backend.execution.status.phase == enums.EXECUTION_FAILED
    assert "failed to load agent agt-test" in backend.execution.status.messages[-1].content


async def test_unreported_transient_backend_failure_is_retryable() -> None:
    backend = FakeBackend()
    backend.fail_update = BackendError("backend unavailable", code="unavailable")
    with pytest.raises(ApplicationError) as info:
        await make_activity(backend, FakeChatModel()).run(EXECUTION_ID)
    assert not info.value.non_retryable


async def test_already_terminal_execution_is_left_alone() -> None:
    backend = FakeBackend()
    backend.execution.status.phase = enums.EXECUTION_CANCELLED
    model = FakeChatModel(text_round("Hi"))
    returned = await make_activity(backend, model).run(EXECUTION_ID)
    assert returned.phase == enums.EXECUTION_PHASE_UNSPECIFIED, "nothing was reported"
    assert backend.updates == []
    assert model.calls == []


async def test_execution_becoming_terminal_mid_stream_stops_quietly() -> None:
    backend = FakeBackend()

    class CancelledElsewhere(FakeChatModel):
        async def stream_chat(self, model, messages, tools=()):  # type: ignore[override]
            for i in range(40):
                if i == 10:
                    backend.execution.status.phase = enums.EXECUTION_CANCELLED
                yield LlmChunk(text="x")

    returned = await make_activity(backend, CancelledElsewhere()).run(EXECUTION_ID)
    assert returned.phase == enums.EXECUTION_PHASE_UNSPECIFIED
    assert enums.EXECUTION_COMPLETED not in backend.phases
    assert enums.EXECUTION_FAILED not in backend.phases


async def test_server_stop_signal_stops_quietly() -> None:
    backend = FakeBackend()
    backend.stop_signal_after = 1
    returned = await make_activity(backend, FakeChatModel(text_round(GREETING))).run(
        EXECUTION_ID)
    assert returned.phase == enums.EXECUTION_PHASE_UNSPECIFIED
    assert backend.phases == [enums.EXECUTION_IN_PROGRESS]


async def test_cancellation_stops_streaming_and_reraises() -> None:
    backend = FakeBackend()
    started = asyncio.Event()

    class Endless(FakeChatModel):
        async def stream_chat(self, model, messages, tools=()):  # type: ignore[override]
            while True:
                started.set()
                yield LlmChunk(text="la ")
                await asyncio.sleep(0.01)

    env = ActivityEnvironment()
    heartbeats: list[object] = []
    env.on_heartbeat = lambda *details: heartbeats.append(details)
    activity = make_activity(backend, Endless())
    task = asyncio.create_task(env.run(activity.run, EXECUTION_ID))
    await asyncio.wait_for(started.wait(), 5)
    await asyncio.sleep(0.2)
    env.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert heartbeats, "the activity heartbeats while streaming"
    assert enums.EXECUTION_COMPLETED not in backend.phases
    assert enums.EXECUTION_FAILED not in backend.phases


async def test_tool_round_records_tool_messages_and_feeds_results_back() -> None:
    backend = FakeBackend()
    toolset = FakeToolset()

    @contextlib.asynccontextmanager
    async def tools(plans: Sequence[McpServerPlan]) -> AsyncIterator[Toolset]:
        yield toolset

    model = FakeChatModel(tool_round("echo", text="ping"), text_round("The tool said ping."))
    await make_activity(backend, model, tools).run(EXECUTION_ID)
    messages = backend.execution.status.messages
    assert [m.type for m in messages] == [enums.MESSAGE_HUMAN, enums.MESSAGE_AI,
                                          enums.MESSAGE_TOOL, enums.MESSAGE_AI]
    assert messages[1].tool_calls[0].name == "echo"
    assert messages[2].content == "echo: ping"
    assert messages[2].tool_calls[0].status == enums.TOOL_CALL_COMPLETED
    assert messages[2].tool_calls[0].mcp_server_slug == "echo-server"
    assert messages[3].content == "The tool said ping."
    assert toolset.calls == [("echo", {"text": "ping"})]
    assert model.calls[0]["tools"] == toolset.specs
    assert model.calls[1]["messages"][-1] == {"role": "tool", "content": "echo: ping",
                                              "tool_name": "echo"}
    assert backend.execution.status.phase == enums.EXECUTION_COMPLETED


async def test_secret_values_are_given_to_tools_but_masked_in_the_transcript() -> None:
    backend = FakeBackend(make_execution(runtime_env={"REGION": ("eu", False),
                                                      "TOKEN": ("tok-s3cret", True)}))
    model = FakeChatModel(text_round("Your token is tok-s3cret, region eu."))
    await make_activity(backend, model).run(EXECUTION_ID)
    system = model.calls[0]["messages"][0]["content"]
    assert "REGION=eu" in system
    assert "tok-s3cret" not in system
    for update in backend.updates:
        for message in update.status.messages:
            assert "tok-s3cret" not in message.content
    assert backend.execution.status.messages[-1].content == "Your token is ***, region eu."


async def test_missing_execution_raises_non_retryable() -> None:
    backend = FakeBackend()
    with pytest.raises((ApplicationError, ExecutionStopped)):
        await make_activity(backend, FakeChatModel()).run("aex-other")
