"""The reference server reads Stigmer's server variables; a flag wins over its variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from reference.server import config


def test_stigmers_variables_configure_the_server(tmp_path: Path) -> None:
    cfg = config.parse([], environ={
        "GRPC_PORT": "7444", "DB_PATH": str(tmp_path / "x.db"),
        "TEMPORAL_HOST_PORT": "127.0.0.1:7233", "TEMPORAL_NAMESPACE": "e2e",
        "LOG_LEVEL": "debug", "ENV": "local"})
    assert cfg.port == 7444
    assert cfg.db_path == tmp_path / "x.db" and cfg.data_dir == tmp_path
    assert (cfg.temporal_address, cfg.temporal_namespace) == ("127.0.0.1:7233", "e2e")
    assert cfg.log_level == "DEBUG" and cfg.health_service


def test_flags_win_over_variables(tmp_path: Path) -> None:
    cfg = config.parse(["--port", "0", "--data-dir", str(tmp_path)],
                       environ={"GRPC_PORT": "7444", "STORAGE_PATH": "/elsewhere"})
    assert cfg.port == 0 and cfg.db_path == tmp_path / "stigmer.db"


@pytest.mark.parametrize("value", ["off", "false", "0", "no"])
def test_the_health_service_can_be_left_out(tmp_path: Path, value: str) -> None:
    environ = {"DB_PATH": str(tmp_path / "s.db"), config.HEALTH_ENV: value}
    assert not config.parse([], environ=environ).health_service
    assert not config.parse(["--no-health-service"], environ={"DB_PATH": "d"}).health_service


def test_a_bad_port_or_no_data_location_is_refused() -> None:
    with pytest.raises(SystemExit):
        config.parse([], environ={"GRPC_PORT": "seven", "DB_PATH": "d"})
    with pytest.raises(SystemExit):
        config.parse([], environ={})
