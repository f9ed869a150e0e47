"""harness.config: precedence, parsing, validation and the documented settings."""

from __future__ import annotations

import re
import sys
from dataclasses import fields

import pytest

from harness.config import (
    ENV_NOT_SETTINGS,
    ENV_PREFIX,
    REPO_ROOT,
    SETTINGS,
    ConfigError,
    SuiteConfig,
    command_argv,
    load_config,
    setting_keys,
)


def test_defaults_target_the_embedded_reference_stack() -> None:
    config = load_config({}, environ={})
    assert config.target == "embedded"
    assert config.server_address == ""
    assert config.services == "auto"
    assert config.server_command == "python -m reference.server"
    assert config.cli_command == "python -m reference.cli"
    assert config.embedded_llm is True
    assert config.org_isolation is True
    assert config.compose_files == ("compose/docker-compose.e2e.yml",)
    assert config.extra == {}


def test_userdata_beats_environment_beats_defaults() -> None:
    environ = {f"{ENV_PREFIX}MODEL": "env-model", f"{ENV_PREFIX}API_KEY": "env-key"}
    config = load_config({"model": "cli-model"}, environ=environ)
    assert config.model == "cli-model"  # -D wins over the environment
    assert config.api_key == "env-key"  # the environment wins over the default
    assert config.results_dir == "reports"  # untouched default


def test_environment_is_read_from_os_environ_by_default(monkeypatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}MODEL", "from-os-environ")
    assert load_config({}).model == "from-os-environ"


def test_unrelated_environment_variables_are_ignored() -> None:
    config = load_config({}, environ={"MODEL": "x", "STIGMER_E2E": "y", "E2E_MODEL": "z"})
    assert config.model == SuiteConfig().model


def test_userdata_keys_may_use_dashes_and_any_case() -> None:
    config = load_config({"Execution-Timeout": "12"}, environ={})
    assert config.execution_timeout == 12.0
    assert config.extra == {}


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", " yes ", "on"])
def test_true_booleans(raw: str) -> None:
    assert load_config({"embedded_llm": raw}, environ={}).embedded_llm is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off"])
def test_false_booleans(raw: str) -> None:
    environ = {f"{ENV_PREFIX}ORG_ISOLATION": raw}
    assert load_config({}, environ=environ).org_isolation is False


def test_invalid_boolean_names_the_key_and_the_fix() -> None:
    with pytest.raises(ConfigError) as raised:
        load_config({"embedded_llm": "maybe"}, environ={})
    message = str(raised.value)
    assert "embedded_llm" in message and "'maybe'" in message
    assert "true or false" in message


def test_floats_are_parsed() -> None:
    config = load_config(
        {"stack_timeout": "2.5"}, environ={f"{ENV_PREFIX}EXECUTION_TIMEOUT": "90"}
    )
    assert config.stack_timeout == 2.5
    assert config.execution_timeout == 90.0
    assert isinstance(config.execution_timeout, float)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("soon", "is not a number of seconds"), ("0", "greater than zero"),
     ("-5", "greater than zero"), ("nan", "finite"), ("inf", "finite")],
)
def test_invalid_seconds_name_the_key_and_the_rule(raw: str, expected: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config({"execution_timeout": raw}, environ={})
    assert "execution_timeout" in str(raised.value)
    assert expected in str(raised.value)


def test_invalid_environment_value_is_reported_too() -> None:
    with pytest.raises(ConfigError, match="stack_timeout"):
        load_config({}, environ={f"{ENV_PREFIX}STACK_TIMEOUT": "forever"})


def test_compose_files_are_comma_separated_and_trimmed() -> None:
    config = load_config({"compose_files": " a.yml, b.yml ,,c.yml "}, environ={})
    assert config.compose_files == ("a.yml", "b.yml", "c.yml")


def test_external_target_needs_a_server_address() -> None:
    with pytest.raises(ConfigError) as raised:
        load_config({"target": "external"}, environ={})
    assert "server_address" in str(raised.value)
    assert "-D server_address=" in str(raised.value)


def test_external_target_with_an_address_is_valid() -> None:
    config = load_config(
        {"target": "external"}, environ={f"{ENV_PREFIX}SERVER_ADDRESS": "stigmer:7234"}
    )
    assert config.target == "external"
    assert config.server_address == "stigmer:7234"


@pytest.mark.parametrize(
    ("userdata", "mentioned"),
    [
        ({"target": "cloud"}, "embedded, external"),
        ({"services": "kubernetes"}, "auto, compose, processes, external"),
        ({"services": "external"}, "temporal_address"),
        ({"keep_artifacts": "never"}, "failed or always"),
    ],
)
def test_inconsistent_settings_say_what_to_use(userdata: dict, mentioned: str) -> None:
    with pytest.raises(ConfigError, match=mentioned):
        load_config(userdata, environ={})


def test_external_services_with_a_temporal_address_are_valid() -> None:
    config = load_config({"services": "external", "temporal_address": "t:7233"}, environ={})
    assert config.temporal_address == "t:7233"


def test_an_unknown_userdata_key_stops_the_run_with_the_closest_setting() -> None:
    with pytest.raises(ConfigError) as raised:
        load_config({"servcies": "compose"}, environ={})
    assert str(raised.value).startswith(
        "unknown setting 'servcies' (did you mean 'services'?)")


def test_an_unknown_key_far_from_every_setting_gets_no_guess() -> None:
    with pytest.raises(ConfigError) as raised:
        load_config({"zzqx": "1"}, environ={})
    assert "unknown setting 'zzqx'" in str(raised.value)
    assert "did you mean" not in str(raised.value)


def test_extension_keys_land_in_extra_and_behave_keys_are_left_to_behave() -> None:
    config = load_config({"x_Feature-Flag": "on", "model": "m",
                          "behave.formatter.html-pretty.title_string": "T"}, environ={})
    assert config.extra == {"x_Feature-Flag": "on"}
    assert config.model == "m"


def test_an_unknown_environment_setting_is_an_error_with_a_suggestion() -> None:
    with pytest.raises(ConfigError) as raised:
        load_config({}, environ={f"{ENV_PREFIX}EXECUTION_TIMEOT": "5"})
    message = str(raised.value)
    assert f"'{ENV_PREFIX}EXECUTION_TIMEOT'" in message
    assert f"did you mean '{ENV_PREFIX}EXECUTION_TIMEOUT'?" in message


def test_environment_variables_that_are_not_settings_are_allowed() -> None:
    environ = {ENV_PREFIX + name: "x" for name in ENV_NOT_SETTINGS}
    assert load_config({}, environ=environ) == SuiteConfig()
    assert all(purpose for purpose in ENV_NOT_SETTINGS.values())


def test_every_prefixed_variable_the_project_reads_is_known() -> None:
    """A new STIGMER_E2E_* variable in the code must be a setting or on the allow-list."""
    pattern = re.compile(ENV_PREFIX + r"([A-Z0-9_]+)")
    used: set[str] = set()
    for folder in ("harness", "steps", "scripts", "compose", "benchmarks", "reference"):
        for path in (REPO_ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".sh", ".yml", ".yaml", ""):
                used.update(pattern.findall(path.read_text(errors="replace")))
    known = {key.upper() for key in setting_keys()} | set(ENV_NOT_SETTINGS)
    assert used - known == set()


def test_known_keys_come_from_the_settings_table() -> None:
    assert setting_keys() == [setting.key for setting in SETTINGS]
    for key in setting_keys():  # each one is accepted by -D and by the environment
        default = next(s.default for s in SETTINGS if s.key == key)
        if default:
            load_config({key: default}, environ={})
            load_config({}, environ={ENV_PREFIX + key.upper(): default})


@pytest.mark.parametrize(("key", "raw", "expected"), [
    ("execution_timeout", "soon", "is not a number of seconds"),
    ("llm_max_tokens", "many", "is not a whole number"),
    ("llm_max_tokens", "12.5", "is not a whole number"),
    ("embedded_llm", "maybe", "use true or false"),
    ("services", "kubernetes", "auto, compose, processes, external"),
    ("target", "cloud", "embedded, external"),
])
def test_a_bad_value_names_the_key_and_the_allowed_values(key: str, raw: str,
                                                          expected: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config({key: raw}, environ={})
    message = str(raised.value)
    assert message.startswith(f"{key}={raw!r}") and expected in message
    assert "\n" not in message


def test_command_argv_maps_python_to_this_interpreter() -> None:
    assert command_argv("python -m reference.cli") == [sys.executable, "-m", "reference.cli"]
    assert command_argv("python3 -c 'print(1)'") == [sys.executable, "-c", "print(1)"]
    assert command_argv("/usr/bin/stigmer --flag 'a b'") == ["/usr/bin/stigmer", "--flag", "a b"]


def test_argv_properties_use_command_argv() -> None:
    config = load_config({"cli_command": "stigmer --org x", "runner_command": "python r.py"},
                         environ={})
    assert config.cli_argv == ["stigmer", "--org", "x"]
    assert config.runner_argv == [sys.executable, "r.py"]
    assert config.server_argv[0] == sys.executable


def test_results_path_is_relative_to_the_repo_unless_absolute(tmp_path) -> None:
    relative = load_config({"results_dir": "out/r"}, environ={}).results_path
    assert relative.is_absolute() and relative.parts[-2:] == ("out", "r")
    assert load_config({"results_dir": str(tmp_path)}, environ={}).results_path == tmp_path


def test_settings_document_every_config_field() -> None:
    documented = [setting.key for setting in SETTINGS]
    configurable = [f.name for f in fields(SuiteConfig) if f.name != "extra"]
    assert len(documented) == len(set(documented)), "a setting is documented twice"
    assert documented == configurable


def test_documented_defaults_are_the_real_defaults() -> None:
    from_docs = load_config({s.key: s.default for s in SETTINGS if s.default}, environ={})
    assert from_docs == SuiteConfig()
    assert all(setting.help for setting in SETTINGS)
