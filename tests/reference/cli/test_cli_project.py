"""Projects of the reference CLI: loading a project folder, references and dependency order."""

from __future__ import annotations

from pathlib import Path

import pytest

from reference.cli.manifests import ManifestError
from reference.cli.project import PROJECT_LABEL, load_project, project_file
from reference.cli.reconcile import dependency_order, references

SHOP = Path(__file__).resolve().parents[3] / "features" / "fixtures" / "projects" / "shop"


def test_a_project_is_its_manifests_labelled_with_its_slug() -> None:
    project = load_project(SHOP / "v1")
    assert (project.name, project.slug) == ("shop", "shop")
    assert sorted((m.kind, m.name) for m in project.manifests) == [
        ("Agent", "order-clerk"), ("Agent", "retired-helper"), ("McpServer", "inventory"),
        ("Workflow", "order-pipeline")]
    assert {m.resource.metadata.labels[PROJECT_LABEL] for m in project.manifests} == {"shop"}
    assert project_file(SHOP / "v1" / "stigmer.yaml") == SHOP / "v1" / "stigmer.yaml"
    assert project_file(SHOP) is None


def test_references_of_agents_and_workflows() -> None:
    by_name = {m.name: m for m in load_project(SHOP / "broken").manifests}
    assert references(by_name["returns-clerk"]) == [("McpServer", "local", "warehouse")]
    assert references(by_name["order-pipeline"]) == [("Agent", "local", "order-clerk")]
    assert references(by_name["inventory"]) == []


def test_dependency_order_puts_what_is_needed_first_and_finds_cycles() -> None:
    wf, agent, mcp = ("Workflow", "o", "w"), ("Agent", "o", "a"), ("McpServer", "o", "m")
    ordered, cycle = dependency_order([wf, agent, mcp], {wf: [agent], agent: [mcp], mcp: []})
    assert (ordered, cycle) == ([mcp, agent, wf], [])
    a, b = ("Agent", "o", "a"), ("Agent", "o", "b")
    _, cycle = dependency_order([a, b], {a: [b], b: [a]})
    assert cycle in ([a, b, a], [b, a, b])


@pytest.mark.parametrize("content, problem", [
    ("description: no name\n", "name is required"),
    ("name: p\nruntime: go\n", "SDK programs"),
    ("- a list\n", "a mapping"),
])
def test_bad_project_files_are_refused(tmp_path: Path, content: str, problem: str) -> None:
    (tmp_path / "stigmer.yaml").write_text(content)
    with pytest.raises(ManifestError, match=problem):
        load_project(tmp_path)


def test_a_project_without_resources_is_refused(tmp_path: Path) -> None:
    (tmp_path / "Stigmer.yaml").write_text("name: empty\n")
    with pytest.raises(ManifestError, match="no resource files"):
        load_project(tmp_path)
