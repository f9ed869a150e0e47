"""Unit tests: failure descriptions, API-key checks, paging, command-line config."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from temporalio.exceptions import ApplicationError, TimeoutError, TimeoutType

from reference.server import auth, config, errors, paging
from reference.server.workflows import RUNNER_TASK_QUEUE, describe_failure


@pytest.mark.parametrize(
    ("cause", "expected"),
    [
        (TimeoutError("t", type=TimeoutType.SCHEDULE_TO_START, last_heartbeat_details=[]),
         f"no agent-runner picked up the execution within 3s on task queue {RUNNER_TASK_QUEUE}"),
        (TimeoutError("t", type=TimeoutType.HEARTBEAT, last_heartbeat_details=[]),
         "the agent-runner stopped heartbeating for 30s"),
        (TimeoutError("t", type=TimeoutType.START_TO_CLOSE, last_heartbeat_details=[]),
         "did not finish within 10 minutes"),
        (ApplicationError("model exploded", non_retryable=True),
         "the agent-runner failed: model exploded"),
        (RuntimeError("weird"), "the agent-runner activity failed: weird"),
    ],
)
def test_failure_descriptions(cause: BaseException, expected: str) -> None:
    assert expected in describe_failure(cause, 3, 30)


def test_a_longer_run_timeout_is_named_in_the_failure() -> None:
    cause = TimeoutError("t", type=TimeoutType.START_TO_CLOSE, last_heartbeat_details=[])
    assert "did not finish within 15 minutes" in describe_failure(cause, 3, 30, 900)
    parsed = config.parse(["--runner-run-timeout", "900", "--db-path", "x.db"], environ={})
    assert parsed.runner_run_timeout_s == 900


def test_api_key_check() -> None:
    assert auth.check([("authorization", "Bearer s3cret")], "s3cret") is None
    assert auth.check([("authorization", "bearer s3cret")], "s3cret") is None
    assert auth.check([], "s3cret") == auth.MISSING
    assert auth.check(None, "s3cret") == auth.MISSING
    assert auth.check([("authorization", "Bearer nope")], "s3cret") == auth.INVALID
    assert auth.check([("authorization", "s3cret")], "s3cret") == auth.INVALID
    assert "s3cret" not in auth.MISSING + auth.INVALID


def test_paging_windows() -> None:
    window = paging.by_number(0, 0)
    assert (window.limit, window.offset) == (paging.DEFAULT_PAGE_SIZE, 0)
    window = paging.by_number(3, 5)
    assert (window.offset, window.total_pages(11), window.next_token(11)) == (10, 3, "")
    assert paging.by_number(1, 1000).limit == paging.MAX_PAGE_SIZE
    assert paging.by_token(2, "").next_token(5) == "2"
    assert paging.by_token(2, "4").offset == 4
    with pytest.raises(errors.ServiceError) as err:
        paging.by_token(2, "abc")
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT


def test_config_flags(tmp_path: Path) -> None:
    cfg = config.parse([
        "--host", "127.0.0.1", "--host", "172.17.0.1", "--port", "0", "--data-dir",
        str(tmp_path), "--api-key", "k", "--temporal-address", "127.0.0.1:7233",
        "--runner-schedule-timeout", "3",
    ])
    assert cfg.hosts == ["127.0.0.1", "172.17.0.1"] and cfg.port == 0
    assert cfg.db_path == tmp_path / "stigmer.db"
    assert (cfg.api_key, cfg.temporal_address, cfg.runner_schedule_timeout_s) == (
        "k", "127.0.0.1:7233", 3.0)
    defaults = config.parse(["--data-dir", str(tmp_path)])
    assert defaults.hosts == ["127.0.0.1"] and defaults.api_key is None
    assert defaults.runner_schedule_timeout_s == 60
    with pytest.raises(SystemExit):
        config.parse(["--data-dir", str(tmp_path), "--runner-schedule-timeout", "0"])
    with pytest.raises(SystemExit):
        config.parse([])
