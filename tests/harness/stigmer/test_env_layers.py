"""Runtime value layers: the files the suite writes and the check of the winning layer."""

from __future__ import annotations

import stat
from pathlib import Path
from types import SimpleNamespace

import pytest

from harness.stigmer.env_layers import RuntimeLayers, winner_problems


def _layers() -> RuntimeLayers:
    layers = RuntimeLayers()
    layers.put("env file", "RATE", "25")
    layers.put("command line", "RATE", "10")
    layers.put("secret file", "TOKEN", "tok-<&>\"'=x")
    return layers


def test_files_hold_their_layers_values_for_the_owner_only(tmp_path: Path) -> None:
    env_files, secret_files = _layers().write_files(tmp_path)
    assert env_files[0].read_text().splitlines()[1:] == ["RATE=25"]
    assert secret_files[0].read_text().splitlines()[1:] == ["TOKEN=tok-<&>\"'=x"]
    assert stat.S_IMODE(secret_files[0].stat().st_mode) == 0o600


def test_the_winner_check_names_layers_never_values() -> None:
    layers = _layers()
    stored = {"RATE": SimpleNamespace(value="25", is_secret=False),
              "TOKEN": SimpleNamespace(value="tok-<&>\"'=x", is_secret=False)}
    problems = winner_problems(stored, layers, [("RATE", "command line", False),
                                                ("TOKEN", "secret file", True)])
    assert problems == ["RATE: holds the value of the env file, not the value of the command line",
                        "TOKEN: stored as plain, expected a secret"]
    assert not any("tok-" in p for p in problems)
    stored["RATE"] = SimpleNamespace(value="10", is_secret=False)
    stored["TOKEN"] = SimpleNamespace(value="tok-<&>\"'=x", is_secret=True)
    assert winner_problems(stored, layers, [("RATE", "command line", False),
                                            ("TOKEN", "secret file", True)]) == []


def test_unknown_layers_and_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown layer"):
        RuntimeLayers().put("registry", "A", "1")
    with pytest.raises(ValueError, match="not a variable name"):
        RuntimeLayers().put("env file", "A=B", "1")
