"""Integration: agents, instances, search and error codes through the official SDK."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest
from ai.stigmer.agentic.agentinstance.v1 import io_pb2 as instance_io
from ai.stigmer.agentic.skill.v1 import io_pb2 as skill_io
from ai.stigmer.agentic.workflow.v1 import version_pb2 as workflow_version_pb2
from ai.stigmer.commons.apiresource import io_pb2 as resource_io
from ai.stigmer.commons.apiresource.apiresourcekind import api_resource_kind_pb2 as kinds
from stigmer import StigmerClient, StigmerError, is_not_found
from stigmer._gen._agent import AgentInput
from stigmer._gen._errors import ErrorCode
from stigmer._gen._types import ListParams, Page, ResourceRef
from stigmer._search import SearchParams

from tests.reference.server.server_procs import ServerProc

INSTRUCTIONS = "Answer briefly and politely."

Unique = Callable[[str], str]


def code_of(call: Callable[[], object]) -> StigmerError:
    with pytest.raises(StigmerError) as err:
        call()
    return err.value


def test_apply_creates_agent_with_default_instance(client: StigmerClient, unique: Unique) -> None:
    name = unique("basic-agent")
    agent = client.agents.apply(AgentInput(name=name, org="", instructions="Be brief and polite.",
                                           description="desc", icon_url="https://x/i.png"))
    assert agent.metadata.id.startswith("agt-")
    assert (agent.metadata.org, agent.metadata.slug, agent.kind) == ("local", name, "Agent")
    assert agent.api_version == "agentic.stigmer.ai/v1"
    assert agent.spec.instructions == "Be brief and polite."
    assert agent.status.audit.spec_audit.created_at.seconds > 0
    instance = client.agent_instances.get(agent.status.default_instance_id)
    assert instance.metadata.id.startswith("ain-")
    assert instance.metadata.name == f"{name}-default"
    assert instance.spec.agent_id == agent.metadata.id
    listed = client.agent_instances.get_by_agent(
        instance_io.GetAgentInstancesByAgentRequest(agent_id=agent.metadata.id))
    assert [i.metadata.id for i in listed.items] == [instance.metadata.id]


def test_apply_twice_updates_in_place(client: StigmerClient, unique: Unique) -> None:
    name = unique("twice")
    first = client.agents.apply(AgentInput(
        name=name, org="", instructions="Version one of the rules."))
    second = client.agents.apply(AgentInput(
        name=name, org="", instructions="Version two of the rules."))
    assert second.metadata.id == first.metadata.id
    assert second.metadata.version.previous_version_id == first.metadata.version.id
    assert second.metadata.version.id != first.metadata.version.id
    assert second.status.default_instance_id == first.status.default_instance_id
    assert second.status.audit.spec_audit.event == "updated"
    assert client.agents.get(first.metadata.id).spec.instructions == "Version two of the rules."
    assert client.agents.list(ListParams(query=name)).total_count == 1


def test_get_by_reference_and_org_default(client: StigmerClient, unique: Unique) -> None:
    name = unique("ref")
    agent = client.agents.apply(AgentInput(name=name, org="", instructions=INSTRUCTIONS))
    assert client.agents.get_by_reference(ResourceRef(slug=name)).metadata.id == agent.metadata.id
    assert client.agents.get_by_reference(
        ResourceRef(org="local", slug=name)).metadata.id == agent.metadata.id
    other = client.agents.apply(AgentInput(name=name, org="acme", instructions=INSTRUCTIONS))
    assert other.metadata.id != agent.metadata.id
    assert client.agents.get_by_reference(ResourceRef(org="acme", slug=name)).metadata.org == "acme"


def test_list_filters_and_paginates(client: StigmerClient, unique: Unique) -> None:
    prefix = unique("page")
    for i in range(5):
        client.agents.apply(AgentInput(
            name=f"{prefix}-{i}", org="pager", description=f"d{i}", instructions=INSTRUCTIONS))
    client.agents.apply(AgentInput(
        name=f"{prefix}-elsewhere", org="other", instructions=INSTRUCTIONS))
    result = client.agents.list(ListParams(org="pager", query=prefix, page=Page(num=2, size=2)))
    assert (result.total_count, result.total_pages) == (5, 3)
    assert [e.slug for e in result.entries] == [f"{prefix}-2", f"{prefix}-3"]
    entry = result.entries[0]
    assert entry.kind == kinds.agent and entry.qualified_slug == f"pager/{prefix}-2"
    assert entry.description == "d2" and entry.id.startswith("agt-")
    assert client.agents.list(ListParams(query=prefix.upper())).total_count == 6
    assert client.agents.list(ListParams(query="no-such-agent-anywhere")).entries == []
    found = client.search.query(SearchParams(kinds=[kinds.agent_instance], org="pager",
                                             query=f"{prefix}-0"))
    assert [e.slug for e in found.entries] == [f"{prefix}-0-default"]


def test_delete_removes_agent_and_instances(client: StigmerClient, unique: Unique) -> None:
    agent = client.agents.apply(AgentInput(
        name=unique("doomed"), org="", instructions=INSTRUCTIONS))
    deleted = client.agents.delete(agent.metadata.id)
    assert deleted.metadata.id == agent.metadata.id
    assert is_not_found(code_of(lambda: client.agents.get(agent.metadata.id)))
    err = code_of(lambda: client.agent_instances.get(agent.status.default_instance_id))
    assert err.code == ErrorCode.NOT_FOUND
    err = code_of(lambda: client.agents.delete(agent.metadata.id))
    assert err.code == ErrorCode.NOT_FOUND and agent.metadata.id in str(err)


def test_error_codes(client: StigmerClient, unique: Unique) -> None:
    err = code_of(lambda: client.agents.apply(AgentInput(
        name="Invalid Name!", org="", instructions=INSTRUCTIONS)))
    assert err.code == ErrorCode.INVALID_ARGUMENT
    assert "Invalid Name!" in str(err) and "^[a-z0-9]" in str(err)
    err = code_of(lambda: client.agents.apply(AgentInput(
        name="ok", slug="Bad_Slug", org="", instructions=INSTRUCTIONS)))
    assert err.code == ErrorCode.INVALID_ARGUMENT
    assert "metadata.slug" in str(err) and "[string.pattern]" in str(err)
    err = code_of(lambda: client.agents.apply(AgentInput(
        name="", org="", instructions=INSTRUCTIONS)))
    assert err.code == ErrorCode.INVALID_ARGUMENT and "metadata.name is required" in str(err)
    name = unique("exists")
    client.agents.create(AgentInput(name=name, org="", instructions=INSTRUCTIONS))
    err = code_of(lambda: client.agents.create(AgentInput(
        name=name, org="", instructions=INSTRUCTIONS)))
    assert err.code == ErrorCode.ALREADY_EXISTS and name in str(err)
    err = code_of(lambda: client.agents.update(AgentInput(
        name=unique("ghost"), org="", instructions=INSTRUCTIONS)))
    assert err.code == ErrorCode.NOT_FOUND and "Agent not found" in str(err)
    err = code_of(lambda: client.agents.get("agt-01NOPE"))
    assert (err.code, str(err)) == (ErrorCode.NOT_FOUND, "Agent not found: agt-01NOPE")
    err = code_of(lambda: client.agents.get_by_reference(ResourceRef(slug="no-such")))
    assert (err.code, str(err)) == (ErrorCode.NOT_FOUND, "Agent not found: no-such")
    err = code_of(lambda: client.agents.get(""))
    assert err.code == ErrorCode.INVALID_ARGUMENT and "value: value is required" in str(err)
    err = code_of(lambda: client.agents.apply(AgentInput(name="terse", org="", instructions="Hi")))
    assert err.code == ErrorCode.INVALID_ARGUMENT
    assert "spec.instructions" in str(err) and "[string.min_len]" in str(err)
    assert is_not_found(code_of(lambda: client.agents.get_by_reference(ResourceRef(slug="terse"))))
    err = code_of(lambda: client.agent_instances.get_by_agent(
        instance_io.GetAgentInstancesByAgentRequest(agent_id="agt-01NOPE")))
    assert err.code == ErrorCode.NOT_FOUND


def test_unimplemented_rpcs_name_the_method(client: StigmerClient) -> None:
    calls = {
        "AgentCommandController/updateVisibility":
            lambda: client.agents.update_visibility(resource_io.UpdateVisibilityInput(
                resource_id="agt-01NOPE", visibility=2)),
        "WorkflowCommandController/tagVersion":
            lambda: client.workflows.tag_version(workflow_version_pb2.TagWorkflowVersionInput(
                workflow_id="wfl-01NOPE", version_hash="a" * 64, tag="v1")),
        "SkillQueryController/listVersions":
            lambda: client.skills.list_versions(skill_io.ListSkillVersionsInput(
                org="local", slug="no-such")),
    }
    for method, call in calls.items():
        err = code_of(call)
        assert err.grpc_code == grpc.StatusCode.UNIMPLEMENTED
        assert method in str(err) and "not implemented" in str(err)


def test_oversized_and_malformed_requests(shared_server: ServerProc, client: StigmerClient,
                                          unique: Unique) -> None:
    huge = "x" * (5 * 1024 * 1024)
    err = code_of(lambda: client.agents.apply(AgentInput(name=unique("huge"), org="",
                                                         instructions=huge)))
    assert err.grpc_code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "4 MiB" in str(err)
    with grpc.insecure_channel(shared_server.address) as channel:
        get = channel.unary_unary("/ai.stigmer.agentic.agent.v1.AgentQueryController/get")
        with pytest.raises(grpc.RpcError) as raw:
            get(b"\x0a\xff\x01abc")
    assert raw.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "malformed request" in raw.value.details()
    assert "ai.stigmer.agentic.agent.v1.AgentId" in raw.value.details()
    assert client.agents.list(ListParams(query="huge")).total_count == 0
