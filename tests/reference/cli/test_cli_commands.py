"""Commands against an in-memory fake client: outputs, exit codes, secrets, error mapping."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
import yaml

import reference.cli.main as cli_main

PENDING, IN_PROGRESS, COMPLETED, FAILED = 1, 2, 3, 4
HUMAN, AI, SYSTEM = 1, 2, 4


def basic(fixtures_dir: Path) -> str:
    return str(fixtures_dir / "agents" / "basic")


# --- apply -----------------------------------------------------------------------------------


def test_apply_prints_table_and_success(cli: Callable, fake_client, fixtures_dir: Path) -> None:
    result = cli("apply", "-f", basic(fixtures_dir))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["TYPE", "NAME", "STATUS", "ID"]
    assert lines[1].split() == ["Agent", "greeter", "Created", "agt-0001"]
    assert lines[2].split() == ["Agent", "helper-with-profile", "Created", "agt-0002"]
    assert lines[-1] == "Deployment successful"
    stored = fake_client.agents.items["agt-0002"]
    assert stored.spec.icon_url == "https://example.com/icons/helper.png"
    assert stored.metadata.org == "local"


def test_apply_again_reports_updated(cli: Callable, fixtures_dir: Path) -> None:
    cli("apply", "-f", basic(fixtures_dir))
    result = cli("apply", "-f", basic(fixtures_dir))
    assert [line.split()[2] for line in result.out.splitlines()[1:3]] == ["Updated", "Updated"]


def test_dry_run_shows_actions_and_creates_nothing(
    cli: Callable, fake_client, fixtures_dir: Path
) -> None:
    fake_client.agents.add("greeter")
    result = cli("apply", "-f", basic(fixtures_dir), "--dry-run")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["TYPE", "NAME", "ACTION", "ID"]
    assert lines[1].split() == ["Agent", "greeter", "Update", "agt-0001"]
    assert lines[2].split() == ["Agent", "helper-with-profile", "Create", "-"]
    assert lines[-1] == "Dry run successful"
    assert len(fake_client.agents.items) == 1


def test_dry_run_of_invalid_name_fails_naming_the_rule(cli: Callable, fixtures_dir: Path) -> None:
    result = cli("apply", "-f", str(fixtures_dir / "agents" / "invalid"), "--dry-run")
    assert result.code == 1
    assert "Invalid" in result.out.splitlines()[1]
    assert "metadata.slug ('invalid-name!', derived from metadata.name 'Invalid Name!')" \
        in result.err
    assert "[string.pattern]" in result.err
    assert "Dry run successful" not in result.out


def test_apply_failure_is_reported_per_resource(
    cli: Callable, fake_client, fixtures_dir: Path, make_error: Callable
) -> None:
    fake_client.agents.apply_error = make_error(
        grpc.StatusCode.INVALID_ARGUMENT, "invalid metadata.name 'x': a slug must be ..."
    )
    result = cli("apply", "-f", basic(fixtures_dir))
    assert result.code == 1
    assert result.out.splitlines()[1].split()[2] == "Failed"
    assert "Error: Agent 'greeter' (" in result.err
    assert "invalid argument: invalid metadata.name 'x': a slug must be" in result.err
    assert "Deployment failed: 2 of 2 resources failed" in result.err
    assert "Deployment successful" not in result.out


def test_malformed_manifest_sends_nothing(cli: Callable, fake_client, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "apiVersion: agentic.stigmer.ai/v1\nkind: Agent\nmetadata: {name: a}\nspec: {bogus: 1}\n"
    )
    result = cli("apply", "-f", str(tmp_path))
    assert result.code == 1
    assert result.err.strip() == (
        f"Error: {tmp_path / 'a.yaml'}: Agent 'a': unknown field spec.bogus (known: description,"
        " iconUrl, instructions, mcpServerUsages, skillRefs, subAgents, env)"
    )
    assert fake_client.agents.items == {}


# --- run -------------------------------------------------------------------------------------


def test_run_unknown_name(cli: Callable) -> None:
    result = cli("run", "nobody", "--message", "hi")
    assert result.code == 2
    assert result.err.strip() == "Error: No agent found for nobody"
    assert result.out == ""


def test_run_without_follow_prints_id_and_sends_secrets_as_secrets(
    cli: Callable, fake_client
) -> None:
    agent = fake_client.agents.add("greeter")
    result = cli(
        "run", "greeter", "--message", "Say hello", "--follow=false",
        "--runtime-env", "PLAIN=visible", "--runtime-env", "secret:TOKEN=hunter2",
    )
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "Agent execution started: greeter",
        "Execution ID: aex-0001",
    ]
    (created,) = fake_client.agent_executions.created
    assert created.spec.agent_id == agent.metadata.id
    assert created.spec.message == "Say hello"
    assert created.metadata.org == "local"
    env = created.spec.runtime_env
    assert (env["PLAIN"].value, env["PLAIN"].is_secret) == ("visible", False)
    assert (env["TOKEN"].value, env["TOKEN"].is_secret) == ("hunter2", True)
    assert "hunter2" not in result.out + result.err


def test_run_follow_streams_and_summarises(cli: Callable, fake_client, snapshot: Callable) -> None:
    fake_client.agents.add("greeter")
    fake_client.agent_executions.script = [
        snapshot(PENDING, [(HUMAN, "Say hello")]),
        snapshot(IN_PROGRESS, [(HUMAN, "Say hello"), (AI, "Hello")]),
        snapshot(COMPLETED, [(HUMAN, "Say hello"), (AI, "Hello! I can respond.")]),
    ]
    result = cli("run", "greeter", "--message", "Say hello", "-e", "secret:K=hunter2")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "Agent execution started: greeter",
        "Execution ID: aex-0001",
        "[PENDING]",
        "You: Say hello",
        "[IN_PROGRESS]",
        "AI: Hello! I can respond.",
        "[COMPLETED]",
        "Execution COMPLETED: 2 messages (1 human, 1 ai)",
    ]
    assert "hunter2" not in result.out + result.err


def test_run_follow_failed_exits_1_with_error(cli: Callable, fake_client, snapshot) -> None:
    fake_client.agents.add("greeter")
    fake_client.agent_executions.script = [
        snapshot(FAILED, [(HUMAN, "hi"), (SYSTEM, "Error: Execution failed: no model")],
                 error="runner crashed"),
    ]
    result = cli("run", "greeter", "-m", "hi")
    assert result.code == 1
    assert result.out.splitlines()[-2:] == [
        "[FAILED]", "Execution FAILED: 2 messages (1 human, 1 system)",
    ]
    assert result.err == "Error: execution FAILED: runner crashed\n"


def test_run_follow_failed_without_a_reason_still_says_so_on_stderr(
    cli: Callable, fake_client, snapshot: Callable
) -> None:
    fake_client.agents.add("greeter")
    fake_client.agent_executions.script = [
        snapshot(FAILED, [(SYSTEM, "Error: Execution failed: no model")]),
    ]
    result = cli("run", "greeter", "-m", "hi")
    assert (result.code, result.err) == (1, "Error: execution FAILED: no reason given\n")


def test_run_create_unavailable_prints_the_server_reason(
    cli: Callable, fake_client, make_error: Callable, monkeypatch
) -> None:
    monkeypatch.setattr(cli_main, "is_reachable", lambda _addr, _timeout: True)
    fake_client.agents.add("greeter")
    fake_client.agent_executions.create_error = make_error(
        grpc.StatusCode.UNAVAILABLE,
        "Temporal workflow engine is unavailable. Please try again later",
    )
    result = cli("run", "greeter", "-m", "hi", "--follow=false")
    assert result.code == 1
    assert result.err.strip() == (
        "Error: Temporal workflow engine is unavailable. Please try again later"
    )


def test_unavailable_from_a_vanished_server_is_exit_3(
    cli: Callable, fake_client, make_error: Callable, monkeypatch
) -> None:
    monkeypatch.setattr(cli_main, "is_reachable", lambda _addr, _timeout: False)
    fake_client.agents.add("greeter")
    fake_client.agent_executions.create_error = make_error(
        grpc.StatusCode.UNAVAILABLE, "failed to connect to all addresses"
    )
    result = cli("run", "greeter", "-m", "hi")
    assert result.code == 3
    assert "Cannot reach Stigmer server at localhost:7234: is it running?" in result.err


def test_run_prefers_a_workflow_when_one_exists(cli: Callable, fake_client) -> None:
    from ai.stigmer.agentic.workflow.v1 import api_pb2 as workflow_api_pb2
    from ai.stigmer.agentic.workflowexecution.v1 import api_pb2 as wex_api_pb2

    workflow = workflow_api_pb2.Workflow()
    workflow.metadata.name = "greeter"
    workflow.metadata.id = "wfl-1"
    created = []

    class Workflows:
        def get_by_reference(self, ref):
            return workflow

    class WorkflowExecutions:
        def create(self, input):
            created.append(input._to_proto())
            execution = wex_api_pb2.WorkflowExecution()
            execution.metadata.id = "wex-1"
            return execution

    fake_client.workflows = Workflows()
    fake_client.workflow_executions = WorkflowExecutions()
    fake_client.agents.add("greeter")
    result = cli("run", "greeter", "-m", "go", "--no-follow", "-e", "secret:K=v")
    assert result.code == 0, result.err
    assert result.out.splitlines() == ["Workflow execution started: greeter", "Execution ID: wex-1"]
    assert created[0].spec.workflow_id == "wfl-1"
    assert created[0].spec.trigger_message == "go"
    assert created[0].spec.runtime_env["K"].is_secret


# --- get / list / delete / cancel / version --------------------------------------------------


def test_get_agent_formats(cli: Callable, fake_client) -> None:
    fake_client.agents.add("greeter", description="Says hi")
    table = cli("get", "agent", "greeter")
    assert table.code == 0
    assert table.out.splitlines()[0].split() == ["NAME", "SLUG", "ID", "ORG", "DESCRIPTION"]
    assert table.out.splitlines()[1].split() == ["greeter", "greeter", "agt-0001", "local",
                                                  "Says", "hi"]
    doc = yaml.safe_load(cli("get", "agent", "greeter", "-o", "yaml").out)
    assert doc["metadata"]["id"] == "agt-0001" and doc["spec"]["description"] == "Says hi"
    assert json.loads(cli("get", "agent", "agt-0001", "-o", "json").out)["kind"] == "Agent"


def test_get_agent_not_found(cli: Callable) -> None:
    result = cli("get", "agent", "ghost")
    assert (result.code, result.err.strip()) == (2, "Error: No agent found for ghost")


def test_get_execution_table_lists_messages_and_masks_secrets(
    cli: Callable, fake_client, snapshot: Callable
) -> None:
    execution = snapshot(COMPLETED, [(HUMAN, "hi"), (AI, "Hello!")], execution_id="aex-9")
    execution.spec.agent_id = "agt-0001"
    execution.spec.runtime_env["TOKEN"].value = "hunter2"
    execution.spec.runtime_env["TOKEN"].is_secret = True
    fake_client.agent_executions.stored["aex-9"] = execution
    table = cli("get", "execution", "aex-9")
    assert table.out.splitlines() == [
        "ID     AGENT     PHASE      MESSAGES",
        "aex-9  agt-0001  COMPLETED  2",
        "",
        "You: hi",
        "AI: Hello!",
    ]
    as_yaml = cli("get", "execution", "aex-9", "-o", "yaml").out
    assert "hunter2" not in as_yaml and "********" in as_yaml
    missing = cli("get", "execution", "aex-404")
    assert (missing.code, missing.err.strip()) == (2, "Error: No execution found for aex-404")


def test_list_agents(cli: Callable, fake_client) -> None:
    assert cli("list", "agents").out.strip() == "No agents found"
    fake_client.agents.add("greeter")
    fake_client.agents.add("other", org="elsewhere")
    lines = cli("list", "agents").out.splitlines()
    assert lines[0].split() == ["NAME", "SLUG", "ID", "DESCRIPTION"]
    assert [line.split()[0] for line in lines[1:]] == ["greeter"]
    assert json.loads(cli("list", "agents", "-o", "json").out)[0]["name"] == "greeter"


def test_list_executions_filters_by_agent(cli: Callable, fake_client, snapshot) -> None:
    greeter = fake_client.agents.add("greeter")
    other = fake_client.agents.add("other")
    for index, agent in enumerate([greeter, other, greeter]):
        execution = snapshot(COMPLETED, [(AI, "x")], execution_id=f"aex-{index}")
        execution.spec.agent_id = agent.metadata.id
        fake_client.agent_executions.stored[execution.metadata.id] = execution
    lines = cli("list", "executions", "--agent", "greeter").out.splitlines()
    assert lines[0].split() == ["ID", "AGENT", "PHASE", "MESSAGES"]
    assert [line.split()[:2] for line in lines[1:]] == [["aex-0", "greeter"], ["aex-2", "greeter"]]
    assert len(cli("list", "executions").out.splitlines()) == 4


def test_delete_agent(cli: Callable, fake_client) -> None:
    fake_client.agents.add("greeter")
    result = cli("delete", "agent", "greeter")
    assert (result.code, result.out.strip()) == (0, "Agent deleted: greeter (agt-0001)")
    assert fake_client.agents.deleted == ["agt-0001"]
    assert cli("delete", "agent", "greeter").code == 2


def test_cancel(cli: Callable, fake_client) -> None:
    result = cli("cancel", "aex-1")
    assert (result.code, result.out.strip()) == (0, "Execution cancelled: aex-1 (phase CANCELLED)")
    assert fake_client.agent_executions.cancelled[0].id == "aex-1"


def test_version_needs_no_server(cli: Callable) -> None:
    result = cli("version")
    assert result.code == 0
    assert result.out.startswith("stigmer-ref ")
    assert "stigmer SDK 3.41.0" in result.out


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (grpc.StatusCode.INVALID_ARGUMENT, "spec.x: bad [string.min_len]",
         "Error: invalid argument: spec.x: bad [string.min_len]"),
        (grpc.StatusCode.UNAUTHENTICATED, "bad key",
         "Error: authentication failed (check STIGMER_API_KEY): bad key"),
        (grpc.StatusCode.UNIMPLEMENTED, "Method not implemented!",
         "Error: the server does not implement this operation: Method not implemented!"),
        (grpc.StatusCode.INTERNAL, "boom\nline two", "Error: server error: boom line two"),
    ],
)
def test_sdk_errors_become_one_line_and_exit_1(
    cli: Callable, fake_client, make_error: Callable, status, message: str, expected: str
) -> None:
    def fail(*_args, **_kwargs):
        raise make_error(status, message)

    fake_client.agents.list = fail
    result = cli("list", "agents")
    assert result.code == 1
    assert result.err == expected + "\n"
    assert fake_client.closed


def test_run_sends_env_file_env_and_secrets_and_the_model(
    cli: Callable, fake_client, tmp_path: Path
) -> None:
    fake_client.agents.add("greeter")
    env_file = tmp_path / "run.env"
    env_file.write_text("# comment\nexport FROM_FILE='one'\nPLAIN=file-value\n")
    result = cli("run", "agent", "greeter", "-m", "hi", "--detach", "--env-file", str(env_file),
                 "--env", "PLAIN=flag-value", "--secret", "TOKEN=hunter2",
                 "--model", "m:1b")
    assert result.code == 0, result.err
    (created,) = fake_client.agent_executions.created
    env = {key: (value.value, value.is_secret) for key, value in created.spec.runtime_env.items()}
    assert env == {"FROM_FILE": ("one", False), "PLAIN": ("flag-value", False),
                   "TOKEN": ("hunter2", True)}
    assert created.spec.execution_config.model_name == "m:1b"
    assert created.metadata.org == "local"
    assert "hunter2" not in result.out + result.err


def test_run_merges_the_layers_in_the_real_clis_order(
    cli: Callable, fake_client, tmp_path: Path
) -> None:
    """env files < secret files < --env < --secret (Stigmer's TestEnvVarMergePrecedence); a
    later file of the same flag wins; the winner says whether the value is secret."""
    fake_client.agents.add("greeter")
    first, second = tmp_path / "first.env", tmp_path / "second.env"
    first.write_text("ONLY_ENV_FILE=a\nENV_FILES=first\nFILE_VS_SECRET_FILE=plain\n"
                     "ENV_VS_SECRET_FILE=file\n")
    second.write_text("ENV_FILES=second\n")
    secrets_file = tmp_path / "run.secrets"
    secrets_file.write_text("FILE_VS_SECRET_FILE=hidden\nENV_VS_SECRET_FILE=hidden\n"
                            "SECRET_FILE_VS_SECRET=from-file\n")
    result = cli("run", "greeter", "-m", "hi", "--detach",
                 "--secret", "SECRET_FILE_VS_SECRET=from-flag", "--env", "ENV_VS_SECRET_FILE=flag",
                 "--secret-file", str(secrets_file), "--env-file", str(first),
                 "--env-file", str(second))
    assert result.code == 0, result.err
    (created,) = fake_client.agent_executions.created
    env = {key: (value.value, value.is_secret) for key, value in created.spec.runtime_env.items()}
    assert env == {
        "ONLY_ENV_FILE": ("a", False), "ENV_FILES": ("second", False),
        "FILE_VS_SECRET_FILE": ("hidden", True), "ENV_VS_SECRET_FILE": ("flag", False),
        "SECRET_FILE_VS_SECRET": ("from-flag", True),
    }
    assert "hidden" not in result.out + result.err


def test_dry_run_refuses_what_the_protos_refuse(cli: Callable, fake_client,
                                                tmp_path: Path) -> None:
    (tmp_path / "terse.yaml").write_text(
        "apiVersion: agentic.stigmer.ai/v1\nkind: Agent\nmetadata: {name: terse}\n"
        "spec: {instructions: Be nice.}\n")
    result = cli("apply", "-f", str(tmp_path), "--dry-run")
    assert result.code == 1
    assert "spec.instructions: must be at least 10 characters [string.min_len]" in result.err
    assert len(fake_client.agents.items) == 0
