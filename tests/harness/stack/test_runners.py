"""The ``runner`` setting: which agent-runner is started, how, and what it skips."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import ConfigError, load_config
from harness.stack.runners import (
    choose_runner,
    require_installed,
    runner_skip_reason,
    stigmer_runner_venv,
)


def test_an_unknown_runner_is_one_clear_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_config({"runner": "x"}, environ={})
    assert str(info.value) == "unknown runner 'x' (allowed: reference, stigmer-runner)"


def test_the_reference_runner_is_the_default() -> None:
    choice = choose_runner(load_config({}, environ={}), environ={})
    assert choice.name == "reference" and not choice.is_real
    assert choice.argv[1:] == ["-m", "reference.runner"]
    assert choice.env == {} and choice.llm_context is None and choice.llm_args == ()


def test_the_pypi_runner_runs_from_its_own_venv_in_local_mode(tmp_path: Path) -> None:
    environ = {"STIGMER_E2E_CACHE": str(tmp_path)}
    choice = choose_runner(load_config({"runner": "stigmer-runner"}, environ={}), environ)
    assert choice.argv == [str(tmp_path / "venvs" / "stigmer-runner" / "bin" / "stigmer-runner")]
    assert stigmer_runner_venv(environ) == tmp_path / "venvs" / "stigmer-runner"
    assert choice.env["MODE"] == "local"
    assert choice.env["GRAPHTON_STALL_TIMEOUT_SECONDS"] == "300"
    assert choice.env["STIGMER_LLM_MODEL"] == "ollama:smollm2:135m"
    assert choice.min_heartbeat_timeout == 30.0 and "--cache-prompt" in choice.llm_args
    with pytest.raises(RuntimeError, match=r"scripts/setup\.sh"):
        require_installed(choice)


def test_reference_runner_only_scenarios_are_skipped_with_their_reason() -> None:
    tags = ["phase2", "reference-runner-only:tool-calling-needs-a-larger-model"]
    assert runner_skip_reason("reference", tags) == ""
    reason = runner_skip_reason("stigmer-runner", tags)
    assert reason.startswith("needs the reference agent-runner")
    assert "tool calling needs a larger model" in reason
    assert runner_skip_reason("stigmer-runner", ["phase2"]) == ""


def test_the_pypi_runners_model_threads_can_be_set() -> None:
    config = load_config({"runner": "stigmer-runner"}, environ={})
    choice = choose_runner(config, {"STIGMER_E2E_STIGMER_RUNNER_THREADS": "1"})
    assert choice.llm_threads == 1
    assert load_config({}, environ={"STIGMER_E2E_STIGMER_RUNNER_THREADS": "1"}).runner == (
        "reference")  # not a setting: accepted beside the strict ones
