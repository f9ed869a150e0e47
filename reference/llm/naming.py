"""Model names as Ollama resolves them.

Ollama normalises ``[host/][namespace/]model[:tag]`` with the defaults
``registry.ollama.ai``, ``library`` and ``latest``, case-insensitively. So ``smollm2``
means ``smollm2:latest`` and is *not* ``smollm2:135m``: asking a real Ollama that only has
``smollm2:135m`` for ``smollm2`` gives 404, and this endpoint does the same, so that a spec
passing here passes against a real Ollama. Extra names can be served with aliases.
"""

from __future__ import annotations

from collections.abc import Iterable

DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"


def normalize(name: str) -> str:
    """The short, comparable form of a model name: ``model:tag`` (lower case)."""
    name = name.strip().lower()
    path, tag = name, DEFAULT_TAG
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        path, tag = name.rsplit(":", 1)
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == DEFAULT_HOST:
        parts = parts[1:]
    if len(parts) == 2 and parts[0] == DEFAULT_NAMESPACE:
        parts = parts[1:]
    return f"{'/'.join(parts)}:{tag or DEFAULT_TAG}"


class ModelNames:
    """The names one loaded model answers to; the first is the one it reports."""

    def __init__(self, primary: str, aliases: Iterable[str] = ()) -> None:
        self.primary = normalize(primary)
        self.all = [self.primary]
        for alias in aliases:
            short = normalize(alias)
            if short not in self.all:
                self.all.append(short)

    def resolve(self, requested: str | None) -> str | None:
        """The normalised name when this model serves ``requested``, else None."""
        if not requested:
            return None
        short = normalize(requested)
        return short if short in self.all else None


def not_found_message(requested: str) -> str:
    """Ollama's wording for a model it does not have."""
    return f'model "{requested}" not found, try pulling it first'
