"""Dry-run checks driven by the protos' buf.validate rules."""

from __future__ import annotations

from pathlib import Path

from reference.cli.manifests import API_VERSION, load_manifests, load_text
from reference.cli.validation import check_manifest

HEAD = f"apiVersion: {API_VERSION}\nkind: Agent\n"


def test_fixtures_basic_and_env_are_valid(fixtures_dir: Path) -> None:
    for folder in ("basic", "with-env"):
        for manifest in load_manifests(fixtures_dir / "agents" / folder):
            assert check_manifest(manifest) == [], manifest.source


def test_invalid_name_problem_names_the_slug_rule(fixtures_dir: Path) -> None:
    (manifest,) = load_manifests(fixtures_dir / "agents" / "invalid")
    (problem,) = check_manifest(manifest)
    assert problem.startswith("metadata.name: 'Invalid Name!' does not make a valid slug")
    assert "must match ^[a-z][a-z0-9-]*[a-z0-9]$" in problem


def test_short_instructions_and_bad_explicit_slug_are_reported() -> None:
    text = HEAD + "metadata: {name: Nice Name, slug: X}\nspec: {instructions: short}\n"
    problems = check_manifest(load_text(text, "x.yaml")[0])
    assert "metadata.slug: must be at least 2 characters long" in problems
    assert "spec.instructions: must be at least 10 characters long" in problems
    assert not any(p.startswith("metadata.name") for p in problems)


def test_name_with_spaces_makes_a_valid_slug() -> None:
    text = HEAD + "metadata: {name: My Agent}\nspec: {instructions: long enough instructions}\n"
    assert check_manifest(load_text(text, "x.yaml")[0]) == []
