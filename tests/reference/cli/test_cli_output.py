"""Output formatting: tables, phases, message counts, summaries, documents, secrets."""

from __future__ import annotations

import json

import yaml
from ai.stigmer.agentic.agentexecution.v1 import api_pb2, message_pb2

from reference.cli.output import (
    SECRET_MASK,
    WORKFLOW_PHASES,
    execution_summary,
    format_message,
    is_terminal,
    mask_secrets,
    message_counts,
    phase_name,
    render_document,
    render_table,
    task_counts,
    to_dict,
)

HUMAN, AI, TOOL, SYSTEM = 1, 2, 3, 4


def messages(*types: int) -> list[message_pb2.AgentMessage]:
    return [message_pb2.AgentMessage(type=t, content="x") for t in types]


def test_table_aligns_columns_and_marks_empty_cells() -> None:
    text = render_table(("TYPE", "NAME", "STATUS", "ID"), [
        ("Agent", "greeter", "Created", "agt-1"),
        ("Agent", "helper-with-profile", "Failed", ""),
    ])
    assert text.splitlines() == [
        "TYPE   NAME                 STATUS   ID",
        "Agent  greeter              Created  agt-1",
        "Agent  helper-with-profile  Failed   -",
    ]


def test_table_cells_are_single_line_and_truncated() -> None:
    text = render_table(("A",), [("line one\nline two",), ("x" * 100,)])
    lines = text.splitlines()
    assert lines[1] == "line one line two"
    assert len(lines[2]) == 60 and lines[2].endswith("...")


def test_phase_names_for_agent_and_workflow_enums() -> None:
    assert phase_name(2) == "IN_PROGRESS"
    assert phase_name(8) == "TERMINATED"
    assert phase_name(0) == "UNSPECIFIED"
    assert phase_name(99) == "UNKNOWN_99"
    assert phase_name(6, WORKFLOW_PHASES) == "TERMINATED"
    assert is_terminal(3) and is_terminal(4) and is_terminal(5) and is_terminal(8)
    assert not is_terminal(1) and not is_terminal(2) and not is_terminal(6)


def test_message_counts_in_fixed_order_with_plurals() -> None:
    assert message_counts(messages(SYSTEM, AI, HUMAN)) == "3 messages (1 human, 1 ai, 1 system)"
    assert message_counts(messages(AI)) == "1 message (1 ai)"
    assert message_counts([]) == "0 messages"
    assert message_counts(messages(AI, AI, TOOL)) == "3 messages (2 ai, 1 tool)"


def test_execution_summary_line() -> None:
    assert execution_summary(3, messages(HUMAN, AI, SYSTEM)) == (
        "Execution COMPLETED: 3 messages (1 human, 1 ai, 1 system)"
    )
    assert execution_summary(4, []) == "Execution FAILED: 0 messages"


def test_format_message_labels_and_tool_calls() -> None:
    assert format_message(message_pb2.AgentMessage(type=AI, content="Hello!")) == "AI: Hello!"
    assert format_message(message_pb2.AgentMessage(type=HUMAN, content="Hi")) == "You: Hi"
    call = message_pb2.AgentMessage(type=AI)
    call.tool_calls.add(name="search")
    assert format_message(call) == "AI: (calls search)"


def test_task_counts() -> None:
    class Task:
        def __init__(self, status: int) -> None:
            self.status = status

    assert task_counts([Task(3), Task(3), Task(4)]) == "3 tasks (2 completed, 1 failed)"
    assert task_counts([]) == "0 tasks"


def test_secret_runtime_values_are_masked_in_documents() -> None:
    execution = api_pb2.AgentExecution()
    execution.spec.runtime_env["TOKEN"].value = "hunter2"
    execution.spec.runtime_env["TOKEN"].is_secret = True
    execution.spec.runtime_env["PLAIN"].value = "visible"
    data = to_dict(execution)
    assert data["spec"]["runtimeEnv"]["TOKEN"]["value"] == SECRET_MASK
    assert data["spec"]["runtimeEnv"]["PLAIN"]["value"] == "visible"
    assert "hunter2" not in render_document(data, "yaml")
    assert mask_secrets([{"value": "x", "isSecret": False}]) == [{"value": "x", "isSecret": False}]


def test_documents_render_as_yaml_and_json() -> None:
    data = {"metadata": {"name": "greeter"}, "spec": {"iconUrl": "u"}}
    assert yaml.safe_load(render_document(data, "yaml")) == data
    assert json.loads(render_document(data, "json")) == data
    assert render_document(data, "yaml").startswith("metadata:")
