"""Slug rules: how names become slugs and what a valid slug is."""

from __future__ import annotations

import re

SLUG_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
SLUG_RULE = (
    "a slug must be 1-63 characters of lowercase letters, digits and hyphens, "
    f"starting and ending with a letter or digit ({SLUG_PATTERN})"
)
_SLUG_RE = re.compile(SLUG_PATTERN)
_SEPARATORS = re.compile(r"[\s_]+")
_INVALID = re.compile(r"[^a-z0-9-]+")


class InvalidSlugError(ValueError):
    """A name or slug that cannot be used as a slug; the message names rule and value."""


def is_valid(slug: str) -> bool:
    """True when ``slug`` satisfies :data:`SLUG_PATTERN`."""
    return bool(_SLUG_RE.match(slug))


def slugify(name: str) -> str:
    """Lowercase ``name`` and turn whitespace/underscore runs into hyphens (nothing else)."""
    return _SEPARATORS.sub("-", name.strip().lower())


def resolve(name: str, slug: str = "") -> str:
    """Return the slug to use: ``slug`` if given, else derived from ``name``; validated.

    Raises :class:`InvalidSlugError` naming the rule and the offending value.
    """
    if slug:
        if not is_valid(slug):
            raise InvalidSlugError(f"invalid metadata.slug {slug!r}: {SLUG_RULE}")
        return slug
    derived = slugify(name)
    if not is_valid(derived):
        raise InvalidSlugError(
            f"invalid metadata.name {name!r}: it must turn into a valid slug "
            f"(lowercased, spaces to hyphens; got {derived!r}) and {SLUG_RULE}"
        )
    return derived


def best_effort(name: str, fallback: str) -> str:
    """Derive a valid slug from any ``name`` (invalid characters become hyphens).

    For resources that are never addressed by slug (sessions, executions).
    """
    candidate = _INVALID.sub("-", slugify(name)).strip("-")[:63].strip("-")
    return candidate if is_valid(candidate) else fallback
