"""Loading an execution's context: instance, env layering, skills, MCP plans; readiness helpers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from ai.stigmer.agentic.environment.v1 import api_pb2 as environment_api
from ai.stigmer.agentic.skill.v1 import api_pb2 as skill_api

from reference.runner.config import RunnerConfig
from reference.runner.context import EnvValue, load_agent_context
from reference.runner.errors import RunnerError
from reference.runner.ready_file import ReadyFile
from reference.runner.worker import connect_temporal
from tests.reference.runner.runner_fakes import (
    FakeBackend,
    backend_with_mcp,
    make_execution,
)

pytestmark = pytest.mark.anyio


def _skill(name: str, body: str) -> skill_api.Skill:
    skill = skill_api.Skill()
    skill.spec.name = name
    skill.spec.skill_md = body
    return skill


async def test_skills_env_layers_and_model() -> None:
    backend = FakeBackend(make_execution(model="tiny:1m", runtime_env={
        "REGION": ("us", False), "TOKEN": ("t-1", True)}))
    ref = backend.agent.spec.skill_refs.add()
    ref.org, ref.slug = "local", "greeting"
    backend.skills["greeting"] = _skill("greeting", "Say hi first.\n")
    env_ref = backend.instance.spec.environment_refs.add()
    env_ref.org, env_ref.slug = "local", "base"
    environment = environment_api.Environment()
    environment.spec.data["REGION"].value = "eu"
    environment.spec.data["DB_PASSWORD"].value = "pw-9"
    environment.spec.data["DB_PASSWORD"].is_secret = True
    backend.environments["base"] = environment

    ctx = await load_agent_context(backend, backend.execution, "smollm2:135m")
    assert ctx.model == "tiny:1m"
    assert ctx.agent_name == "greeter"
    assert [(s.name, s.content) for s in ctx.skills] == [("greeting", "Say hi first.")]
    assert ctx.env == {"REGION": EnvValue("us"), "TOKEN": EnvValue("t-1", True),
                       "DB_PASSWORD": EnvValue("pw-9", True)}
    assert sorted(ctx.secret_values) == ["pw-9", "t-1"]


async def test_instance_from_session_spec_wins_and_names_the_agent() -> None:
    backend = FakeBackend()
    backend.execution.spec.agent_id = ""
    backend.execution.spec.session_spec.agent_instance_id = "ain-test"
    ctx = await load_agent_context(backend, backend.execution, "m")
    assert ctx.instructions == "You are a friendly assistant"


async def test_no_agent_at_all_is_an_error() -> None:
    backend = FakeBackend()
    backend.execution.spec.agent_id = ""
    with pytest.raises(RunnerError, match="names no agent"):
        await load_agent_context(backend, backend.execution, "m")


async def test_mcp_plan_takes_declared_env_from_the_execution() -> None:
    backend = backend_with_mcp({"API_TOKEN": ("tok", True), "OTHER": ("x", False)})
    ctx = await load_agent_context(backend, backend.execution, "m")
    (plan,) = ctx.mcp_servers
    assert plan.slug == "echo"
    assert plan.env == {"API_TOKEN": "tok"}, "only the variables the server declares"


def test_ready_file_mark_and_clear(tmp_path: Path) -> None:
    ready = ReadyFile(tmp_path / "sub" / "ready")
    ready.clear()
    assert not ready.is_marked()
    ready.mark()
    assert ready.is_marked()
    ready.clear()
    assert not ready.is_marked()


async def test_connect_gives_up_quietly_when_stopped() -> None:
    stop = asyncio.Event()
    config = RunnerConfig(temporal_address="127.0.0.1:1")
    task = asyncio.create_task(connect_temporal(config, stop, max_delay_s=0.1))
    await asyncio.sleep(0.3)
    stop.set()
    assert await asyncio.wait_for(task, 10) is None
