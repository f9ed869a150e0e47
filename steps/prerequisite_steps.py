"""Steps about prerequisites: what is checked and how a missing one is explained."""

from __future__ import annotations

import dataclasses
import os

from behave import given, then, when
from hamcrest import assert_that, contains_string, equal_to, is_, is_not

from harness.checks.contract import probe_contract
from harness.checks.prerequisites import check_docker, check_llm
from harness.processes import free_port
from harness.stack.health import grpc_health, stigmer_ready


@then("the Stigmer server answers")
def step_server_answers(context) -> None:
    ready, detail = stigmer_ready(context.stack.info.server_address,
                                  context.suite_config.api_key)
    assert_that(ready, is_(True), f"the readiness call said: {detail}")


@then("it speaks the API generation the suite drives")
def step_server_speaks_driven_generation(context) -> None:
    probe = probe_contract(context.stack.info.server_address, context.suite_config.api_key)
    assert_that(probe.driven, is_(True), probe.line())


@then("the Stigmer server reports itself healthy")
def step_server_healthy(context) -> None:
    healthy, detail = grpc_health(context.stack.info.server_address)
    assert_that(healthy, is_(True), f"health check said: {detail}")


@given("the model server is expected where nothing answers")
def step_llm_nowhere(context) -> None:
    context.world.probe.config = dataclasses.replace(
        context.suite_config, ollama_url=f"http://127.0.0.1:{free_port()}")


@given("the embedded model server is not allowed")
def step_no_embedded_llm(context) -> None:
    probe = context.world.probe
    probe.config = dataclasses.replace(probe.config or context.suite_config, embedded_llm=False)


@given("the Docker engine is expected where nothing answers")
def step_docker_nowhere(context) -> None:
    context.world.probe.docker_host = f"tcp://127.0.0.1:{free_port()}"


@when("the prerequisites are checked")
def step_check(context) -> None:
    probe = context.world.probe
    results = {}
    if probe.config is not None:
        results["LLM"] = check_llm(probe.config)
    if probe.docker_host:
        saved = os.environ.get("DOCKER_HOST")
        os.environ["DOCKER_HOST"] = probe.docker_host
        try:
            results["Docker"] = check_docker(timeout=1.0)
        finally:
            if saved is None:
                os.environ.pop("DOCKER_HOST", None)
            else:
                os.environ["DOCKER_HOST"] = saved
    probe.results = results


@then('the "{name}" prerequisite is reported missing')
def step_reported_missing(context, name: str) -> None:
    result = context.world.probe.results[name]
    assert_that(result.ok, equal_to(False), f"{name} unexpectedly reported: {result.message()}")
    context.world.probe.missing = result


@then("its explanation says what it is required for, how to fix it and how to verify it")
def step_actionable(context) -> None:
    message = context.world.probe.missing.message()
    for part in ("is not available", "Required for:", "How to fix:", "Verify with:"):
        assert_that(message, contains_string(part))
    assert_that(context.world.probe.missing.how_to_fix.strip(), is_not(equal_to("")))


@given("Ollama and Docker are available")
def step_ollama_and_docker(context) -> None:
    results = context.prerequisites.results
    for name in ("docker", "llm"):
        assert_that(results[name].ok, is_(True), results[name].message())


@then("the prerequisite summary reports them ready")
def step_summary_ready(context) -> None:
    summary = context.prerequisites.summary()
    for label in ("Docker", "LLM"):
        line = next(line for line in summary.splitlines() if f" {label} " in line)
        assert_that(line, contains_string("[     ok]"))
