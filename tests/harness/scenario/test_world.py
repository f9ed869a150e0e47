"""harness.scenario.world: per-scenario organization, bindings and records (no server needed)."""

from __future__ import annotations

import re
import sys

import pytest

from harness.config import load_config
from harness.processes import free_port
from harness.scenario.world import FIXTURES, ScenarioWorld, required, scenario_org
from harness.secrets import MASK
from harness.stigmer.agents import AgentExecution, MessageType, Phase
from harness.stigmer.cli import CliResult

# Stigmer's slug rule (lowercase letters, digits, hyphens; 1-63; alphanumeric ends).
SLUG = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


@pytest.mark.parametrize(
    "name",
    ["Agent answers with a greeting", "Ünïcode & punctuation!!! (v2)", "!!!", "",
     "A very long scenario name that goes on and on and on -- forever and ever",
     "--leading and trailing--"],
)
def test_scenario_org_is_slug_safe(name: str) -> None:
    org = scenario_org(name, isolate=True)
    assert SLUG.match(org), org
    assert org.startswith("e2e-")
    assert len(org) <= 40


def test_scenario_org_reflects_the_name() -> None:
    assert re.fullmatch(r"e2e-agent-answers-with-a-gre-[0-9a-f]{6}",
                        scenario_org("Agent answers with a greeting", isolate=True))


def test_scenario_org_is_unique() -> None:
    orgs = {scenario_org("Same scenario", isolate=True) for _ in range(50)}
    assert len(orgs) == 50


def test_scenario_org_without_isolation_is_local() -> None:
    assert scenario_org("Anything at all", isolate=False) == "local"


def make_world(**userdata: str) -> ScenarioWorld:
    config = load_config({"api_key": "sk-world-secret", "server_api_key": "srv-secret",
                          "cli_command": "python -m fake.cli", **userdata}, environ={})
    return ScenarioWorld(config, f"127.0.0.1:{free_port()}", "Agent greets")


def test_world_binds_api_and_cli_to_the_scenario_org() -> None:
    world = make_world()
    try:
        assert world.org.startswith("e2e-agent-greets-")
        assert world.api.org == world.org
        assert world.cli.org == world.org
        assert world.cli.api_key == "sk-world-secret"
        assert world.cli.server_address == world.api.address == world.server_address
        assert list(world.cli.argv) == [sys.executable, "-m", "fake.cli"]
        assert world.redactor.secrets == {"sk-world-secret", "srv-secret"}
    finally:
        world.close()


def test_world_without_isolation_uses_local() -> None:
    world = make_world(org_isolation="false")
    try:
        assert world.org == "local"
    finally:
        world.close()


def test_fixture_paths_are_under_features_fixtures() -> None:
    assert ScenarioWorld.fixture_path("agents/x.yaml") == FIXTURES / "agents" / "x.yaml"


def test_remember_execution_records_each_id_once() -> None:
    world = make_world()
    try:
        first, second = AgentExecution(), AgentExecution()
        first.metadata.id, second.metadata.id = "aex-1", "aex-2"
        assert world.remember_execution(first) is first
        world.remember_execution(second)
        world.remember_execution(first)
        world.remember_execution(AgentExecution())  # no id yet: not recorded
        assert world.executions == ["aex-1", "aex-2"]
        assert world.last_execution is not None and world.last_execution.metadata.id == ""
    finally:
        world.close()


def test_transcript_reads_every_execution_and_redacts(monkeypatch) -> None:
    world = make_world()
    try:
        assert world.transcript() == "(no executions)\n"
        done = AgentExecution()
        done.metadata.id = "aex-1"
        done.status.phase = Phase.EXECUTION_COMPLETED
        done.status.messages.add(type=MessageType.MESSAGE_HUMAN, content="hi sk-world-secret")
        done.status.messages.add(type=MessageType.MESSAGE_AI, content="Hello there!")
        world.remember_execution(done)
        missing = AgentExecution()
        missing.metadata.id = "aex-2"
        world.remember_execution(missing)

        def read(execution_id: str) -> AgentExecution:
            if execution_id == "aex-1":
                return done
            raise LookupError(f"{execution_id} not found")

        monkeypatch.setattr(world.api.agent_executions, "get", read)
        lines = world.transcript().splitlines()
        assert lines[0].startswith("aex-1 phase=COMPLETED messages=2")
        assert lines[2] == f"  [0] HUMAN: hi {MASK}"
        assert lines[3] == "  [1] AI: Hello there!"
        assert lines[4] == "aex-2: could not be read: aex-2 not found"
        assert "sk-world-secret" not in world.transcript()
    finally:
        world.close()


def test_transcript_when_the_server_is_unreachable() -> None:
    world = make_world()
    try:
        execution = AgentExecution()
        execution.metadata.id = "aex-9"
        world.remember_execution(execution)
        assert world.transcript().startswith("aex-9: could not be read:")
    finally:
        world.close()


def test_cli_transcript_is_redacted() -> None:
    world = make_world()
    try:
        assert world.cli_transcript() == ""
        world.cli.history.append(
            CliResult(("stigmer", "run"), 0, "key sk-world-secret\n", "", 0.5))
        world.cli.history.append(CliResult(("stigmer", "get"), 1, "", "srv-secret\n", 0.1))
        transcript = world.cli_transcript()
        assert "sk-world-secret" not in transcript and "srv-secret" not in transcript
        assert transcript.count(MASK) == 2
        assert transcript.startswith("$ stigmer run\n# exit 0 in 0.50s\n")
    finally:
        world.close()


def test_attempt_times_a_call_and_captures_its_refusal() -> None:
    world = make_world()
    try:
        served = world.attempt(lambda: "ok", refusals=(ValueError,))
        assert (served.result, served.error, world.last_error) == ("ok", None, None)
        assert served.seconds >= 0

        def refuse() -> str:
            raise ValueError("agent not found")

        refused = world.attempt(refuse, refusals=(ValueError,))
        assert refused is world.last_attempt
        assert refused.result is None and world.last_error is refused.error
        assert str(refused.error) == "agent not found"
        with pytest.raises(KeyError):  # anything else is not a refusal: it fails the step
            world.attempt(lambda: {}["x"], refusals=(ValueError,))
    finally:
        world.close()


def test_world_keeps_step_records_in_typed_fields_not_notes() -> None:
    world = make_world()
    try:
        assert not hasattr(world, "notes")
        assert world.secrets.secret == "" and world.applied.manifests == {}
        assert world.approval.decided_at is None and world.workflow_runs.finished is None
        other = make_world()
        try:  # each world starts with its own, empty records
            world.applied.deployed_agents.add("greeter")
            assert other.applied.deployed_agents == set()
        finally:
            other.close()
    finally:
        world.close()


def test_required_names_the_missing_step() -> None:
    assert required("x", "no workflow was run with a secret") == "x"
    with pytest.raises(AssertionError, match="no workflow was run with a secret"):
        required(None, "no workflow was run with a secret")
