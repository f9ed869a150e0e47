"""Chat building: system prompt, skills, env note, model selection."""

from reference.runner.chat import DEFAULT_INSTRUCTIONS, build_chat, system_prompt
from reference.runner.context import EnvValue, ExecutionContext, SkillDoc, select_model
from tests.reference.runner.runner_fakes import make_execution


def test_plain_agent_chat() -> None:
    ctx = ExecutionContext("aex-1", "Say hello", "smollm2:135m",
                           instructions="You are a friendly assistant")
    assert build_chat(ctx) == [
        {"role": "system", "content": "You are a friendly assistant"},
        {"role": "user", "content": "Say hello"},
    ]


def test_missing_instructions_use_a_default() -> None:
    assert system_prompt(ExecutionContext("aex-1", "hi", "m")) == DEFAULT_INSTRUCTIONS


def test_skills_and_env_note_without_secret_values() -> None:
    ctx = ExecutionContext(
        "aex-1", "hi", "m", instructions="Be brief.",
        skills=(SkillDoc("greeting", "Always say hi first."),),
        env={"REGION": EnvValue("eu-west-1"), "API_TOKEN": EnvValue("tok-123", is_secret=True)},
    )
    prompt = system_prompt(ctx)
    assert prompt.startswith("Be brief.")
    assert "### greeting\nAlways say hi first." in prompt
    assert "- REGION=eu-west-1" in prompt
    assert "API_TOKEN (secret, value withheld)" in prompt
    assert "tok-123" not in prompt
    assert ctx.secret_values == ["tok-123"]


def test_model_selection() -> None:
    assert select_model(make_execution(), "smollm2:135m") == "smollm2:135m"
    assert select_model(make_execution(model="qwen:1b"), "smollm2:135m") == "qwen:1b"
