"""Skills through the official SDK: push (inline ZIP), get, getByReference, artifact, delete."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from ai.stigmer.agentic.skill.v1 import io_pb2, status_pb2
from stigmer import ListParams, ResourceRef, StigmerClient, StigmerError
from stigmer._skill import MAX_INLINE_ARTIFACT_BYTES

from reference.server.skill_artifacts import build_artifact, version_hash

SKILL_MD = """---
name: {name}
description: Answers in haiku.
---
# Haiku
Always answer in haiku.
"""


def _push(client: StigmerClient, name: str, org: str = "local", **fields: str):
    artifact = build_artifact(SKILL_MD.format(name=name))
    request = io_pb2.PushSkillRequest(org=org, artifact=artifact, **fields)
    return client.skills.push(request), artifact


def test_push_creates_a_skill_from_skill_md(
    client: StigmerClient, unique: Callable[[str], str]
) -> None:
    name = unique("haiku")
    skill, artifact = _push(client, name, tag="stable", message="first")
    assert skill.metadata.id.startswith("skl-")
    assert (skill.metadata.name, skill.metadata.slug, skill.metadata.org) == (name, name, "local")
    assert skill.kind == "Skill" and skill.api_version == "agentic.stigmer.ai/v1"
    assert skill.spec.name == name and skill.spec.description == "Answers in haiku."
    assert "Always answer in haiku." in skill.spec.skill_md and skill.spec.tag == "stable"
    assert skill.status.version_hash == version_hash(artifact)
    assert skill.status.state == status_pb2.SKILL_STATE_READY
    assert client.skills.get(skill.metadata.id) == skill
    by_ref = client.skills.get_by_reference(ResourceRef(org="local", slug=name))
    assert by_ref.metadata.id == skill.metadata.id
    stored = client.skills.get_artifact(
        io_pb2.GetArtifactRequest(artifact_storage_key=skill.status.artifact_storage_key))
    assert stored.artifact == artifact


def test_push_again_is_a_new_version_of_the_same_skill(
    client: StigmerClient, unique: Callable[[str], str]
) -> None:
    name = unique("versioned")
    first, _ = _push(client, name)
    second = client.skills.push(io_pb2.PushSkillRequest(
        org="local", artifact=build_artifact(SKILL_MD.format(name=name) + "More.\n"), tag="v2"))
    assert second.metadata.id == first.metadata.id
    assert second.status.version_hash != first.status.version_hash
    assert second.metadata.version.previous_version_id == first.metadata.version.id
    ref = ResourceRef(org="local", slug=name, version="v2")
    assert client.skills.get_by_reference(ref).spec.tag == "v2"
    with pytest.raises(StigmerError, match="version not found"):
        client.skills.get_by_reference(ResourceRef(org="local", slug=name, version="v1"))


@pytest.mark.parametrize(("artifact", "message"), [
    (b"not a zip", "not a ZIP"),
    (build_artifact("# no frontmatter\n"), "frontmatter"),
    (build_artifact("---\ndescription: x\n---\nbody\n"), "needs a 'name'"),
    (build_artifact("---\nname: Not Kebab\n---\nbody\n"), "kebab-case"),
])
def test_invalid_artifacts_are_rejected(
    client: StigmerClient, artifact: bytes, message: str
) -> None:
    with pytest.raises(StigmerError, match=message) as caught:
        client.skills.push(io_pb2.PushSkillRequest(org="local", artifact=artifact))
    assert caught.value.code.value == "invalid-argument"


def test_upload_lane_is_not_offered(client: StigmerClient) -> None:
    with pytest.raises(StigmerError, match="transfer lane"):
        client.skills.push(io_pb2.PushSkillRequest(org="local", artifact_upload_ref="ref-1"))
    big = b"\0" * (MAX_INLINE_ARTIFACT_BYTES + 1)
    with pytest.raises(StigmerError, match="does not support the HTTP artifact transfer lane"):
        client.skills.push(io_pb2.PushSkillRequest(org="local", artifact=big))


def test_list_and_delete(client: StigmerClient, unique: Callable[[str], str]) -> None:
    org = unique("skills-org")
    skill, _ = _push(client, unique("listed"), org=org)
    listed = client.skills.list(ListParams(org=org))
    assert [entry.id for entry in listed.entries] == [skill.metadata.id]
    assert client.skills.delete(skill.metadata.id).metadata.id == skill.metadata.id
    with pytest.raises(StigmerError, match="Skill not found"):
        client.skills.get(skill.metadata.id)
    with pytest.raises(StigmerError, match="artifact not found"):
        client.skills.get_artifact(io_pb2.GetArtifactRequest(
            artifact_storage_key=skill.status.artifact_storage_key))
