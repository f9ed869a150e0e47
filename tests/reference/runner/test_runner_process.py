"""``python -m reference.runner`` as a process: config errors, Temporal retries, shutdown."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reference.runner.runner_procs import (
    free_port,
    python_module,
    runner_env,
    start_temporal,
)

SECRET_KEY = "sk-runner-test-secret"
READY_LINE = r"worker ready on task queue agent_execution_runner"


def test_invalid_config_exits_non_zero_with_a_clear_error(tmp_path: Path) -> None:
    env = runner_env("127.0.0.1:1", "127.0.0.1:2", "http://127.0.0.1:3", tmp_path / "ready",
                     api_key=SECRET_KEY, STIGMER_LLM_PROVIDER="openai")
    proc = python_module("runner", "reference.runner", env=env)
    code = proc.popen.wait(30)
    proc.stop()
    assert code == 2
    assert "STIGMER_LLM_PROVIDER='openai'" in proc.output()
    assert "not supported" in proc.output()
    assert SECRET_KEY not in proc.output()


@pytest.mark.slow
def test_waits_for_temporal_then_serves_and_shuts_down_cleanly(tmp_path: Path) -> None:
    port = free_port()
    ready = tmp_path / "runner-ready"
    env = runner_env(f"127.0.0.1:{port}", "127.0.0.1:1", "http://127.0.0.1:2", ready,
                     api_key=SECRET_KEY)
    runner = python_module("runner", "reference.runner", env=env)
    temporal = None
    try:
        runner.wait_for(r"Temporal at 127\.0\.0\.1:\d+ not reachable", 30)
        assert not ready.exists()
        temporal = start_temporal(port)
        runner.wait_for(READY_LINE, 60)
        assert ready.exists()
        code = runner.stop()
        assert code == 0, runner.output()
        assert not ready.exists(), "the ready file is removed at exit"
        assert "worker stopped" in runner.output()
        assert SECRET_KEY not in runner.output()
    finally:
        runner.stop()
        if temporal is not None:
            temporal.stop()
