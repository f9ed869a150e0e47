"""Readiness by a real RPC and the contract probe, against the real reference server (with and
without its health service) and tiny servers that answer like other Stigmer generations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.checks.contract import REFERENCE_MESSAGE, probe_contract, reflected_fields
from harness.checks.prerequisites import PrerequisiteReport, check_contract, check_stigmer
from harness.config import REPO_ROOT, load_config
from harness.processes import free_port
from harness.profile import G1, G2, G3, get_profile
from harness.stack.health import grpc_health, stigmer_ready
from harness.stack.services import StigmerServerProcess
from reference.server.config import HEALTH_ENV
from tests.harness.fake_stigmer import (
    G1_METHODS,
    G3_METHODS,
    FakeStigmer,
    january_reference_pool,
)

pytestmark = pytest.mark.timeout(120)


def _server(tmp_path: Path, profile: str, extra_env: dict[str, str]) -> StigmerServerProcess:
    return StigmerServerProcess(
        _python_server(),
        data_dir=tmp_path / "data", log_path=tmp_path / "server.log", cwd=REPO_ROOT,
        profile=get_profile(profile), extra_env=extra_env)


def _python_server() -> list[str]:
    return load_config({}, environ={}).server_argv


@pytest.fixture(scope="module")
def with_health(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StigmerServerProcess]:
    server = _server(tmp_path_factory.mktemp("health"), "reference", {})
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def without_health(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StigmerServerProcess]:
    """Started like a real Stigmer: environment only, no flags, no health service."""
    server = _server(tmp_path_factory.mktemp("nohealth"), "stigmer-g2", {HEALTH_ENV: "off"})
    assert not any(arg.startswith("--") for arg in server.process.argv)
    server.start()
    yield server
    server.stop()


def test_the_reference_server_is_ready_and_healthy(with_health: StigmerServerProcess) -> None:
    assert stigmer_ready(with_health.address) == (True, "answered getByReference with NOT_FOUND")
    assert grpc_health(with_health.address)[0]


def test_a_server_without_health_service_is_ready_by_rpc(
        without_health: StigmerServerProcess) -> None:
    healthy, detail = grpc_health(without_health.address)
    assert not healthy and "UNIMPLEMENTED" in detail
    assert stigmer_ready(without_health.address)[0]


@pytest.mark.parametrize("server", ["with_health", "without_health"])
def test_the_reference_server_speaks_the_driven_generation(
        server: str, request: pytest.FixtureRequest) -> None:
    address = request.getfixturevalue(server).address
    probe = probe_contract(address)
    assert (probe.reachable, probe.generation, probe.driven) == (True, G2, True)
    assert probe.line().startswith("speaks the 3.x agent-execution API")


def test_an_external_server_without_health_service_is_used(
        without_health: StigmerServerProcess) -> None:
    config = load_config({"target": "external", "server_address": without_health.address,
                          "profile": "stigmer-g2"}, environ={})
    stigmer, contract = check_stigmer(config), check_contract(config)
    assert stigmer.ok and contract.ok, (stigmer.message(), contract.message())
    assert PrerequisiteReport({"stigmer": stigmer, "contract": contract}).stop_reason() is None
    assert "health service" not in stigmer.detail


def test_a_server_without_health_service_on_the_reference_profile_gets_a_hint(
        without_health: StigmerServerProcess, with_health: StigmerServerProcess) -> None:
    def detail(address: str) -> str:
        config = load_config({"target": "external", "server_address": address}, environ={})
        return check_stigmer(config).detail

    assert "pass -D profile=stigmer-g2" in detail(without_health.address)
    assert "profile" not in detail(with_health.address)


@pytest.mark.parametrize(("methods", "generation", "speaks"), [
    (G1_METHODS, G1, "January 2026 API"), (G3_METHODS, G3, "run API")])
def test_another_generation_is_named_by_method_probes(
        methods: tuple[str, ...], generation: str, speaks: str) -> None:
    with FakeStigmer(methods) as fake:
        probe = probe_contract(fake.address)
    assert (probe.reachable, probe.generation, probe.driven) == (True, generation, False)
    assert probe.line().startswith(f"this Stigmer speaks the {speaks}")
    assert "the suite drives the 3.x agent-execution API" in probe.line()
    assert "no reflection" in probe.evidence


def test_another_generation_is_named_by_reflection() -> None:
    services = ["ai.stigmer.agentic.run.v1.RunCommandController",
                "ai.stigmer.agentic.run.v1.RunQueryController"]
    with FakeStigmer([], reflected=services) as fake:
        probe = probe_contract(fake.address)
    assert probe.generation == G3 and "reflection lists" in probe.evidence


def test_the_january_resource_reference_numbering_is_named_by_reflection() -> None:
    services = ["ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController",
                "ai.stigmer.search.v1.SearchService"]
    with FakeStigmer([], reflected=services, pool=january_reference_pool()) as fake:
        probe = probe_contract(fake.address)
    assert probe.generation == G1, probe.evidence
    assert "ApiResourceReference numbers scope 1, org 2, kind 3, slug 4" in probe.evidence


def test_the_current_numbering_by_reflection_is_the_driven_generation() -> None:
    services = ["ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController",
                "ai.stigmer.search.v1.SearchService"]
    from ai.stigmer.commons.apiresource import io_pb2  # noqa: F401 - into the default pool

    with FakeStigmer([], reflected=services) as fake:  # the default pool: stigmer-protos 3.41
        fields = reflected_fields(fake.address, REFERENCE_MESSAGE)
        probe = probe_contract(fake.address)
    assert fields is not None and (fields["org"], fields["kind"], fields["slug"]) == (1, 2, 3)
    assert probe.generation == G2 and probe.driven, probe.evidence


def test_a_server_speaking_no_stigmer_api_is_named_so() -> None:
    with FakeStigmer([]) as fake:
        probe = probe_contract(fake.address)
    assert probe.reachable and probe.generation is None
    assert "speaks no Stigmer API this suite knows" in probe.line()


def test_a_wrong_generation_stops_the_run_with_one_line() -> None:
    with FakeStigmer(G3_METHODS) as fake:
        config = load_config({"target": "external", "server_address": fake.address},
                             environ={})
        report = PrerequisiteReport({"stigmer": check_stigmer(config),
                                     "contract": check_contract(config)})
    reason = report.stop_reason()
    assert reason is not None and "\n" not in reason
    assert reason.startswith("this Stigmer speaks the run API (G3")
    assert report.missing_for_tags([])[0].name == "Contract"


def test_an_unreachable_target_stops_the_run_with_one_line() -> None:
    address = f"127.0.0.1:{free_port()}"
    config = load_config({"target": "external", "server_address": address}, environ={})
    stigmer = check_stigmer(config)
    report = PrerequisiteReport({"stigmer": stigmer})
    reason = report.stop_reason()
    assert not stigmer.ok and reason is not None and "\n" not in reason
    assert reason.startswith(f"no Stigmer answers at {address}")


def test_a_profile_expecting_another_generation_is_noted(
        without_health: StigmerServerProcess) -> None:
    config = load_config({"target": "external", "server_address": without_health.address,
                          "profile": "january"}, environ={})
    contract = check_contract(config)
    assert contract.ok and "(profile january expects G1)" in contract.detail
