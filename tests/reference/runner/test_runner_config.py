"""Config parsing and validation."""

from pathlib import Path

import pytest

from reference.runner.config import ConfigError, RunnerConfig, load_config


def test_defaults_when_env_is_empty() -> None:
    config = load_config({})
    assert config == RunnerConfig()
    assert config.temporal_address == "localhost:7233"
    assert config.backend_endpoint == "localhost:7234"
    assert config.api_key == "local"
    assert config.llm_model == "smollm2:135m"
    assert config.ollama_base_url == "http://localhost:11434"
    assert config.temperature == 0.0
    assert config.max_tokens == 256
    assert config.ready_file == Path("/tmp/runner-ready")
    assert config.task_queue == "agent_execution_runner"


def test_values_are_parsed_and_typed() -> None:
    config = load_config({
        "TEMPORAL_SERVICE_ADDRESS": "temporal:7233",
        "TEMPORAL_NAMESPACE": "e2e",
        "STIGMER_BACKEND_ENDPOINT": "host.docker.internal:40123",
        "STIGMER_API_KEY": "sk-secret",
        "STIGMER_LLM_PROVIDER": "Ollama",
        "STIGMER_LLM_MODEL": "qwen2:0.5b",
        "OLLAMA_BASE_URL": "http://127.0.0.1:11434/",
        "STIGMER_LLM_TEMPERATURE": "0.7",
        "STIGMER_LLM_MAX_TOKENS": "64",
        "STIGMER_RUNNER_READY_FILE": "/tmp/x/ready",
        "STIGMER_RUNNER_MAX_CONCURRENT": "3",
    })
    assert config.temporal_address == "temporal:7233"
    assert config.temporal_namespace == "e2e"
    assert config.backend_endpoint == "host.docker.internal:40123"
    assert config.llm_provider == "ollama"
    assert config.ollama_base_url == "http://127.0.0.1:11434"
    assert config.temperature == 0.7
    assert config.max_tokens == 64
    assert config.ready_file == Path("/tmp/x/ready")
    assert config.max_concurrent == 3


def test_blank_values_fall_back_to_defaults() -> None:
    assert load_config({"STIGMER_API_KEY": "", "STIGMER_LLM_MODEL": "  "}) == RunnerConfig()


def test_other_provider_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"STIGMER_LLM_PROVIDER='openai'.*only|supported: ollama"):
        load_config({"STIGMER_LLM_PROVIDER": "openai"})


def test_all_problems_are_reported_together() -> None:
    with pytest.raises(ConfigError) as info:
        load_config({
            "TEMPORAL_SERVICE_ADDRESS": "no-port",
            "OLLAMA_BASE_URL": "localhost:11434",
            "STIGMER_LLM_TEMPERATURE": "hot",
            "STIGMER_LLM_MAX_TOKENS": "0",
        })
    text = str(info.value)
    for var in ("TEMPORAL_SERVICE_ADDRESS", "OLLAMA_BASE_URL", "STIGMER_LLM_TEMPERATURE",
                "STIGMER_LLM_MAX_TOKENS"):
        assert var in text


def test_secrets_never_appear_in_repr_summary_or_errors() -> None:
    config = load_config({"STIGMER_API_KEY": "sk-very-secret"})
    assert config.api_key == "sk-very-secret"
    assert "sk-very-secret" not in repr(config)
    assert "sk-very-secret" not in config.describe()
