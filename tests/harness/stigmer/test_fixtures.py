"""How fixture resources are keyed: the slug a manifest asks for, else the one Stigmer
derives from its name."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.stigmer.fixtures import SKILL, fixture_resources

FIXTURES = Path(__file__).resolve().parents[3] / "features" / "fixtures"


@pytest.mark.parametrize(("fixture", "keys"), [
    ("agents/capital-name", ["Agent/night-owl"]),
    ("agents/upper-case-slug", ["Agent/Shouting-Agent"]),  # an explicit slug is kept as sent
    ("agents/basic", ["Agent/greeter", "Agent/helper-with-profile"]),
    ("workflows/basic", ["Workflow/fetch-user", "Workflow/say-hello"]),
    ("mcp/calculator.yaml", ["McpServer/calculator"]),
])
def test_resources_are_keyed_by_the_slug_stigmer_stores(fixture: str, keys: list[str]) -> None:
    assert sorted(r.key for r in fixture_resources(FIXTURES / fixture)) == keys


def test_a_skill_folder_is_one_skill() -> None:
    [skill] = fixture_resources(FIXTURES / "skills" / "password-desk")
    assert (skill.kind, skill.folder) == (SKILL, FIXTURES / "skills" / "password-desk")
