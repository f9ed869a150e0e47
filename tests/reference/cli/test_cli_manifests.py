"""Manifest loading: valid files, unknown fields, invalid YAML, multi-document files."""

from __future__ import annotations

from pathlib import Path

import pytest
from ai.stigmer.commons.apiresource.apiresourcekind import api_resource_kind_pb2 as kinds_pb2

from reference.cli.manifests import (
    API_VERSION,
    ManifestError,
    load_file,
    load_manifests,
    load_text,
    slugify,
)

AGENT_HEAD = f"apiVersion: {API_VERSION}\nkind: Agent\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_basic_fixture_loads_two_agents_in_file_order(fixtures_dir: Path) -> None:
    manifests = load_manifests(fixtures_dir / "agents" / "basic")
    assert [m.name for m in manifests] == ["greeter", "helper-with-profile"]
    greeter, helper = (m.resource for m in manifests)
    assert greeter.api_version == API_VERSION and greeter.kind == "Agent"
    assert greeter.metadata.org == "local"
    assert "greet" in greeter.spec.instructions
    assert helper.spec.description
    assert helper.spec.icon_url.startswith("https://")


def test_env_fixture_declares_plain_and_secret_variables(fixtures_dir: Path) -> None:
    (manifest,) = load_manifests(fixtures_dir / "agents" / "with-env")
    env = manifest.resource.spec.env
    assert set(env) == {"GREETING_NAME", "SERVICE_TOKEN"}
    assert env["GREETING_NAME"].optional and not env["GREETING_NAME"].is_secret
    assert env["SERVICE_TOKEN"].is_secret and not env["SERVICE_TOKEN"].optional
    assert manifest.resource.metadata.labels["fixture"] == "with-env"


def test_invalid_fixture_is_well_formed(fixtures_dir: Path) -> None:
    (manifest,) = load_manifests(fixtures_dir / "agents" / "invalid" / "agent.yaml")
    assert manifest.name == "Invalid Name!"


def test_org_defaults_and_explicit_org_wins() -> None:
    text = AGENT_HEAD + "metadata: {name: a}\nspec: {instructions: hello there}\n"
    assert load_text(text, "x.yaml", default_org="team")[0].org == "team"
    text = AGENT_HEAD + "metadata: {name: a, org: acme}\nspec: {}\n"
    assert load_text(text, "x.yaml", default_org="team")[0].org == "acme"


def test_unknown_spec_field_names_field_file_and_suggestion(tmp_path: Path) -> None:
    text = AGENT_HEAD + "metadata: {name: a}\nspec: {instructionz: x}\n"
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ManifestError) as info:
        load_file(path)
    message = str(info.value)
    assert str(path) in message
    assert "unknown field spec.instructionz" in message
    assert "did you mean instructions?" in message


def test_unknown_nested_field_lists_known_fields() -> None:
    text = AGENT_HEAD + "metadata: {name: a}\nspec:\n  env: {A: {isRequired: true}}\n"
    with pytest.raises(ManifestError, match=r"spec\.env\.A\.isRequired .*known: isSecret"):
        load_text(text, "x.yaml")


def test_unknown_field_in_list_item_has_index() -> None:
    text = AGENT_HEAD + "metadata: {name: a}\nspec: {subAgents: [{name: s, fooBar: 1}]}\n"
    with pytest.raises(ManifestError, match=r"spec\.subAgents\[0\]\.fooBar"):
        load_text(text, "x.yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kind: Agent\nmetadata: {name: a}\nstatus: {}\n", "unknown field status"),
        (AGENT_HEAD + "metadata: {name: a, id: agt-1}\n", "unknown field metadata.id"),
        ("apiVersion: v2\nkind: Agent\nmetadata: {name: a}\n", "apiVersion must be"),
        (f"apiVersion: {API_VERSION}\nkind: Agnt\nmetadata: {{name: a}}\n", "unsupported kind"),
        (AGENT_HEAD + "metadata: {slug: a}\n", "metadata.name is required"),
        (AGENT_HEAD + "metadata: {name: a}\nspec: [1]\n", "spec must be a mapping"),
        ("- a\n- b\n", "must be a mapping, got a list"),
        (AGENT_HEAD + "metadata: {name: a, labels: {v: 1}}\n", "invalid value for metadata.labels"),
        (AGENT_HEAD + "metadata: {name: a}\nspec: {env: {A: {isSecret: maybe}}}\n",
         "invalid value for spec.env.isSecret"),
        ("", "no resources"),
    ],
)
def test_malformed_documents_are_rejected_clearly(text: str, expected: str) -> None:
    with pytest.raises(ManifestError, match=expected) as info:
        load_text(text, "m.yaml")
    assert str(info.value).startswith("m.yaml")


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", AGENT_HEAD + "metadata: {name: a\nspec: {}\n")
    with pytest.raises(ManifestError) as info:
        load_file(path)
    assert str(info.value).startswith(f"{path}: invalid YAML: ")
    assert "line" in str(info.value)


def test_multi_document_file_yields_each_resource_and_skips_empty_documents() -> None:
    text = (
        "---\n"
        + AGENT_HEAD + "metadata: {name: one}\nspec: {instructions: first agent here}\n"
        + "---\n"
        + "---\n"
        + AGENT_HEAD + "metadata: {name: two}\nspec: {instructions: second agent here}\n"
    )
    manifests = load_text(text, "multi.yaml")
    assert [m.name for m in manifests] == ["one", "two"]
    assert manifests[0].source == "multi.yaml (document 1)"
    assert manifests[1].source == "multi.yaml (document 3)"


def test_error_in_second_document_names_the_document() -> None:
    text = AGENT_HEAD + "metadata: {name: one}\n---\n" + AGENT_HEAD + "metadata: {name: t, x: 1}\n"
    expected = r"multi\.yaml \(document 2\): unknown field metadata\.x"
    with pytest.raises(ManifestError, match=expected):
        load_text(text, "multi.yaml")


def test_snake_case_names_are_accepted() -> None:
    text = AGENT_HEAD + "metadata: {name: a}\nspec: {icon_url: https://x.test/i.png}\n"
    assert load_text(text, "x.yaml")[0].resource.spec.icon_url == "https://x.test/i.png"


def test_reference_kinds_default_to_skill_and_mcp_server() -> None:
    text = AGENT_HEAD + (
        "metadata: {name: a}\n"
        "spec:\n"
        "  skillRefs: [{slug: my-skill}]\n"
        "  mcpServerUsages: [{mcpServerRef: {slug: github}, enabledTools: [search]}]\n"
        "  subAgents: [{name: sub, skillRefs: [{slug: other}]}]\n"
    )
    spec = load_text(text, "x.yaml")[0].resource.spec
    assert spec.skill_refs[0].kind == kinds_pb2.skill
    assert spec.sub_agents[0].skill_refs[0].kind == kinds_pb2.skill
    assert spec.mcp_server_usages[0].mcp_server_ref.kind == kinds_pb2.mcp_server
    assert list(spec.mcp_server_usages[0].enabled_tools) == ["search"]


def test_workflow_kind_is_parsed_onto_the_workflow_proto() -> None:
    text = f"apiVersion: {API_VERSION}\nkind: Workflow\nmetadata: {{name: flow}}\n" \
        "spec: {description: a flow}\n"
    (manifest,) = load_text(text, "wf.yaml")
    assert manifest.kind == "Workflow"
    assert manifest.resource.DESCRIPTOR.full_name == "ai.stigmer.agentic.workflow.v1.Workflow"


def test_directory_is_read_non_recursively_unless_asked(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", AGENT_HEAD + "metadata: {name: a}\n")
    write(tmp_path, "notes.txt", "not a manifest")
    write(tmp_path, "sub/b.yml", AGENT_HEAD + "metadata: {name: b}\n")
    assert [m.name for m in load_manifests(tmp_path)] == ["a"]
    assert [m.name for m in load_manifests(tmp_path, recursive=True)] == ["a", "b"]


def test_duplicates_across_files_are_rejected(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", AGENT_HEAD + "metadata: {name: same}\n")
    write(tmp_path, "b.yaml", AGENT_HEAD + "metadata: {name: same}\n")
    with pytest.raises(ManifestError, match="duplicate Agent 'same'"):
        load_manifests(tmp_path)


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no such file or directory"):
        load_manifests(tmp_path / "nope")
    with pytest.raises(ManifestError, match="no manifest files"):
        load_manifests(tmp_path)


def test_slug_is_explicit_or_derived_from_name() -> None:
    assert slugify("My Agent_Name") == "my-agent-name"
    assert slugify("Invalid Name!") == "invalid-name!"
    text = AGENT_HEAD + "metadata: {name: Display Name, slug: custom}\n"
    assert load_text(text, "x.yaml")[0].slug == "custom"
    text = AGENT_HEAD + "metadata: {name: Display Name}\n"
    assert load_text(text, "x.yaml")[0].slug == "display-name"
