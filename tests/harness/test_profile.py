"""Target profiles: lookup, server settings, and the skips of reference-only scenarios."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.config import REPO_ROOT, ConfigError, load_config
from harness.profile import (
    BEHAVIOUR_TAG_PREFIX,
    PROFILES,
    REFERENCE_ONLY_BEHAVIOURS,
    REFERENCE_ONLY_TAG,
    SERVER_ENV,
    ProfileError,
    get_profile,
)

FEATURES = REPO_ROOT / "features"


def test_the_reference_profile_is_the_default() -> None:
    config = load_config({}, environ={})
    assert config.profile == "reference"
    assert config.target_profile is PROFILES["reference"]


@pytest.mark.parametrize(("name", "expected"), [
    ("stigmer-local", "stigmer-g2"), ("G1", "january"), ("january", "january"),
    ("g3", "stigmer-g3"), (" Reference ", "reference")])
def test_profiles_are_found_by_name_or_alias(name: str, expected: str) -> None:
    assert get_profile(name).name == expected


def test_an_unknown_profile_is_one_clear_line() -> None:
    with pytest.raises(ConfigError) as error:
        load_config({"profile": "stigmer-9000"}, environ={})
    message = str(error.value)
    assert "\n" not in message
    assert "profile='stigmer-9000'" in message and "reference" in message
    with pytest.raises(ProfileError):
        get_profile("nope")


def test_the_profile_comes_from_the_environment_too() -> None:
    config = load_config({}, environ={"STIGMER_E2E_PROFILE": "january"})
    assert config.target_profile.cli_dialect == "january"
    assert config.target_profile.max_message_bytes == 10_000_000


def test_every_build_is_configured_by_stigmers_variables(tmp_path: Path) -> None:
    for profile in PROFILES.values():
        env = profile.server_env(port=7999, data_dir=tmp_path, temporal_address="h:7233")
        assert env["GRPC_PORT"] == "7999"
        assert env["DB_PATH"] == str(tmp_path / "stigmer.db")
        assert env["TEMPORAL_HOST_PORT"] == "h:7233"
        assert set(env) <= set(SERVER_ENV)
    assert "TEMPORAL_HOST_PORT" not in PROFILES["reference"].server_env(port=1, data_dir=tmp_path)


def test_only_the_reference_server_gets_flags_and_a_health_service() -> None:
    assert PROFILES["reference"].reference_flags and PROFILES["reference"].health_service
    for name in ("stigmer-g2", "january", "stigmer-g3"):
        assert not PROFILES[name].reference_flags and not PROFILES[name].health_service


def test_reference_only_scenarios_run_on_the_reference_and_skip_elsewhere_with_why() -> None:
    tags = ["phase1", REFERENCE_ONLY_TAG, f"{BEHAVIOUR_TAG_PREFIX}message-limit"]
    assert PROFILES["reference"].skip_reason(tags) is None
    reason = PROFILES["january"].skip_reason(tags)
    assert reason is not None and "january" in reason and "10 MB" in reason
    assert PROFILES["january"].skip_reason(["phase1"]) is None


def test_a_reference_only_tag_without_a_behaviour_still_skips_with_a_reason() -> None:
    reason = PROFILES["stigmer-g2"].skip_reason([REFERENCE_ONLY_TAG])
    assert reason is not None and "only the reference stack" in reason
    assert PROFILES["reference"].skip_reason([REFERENCE_ONLY_TAG]) is None


def _tag_lines() -> list[tuple[Path, int, list[str]]]:
    found = []
    for path in sorted(FEATURES.glob("*.feature")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.strip().startswith("@"):
                found.append((path, number, [t.lstrip("@") for t in line.split()]))
    return found


def test_every_reference_only_tag_names_a_known_behaviour() -> None:
    tagged = 0
    for path, number, tags in _tag_lines():
        keys = [t.removeprefix(BEHAVIOUR_TAG_PREFIX) for t in tags
                if t.startswith(BEHAVIOUR_TAG_PREFIX)]
        where = f"{path.name}:{number}"
        assert (REFERENCE_ONLY_TAG in tags) == bool(keys), f"{where}: tag both or neither"
        for key in keys:
            assert key in REFERENCE_ONLY_BEHAVIOURS, f"{where}: unknown behaviour {key}"
        tagged += REFERENCE_ONLY_TAG in tags
    assert tagged >= 10  # name rule, limit, egress guard, API key, wording, health, validation


def test_every_documented_behaviour_is_used_by_a_scenario() -> None:
    used = {t.removeprefix(BEHAVIOUR_TAG_PREFIX) for _, _, tags in _tag_lines() for t in tags
            if t.startswith(BEHAVIOUR_TAG_PREFIX)}
    assert used == set(REFERENCE_ONLY_BEHAVIOURS)


def test_the_compatibility_table_names_every_reference_only_behaviour() -> None:
    text = (REPO_ROOT / "docs" / "compatibility.md").read_text()
    for key in REFERENCE_ONLY_BEHAVIOURS:
        assert re.search(rf"`{re.escape(key)}`", text), key


def test_the_profile_chooses_the_cli_dialect_unless_one_is_set() -> None:
    from harness.profile import cli_dialect_for

    assert cli_dialect_for("", get_profile("january")) == "january"
    assert cli_dialect_for("auto", get_profile("reference")) == "current"
    assert cli_dialect_for("current", get_profile("january")) == "current"
