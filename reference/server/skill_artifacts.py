"""Skill artifacts: a ZIP holding ``SKILL.md`` with YAML frontmatter (pure functions).

``SKILL.md`` may sit at the ZIP root or inside one top-level folder (``my-skill/SKILL.md``).
Its frontmatter must name the skill (``name``, kebab-case); ``description`` is optional.
The version of a push is the SHA-256 of the artifact bytes.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass

import yaml

SKILL_FILE = "SKILL.md"
MAX_SKILL_MD_BYTES = 1024 * 1024
_FRONTMATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class ArtifactError(ValueError):
    """The artifact is not a usable skill; the message says what is wrong."""


@dataclass(frozen=True)
class SkillDocument:
    """What a push learns from an artifact."""

    name: str
    description: str
    skill_md: str
    version_hash: str


def version_hash(artifact: bytes) -> str:
    """The content hash that identifies one version of a skill."""
    return hashlib.sha256(artifact).hexdigest()


def _skill_md_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    candidates = [
        info for info in archive.infolist()
        if not info.is_dir() and info.filename.rsplit("/", 1)[-1] == SKILL_FILE
        and info.filename.count("/") <= 1
    ]
    if not candidates:
        raise ArtifactError(
            f"the skill artifact has no {SKILL_FILE} (expected at the ZIP root or in one "
            "top-level folder)"
        )
    candidates.sort(key=lambda info: info.filename.count("/"))
    return candidates[0]


def read_skill_md(artifact: bytes) -> str:
    """The text of ``SKILL.md`` inside the ZIP ``artifact``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(artifact))
    except zipfile.BadZipFile as exc:
        raise ArtifactError(f"the skill artifact is not a ZIP file: {exc}") from exc
    with archive:
        member = _skill_md_member(archive)
        if member.file_size > MAX_SKILL_MD_BYTES:
            raise ArtifactError(
                f"{member.filename} is {member.file_size} bytes (limit {MAX_SKILL_MD_BYTES})"
            )
        try:
            return archive.read(member).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ArtifactError(f"{member.filename} is not UTF-8 text: {exc}") from exc


def parse_frontmatter(skill_md: str) -> dict[str, object]:
    """The YAML frontmatter of ``SKILL.md`` as a mapping."""
    match = _FRONTMATTER.match(skill_md.lstrip("\ufeff"))
    if match is None:
        raise ArtifactError(
            f"{SKILL_FILE} has no YAML frontmatter (a '---' block with at least 'name:')"
        )
    try:
        data = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ArtifactError(f"{SKILL_FILE} frontmatter is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ArtifactError(f"{SKILL_FILE} frontmatter must be a mapping")
    return data


def read_artifact(artifact: bytes) -> SkillDocument:
    """Validate ``artifact`` and extract name, description and ``SKILL.md``."""
    if not artifact:
        raise ArtifactError("the skill artifact is empty (a ZIP holding SKILL.md is required)")
    skill_md = read_skill_md(artifact)
    front = parse_frontmatter(skill_md)
    name = str(front.get("name") or "").strip()
    if not name:
        raise ArtifactError(f"{SKILL_FILE} frontmatter needs a 'name'")
    if not _KEBAB.match(name) or len(name) > 63:
        raise ArtifactError(
            f"skill name {name!r} in {SKILL_FILE} must be kebab-case "
            "(lowercase letters, digits and single hyphens, at most 63 characters)"
        )
    description = str(front.get("description") or "").strip()
    return SkillDocument(name=name, description=description, skill_md=skill_md,
                         version_hash=version_hash(artifact))


def build_artifact(skill_md: str, extra: dict[str, bytes] | None = None) -> bytes:
    """A ZIP with ``SKILL.md`` (and ``extra`` files) at its root: what a CLI pushes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(SKILL_FILE, skill_md)
        for path, data in (extra or {}).items():
            archive.writestr(path, data)
    return buffer.getvalue()
