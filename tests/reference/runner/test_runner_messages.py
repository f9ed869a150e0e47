"""Pure message/status building and error mapping."""

from ai.stigmer.agentic.agentexecution.v1 import enum_pb2 as enums

from reference.runner.errors import BackendError, LlmError, describe_error, failure_message
from reference.runner.messages import (
    MESSAGE_ID_KEY,
    Usage,
    build_status,
    build_update,
    make_message,
    make_tool_call,
    message_id,
    phase_name,
)
from reference.runner.redaction import Redactor


def test_message_carries_identity_and_streaming_flag() -> None:
    msg = make_message(enums.MESSAGE_AI, "Hel", message_id("aex-1", 1), streaming=True)
    assert msg.type == enums.MESSAGE_AI
    assert msg.content == "Hel"
    assert msg.is_streaming
    assert msg.metadata.fields[MESSAGE_ID_KEY].string_value == "aex-1-m1"
    assert msg.timestamp.endswith("Z")


def test_status_and_update_input() -> None:
    messages = [make_message(enums.MESSAGE_HUMAN, "hi", "m0")]
    usage = Usage()
    usage.add(10, 5)
    status = build_status(enums.EXECUTION_COMPLETED, messages, started_at="t0",
                          completed_at="t1", usage=usage, model="smollm2:135m")
    update = build_update("aex-1", status)
    assert update.execution_id == "aex-1"
    assert update.status.phase == enums.EXECUTION_COMPLETED
    assert [m.content for m in update.status.messages] == ["hi"]
    assert update.status.streaming_usage.total_tokens == 15
    assert update.status.streaming_usage.model == "smollm2:135m"
    assert update.status.streaming_usage.turn_count == 1
    assert phase_name(update.status.phase) == "COMPLETED"


def test_tool_call_record() -> None:
    call = make_tool_call("c1", "echo", {"text": "x", "n": 2}, status=enums.TOOL_CALL_COMPLETED,
                          result="x", server_slug="srv")
    assert call.args["text"] == "x"
    assert call.args["n"] == 2
    assert call.status == enums.TOOL_CALL_COMPLETED
    assert call.mcp_server_slug == "srv"


def test_error_mapping() -> None:
    assert describe_error(LlmError("model 'x' not found")) == "model 'x' not found"
    assert describe_error(BackendError("backend down", code="unavailable")) == "backend down"
    assert describe_error(ValueError("bad")) == "ValueError: bad"
    assert describe_error(RuntimeError()) == "RuntimeError"
    assert failure_message("boom") == "Error: Execution failed: boom"


def test_redactor_masks_secrets_longest_first() -> None:
    redactor = Redactor(["abc", "abcdef", "", "xy"])
    assert redactor.redact("key=abcdef and abc; xy") == "key=*** and ***; xy"
    assert not Redactor([])


def test_a_secret_repeated_in_part_is_masked_in_part() -> None:
    """A model that saw the secret may echo it garbled: its long runs are masked alone."""
    redactor = Redactor(['vt-3819e9352b0dcecb<&>"\'/+=db84ef67f6963322', "tok-short-1"])
    echoed = 'Access granted to vt-3819e9352b0dcecbea<&>". Path `/+=db84ef67f6963322.`'
    assert redactor.redact(echoed) == 'Access granted to vt-***ea<&>". Path `/+=***.`'
    assert redactor.redact("tok-short-1 and short") == "*** and short"
