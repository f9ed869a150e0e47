"""harness.stigmer.manifests: YAML fixtures of Stigmer resources, checked against the protobufs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from harness.stigmer.manifests import Manifest, ManifestError, load_manifest_file, load_manifests

AGENT = """\
apiVersion: agentic.stigmer.ai/v1
kind: Agent
metadata:
  name: {name}
  org: fixtures-org
  labels:
    team: e2e
spec:
  description: A friendly agent
  instructions: Greet the user.
  env:
    GITHUB_TOKEN:
      isSecret: true
      description: token for GitHub
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_multi_document_file(tmp_path: Path) -> None:
    file = write(tmp_path / "agents.yaml",
                 AGENT.format(name="greeter") + "---\n" + AGENT.format(name="helper")
                 + "---\n")  # a trailing empty document is ignored
    manifests = load_manifests(file)
    assert [(m.kind, m.name) for m in manifests] == [("Agent", "greeter"), ("Agent", "helper")]
    assert all(m.source == file for m in manifests)
    assert manifests[0].document["spec"]["instructions"] == "Greet the user."


def test_directory_loading_is_sorted_and_only_yaml(tmp_path: Path) -> None:
    write(tmp_path / "b.yml", AGENT.format(name="b"))
    write(tmp_path / "a.yaml", AGENT.format(name="a"))
    write(tmp_path / "c.yaml", AGENT.format(name="c"))
    write(tmp_path / "notes.txt", "not: a manifest\n")
    write(tmp_path / "broken.json", "{")
    write(tmp_path / "nested" / "d.yaml", AGENT.format(name="d"))
    assert [m.name for m in load_manifests(tmp_path)] == ["a", "b", "c"]


def test_directory_without_manifests(tmp_path: Path) -> None:
    write(tmp_path / "readme.md", "# nothing here\n")
    with pytest.raises(ManifestError, match=r"no \*\.yaml manifest"):
        load_manifests(tmp_path)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as raised:
        load_manifests(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(raised.value)
    assert "no such manifest" in str(raised.value)


def test_missing_keys_are_named(tmp_path: Path) -> None:
    file = write(tmp_path / "partial.yaml", "kind: Agent\nspec: {}\n")
    with pytest.raises(ManifestError) as raised:
        load_manifest_file(file)
    message = str(raised.value)
    assert str(file) in message
    assert "apiVersion" in message and "metadata" in message
    assert "kind" not in message.split("missing required key(s):")[1]


def test_metadata_name_is_required(tmp_path: Path) -> None:
    file = write(tmp_path / "noname.yaml", "apiVersion: v\nkind: Agent\nmetadata:\n  org: x\n")
    with pytest.raises(ManifestError, match=r"noname\.yaml: metadata\.name is required"):
        load_manifests(file)


@pytest.mark.parametrize(
    ("text", "problem"),
    [("apiVersion: v\nkind: Agent\nmetadata: greeter\n", "metadata must be a mapping"),
     ("apiVersion: v\nkind: [Agent]\nmetadata: {name: g}\n", "kind must be a string")],
)
def test_malformed_keys_are_manifest_errors(tmp_path: Path, text: str, problem: str) -> None:
    file = write(tmp_path / "odd.yaml", text)
    with pytest.raises(ManifestError, match=rf"odd\.yaml: {problem}"):
        load_manifests(file)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    file = write(tmp_path / "bad.yaml", "kind: Agent\nmetadata: [unclosed\n")
    with pytest.raises(ManifestError) as raised:
        load_manifests(file)
    assert str(file) in str(raised.value)
    assert "not valid YAML" in str(raised.value)


def test_a_document_that_is_not_a_mapping(tmp_path: Path) -> None:
    file = write(tmp_path / "list.yaml", "- a\n- b\n")
    with pytest.raises(ManifestError, match=r"list\.yaml: each document must be a mapping"):
        load_manifests(file)


def test_to_proto_builds_the_official_message(tmp_path: Path) -> None:
    (manifest,) = load_manifests(write(tmp_path / "a.yaml", AGENT.format(name="greeter")))
    agent = manifest.to_proto()
    assert type(agent).DESCRIPTOR.full_name == "ai.stigmer.agentic.agent.v1.Agent"
    assert agent.api_version == "agentic.stigmer.ai/v1"
    assert agent.kind == "Agent"
    assert agent.metadata.name == "greeter"
    assert agent.metadata.org == "fixtures-org"
    assert dict(agent.metadata.labels) == {"team": "e2e"}
    assert agent.spec.instructions == "Greet the user."
    assert agent.spec.env["GITHUB_TOKEN"].is_secret is True


def test_org_override_in_to_proto_leaves_the_document_alone(tmp_path: Path) -> None:
    (manifest,) = load_manifests(write(tmp_path / "a.yaml", AGENT.format(name="greeter")))
    agent = manifest.to_proto(org="e2e-scenario-abc123")
    assert agent.metadata.org == "e2e-scenario-abc123"
    assert agent.metadata.name == "greeter"
    assert agent.metadata.labels["team"] == "e2e"
    assert manifest.document["metadata"]["org"] == "fixtures-org"
    assert manifest.to_proto().metadata.org == "fixtures-org"


def test_unknown_spec_field_names_the_file(tmp_path: Path) -> None:
    file = write(tmp_path / "typo.yaml", AGENT.format(name="t") + "  instrucshuns: oops\n")
    (manifest,) = load_manifests(file)
    with pytest.raises(ManifestError) as raised:
        manifest.to_proto()
    assert str(file) in str(raised.value)
    assert "instrucshuns" in str(raised.value)


def test_wrong_value_type_names_the_file(tmp_path: Path) -> None:
    file = write(tmp_path / "types.yaml",
                 "apiVersion: v\nkind: Agent\nmetadata: {name: x}\nspec: {skillRefs: 3}\n")
    (manifest,) = load_manifests(file)
    with pytest.raises(ManifestError, match=r"types\.yaml"):
        manifest.to_proto()


def test_unsupported_kind(tmp_path: Path) -> None:
    file = write(tmp_path / "sk.yaml",
                 "apiVersion: agentic.stigmer.ai/v1\nkind: Gadget\nmetadata: {name: w}\n")
    (manifest,) = load_manifests(file)
    assert manifest.kind == "Gadget"
    with pytest.raises(ManifestError) as raised:
        manifest.to_proto()
    assert str(file) in str(raised.value)
    assert "'Gadget' is not supported (Agent" in str(raised.value)
    assert "Workflow" in str(raised.value)


def test_manifest_is_a_plain_value() -> None:
    manifest = Manifest("Agent", "x", Path("x.yaml"), {"metadata": {"name": "x"}})
    with pytest.raises(AttributeError):
        manifest.name = "y"  # type: ignore[misc]
