"""Skills through the official SDK, for one organization.

A skill is a folder holding ``SKILL.md`` (YAML frontmatter with ``name``); it is zipped and
pushed the way ``stigmer apply`` pushes a skill folder (``skills.push``).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from ai.stigmer.agentic.skill.v1 import api_pb2 as skill_api_pb2
from ai.stigmer.agentic.skill.v1 import io_pb2 as skill_io_pb2
from stigmer import ResourceRef, StigmerClient

Skill = skill_api_pb2.Skill
SKILL_FILE = "SKILL.md"
_SKIPPED = {"__pycache__", ".git", ".venv", "node_modules"}


def skill_artifact(folder: Path) -> bytes:
    """The ZIP of a skill folder (files at the ZIP root, caches and VCS folders left out)."""
    if not (folder / SKILL_FILE).is_file():
        raise FileNotFoundError(f"{folder}: a skill folder needs a {SKILL_FILE}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and not _SKIPPED.intersection(relative.parts):
                archive.write(path, relative.as_posix())
    return buffer.getvalue()


def artifact_hash(folder: Path) -> str:
    """The SHA-256 of the ZIP :func:`skill_artifact` makes of ``folder`` (a skill version)."""
    return hashlib.sha256(skill_artifact(folder)).hexdigest()


class Skills:
    """The skills of one organization."""

    def __init__(self, client: StigmerClient, org: str) -> None:
        self.client = client
        self.org = org

    def push(self, folder: Path, tag: str = "") -> Skill:
        """Zip a skill folder and push it to this organization."""
        return self.client.skills.push(skill_io_pb2.PushSkillRequest(
            org=self.org, artifact=skill_artifact(folder), tag=tag))

    def get(self, slug: str) -> Skill:
        return self.client.skills.get_by_reference(ResourceRef(org=self.org, slug=slug))
