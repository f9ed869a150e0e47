"""reference.proto_rules: the protos' buf.validate rules through protovalidate, worded as
``field.path: message [rule.id]``."""

from __future__ import annotations

from ai.stigmer.agentic.agent.v1 import api_pb2 as agent_api
from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api

from reference.proto_rules import refusal, violations


def agent(**spec) -> agent_api.Agent:
    return agent_api.Agent(api_version="agentic.stigmer.ai/v1", kind="Agent",
                           metadata={"name": "greeter"}, spec=spec)


def test_a_valid_agent_keeps_every_rule() -> None:
    assert violations(agent(instructions="You greet people warmly.")) == []
    assert refusal(agent(instructions="You greet people warmly.")) is None


def test_short_instructions_name_field_and_rule() -> None:
    assert violations(agent(instructions="Be nice.")) == [
        "spec.instructions: must be at least 10 characters [string.min_len]"]


def test_nested_paths_show_the_index() -> None:
    found = violations(agent(instructions="You delegate research.",
                             sub_agents=[{"name": "r", "instructions": "Short."}]))
    assert found == ["spec.sub_agents[0].instructions: must be at least 10 characters "
                     "[string.min_len]"]


def test_refusal_lists_every_violation_of_the_message() -> None:
    text = refusal(execution_api.AgentExecution(spec={"agent_id": "agt-1"}))
    assert text is not None and text.startswith("validation error: invalid AgentExecution: ")
    for part in ("api_version: ", "[string.const]", "metadata: value is required [required]",
                 "spec.message: must be at least 1 characters [string.min_len]"):
        assert part in text
