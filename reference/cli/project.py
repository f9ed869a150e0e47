"""A project: a folder with a ``stigmer.yaml`` (its name) and the YAML manifests of its
resources, applied as one unit (``apply --config DIR``).

Every resource of a project carries the label ``stigmer.ai/project: <project slug>``; that is
how a later apply of the same project recognises the resources it no longer lists (orphans).
The folder is read non-recursively; ``stigmer.yaml`` itself (any case) is not a manifest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from reference.cli.manifests import (
    MANIFEST_SUFFIXES,
    Manifest,
    ManifestError,
    check_duplicates,
    load_file,
    slugify,
)

PROJECT_FILE = "stigmer.yaml"
PROJECT_LABEL = "stigmer.ai/project"
PROJECT_KEYS = ("name", "description", "version")


@dataclass(frozen=True)
class Project:
    """A project's name and the resources it declares (each labelled with the project)."""

    name: str
    slug: str
    root: Path
    manifests: list[Manifest]


def project_file(path: str | Path) -> Path | None:
    """The ``stigmer.yaml`` that ``path`` is or holds (any case), or None."""
    path = Path(path)
    if path.is_file():
        return path if path.name.lower() == PROJECT_FILE else None
    if path.is_dir():
        return next((p for p in sorted(path.iterdir())
                     if p.is_file() and p.name.lower() == PROJECT_FILE), None)
    return None


def load_project(path: str | Path, default_org: str = "local") -> Project:
    """Read the project at ``path`` (its folder or its ``stigmer.yaml``); nothing is sent."""
    found = project_file(path)
    if found is None:
        where = Path(path)
        problem = "no such file or directory" if not where.exists() else \
            f"not a project: no {PROJECT_FILE} found"
        raise ManifestError(f"{where}: {problem}")
    name = _project_name(found)
    root = found.parent
    files = sorted(p for p in root.iterdir() if p.is_file() and p != found
                   and p.suffix.lower() in MANIFEST_SUFFIXES)
    if not files:
        raise ManifestError(f"{root}: the project {name!r} has no resource files "
                            "(*.yaml, *.yml besides stigmer.yaml)")
    manifests = [m for file in files for m in load_file(file, default_org)]
    check_duplicates(manifests)
    slug = slugify(name)
    for manifest in manifests:
        labels = manifest.resource.metadata.labels  # type: ignore[attr-defined]
        claimed = labels.get(PROJECT_LABEL, slug)
        if claimed != slug:
            raise ManifestError(f"{manifest.source}: {manifest.kind} {manifest.name!r} is "
                                f"labelled for the project {claimed!r}, not {slug!r}")
        labels[PROJECT_LABEL] = slug
    return Project(name=name, slug=slug, root=root, manifests=manifests)


def _project_name(path: Path) -> str:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ManifestError(f"{path}: cannot read the project: {exc}") from exc
    if not isinstance(document, Mapping):
        raise ManifestError(f"{path}: a project file is a mapping with at least a name")
    unknown = [str(k) for k in document if k not in PROJECT_KEYS]
    if unknown:
        raise ManifestError(
            f"{path}: unknown project field {unknown[0]} (allowed: {', '.join(PROJECT_KEYS)}; "
            "SDK programs (runtime, main) are not supported: list the resources as manifests)")
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ManifestError(f"{path}: name is required (a non-empty string)")
    return name.strip()
