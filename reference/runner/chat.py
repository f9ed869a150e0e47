"""Builds the chat sent to the LLM from an execution context (pure functions)."""

from __future__ import annotations

from collections.abc import Mapping

from .context import EnvValue, ExecutionContext, SkillDoc

DEFAULT_INSTRUCTIONS = "You are a helpful assistant."


def skills_section(skills: tuple[SkillDoc, ...]) -> str:
    """The skills appended to the system prompt ("" when none)."""
    if not skills:
        return ""
    parts = ["## Skills"]
    for skill in skills:
        parts.append(f"### {skill.name}\n{skill.content}" if skill.content else f"### {skill.name}")
    return "\n\n".join(parts)


def env_section(env: Mapping[str, EnvValue]) -> str:
    """A note of the environment variables given to the agent; secret values are withheld."""
    if not env:
        return ""
    lines = ["## Environment variables available to you"]
    for name in sorted(env):
        item = env[name]
        lines.append(f"- {name} (secret, value withheld)" if item.is_secret else
                     f"- {name}={item.value}")
    return "\n".join(lines)


def system_prompt(ctx: ExecutionContext) -> str:
    """Agent instructions, then skills, then the environment note."""
    sections = [ctx.instructions.strip() or DEFAULT_INSTRUCTIONS,
                skills_section(ctx.skills), env_section(ctx.env)]
    return "\n\n".join(s for s in sections if s)


def build_chat(ctx: ExecutionContext) -> list[dict[str, str]]:
    """The initial chat: system prompt and the execution's user message."""
    return [
        {"role": "system", "content": system_prompt(ctx)},
        {"role": "user", "content": ctx.message},
    ]
