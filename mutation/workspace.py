"""A fresh copy of the project for one mutant: the tracked files, with the shared venv and
Docker settings linked in; always removed afterwards."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: untracked parts of the project the copy links to instead of copying
LINKED = (".venv", ".stigmer-e2e")


def tracked_files(repo: Path) -> list[str]:
    """The project's files as git tracks them (their working-tree content is copied)."""
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=repo, check=True,
                             capture_output=True).stdout
    return [name for name in listing.decode().split("\0") if name]


def populate(repo: Path, dest: Path, files: list[str] | None = None) -> None:
    """Copy ``files`` (default: the tracked ones) of ``repo`` into ``dest``; link LINKED."""
    for name in files if files is not None else tracked_files(repo):
        source = repo / name
        if not source.is_file():  # deleted in the working tree, not yet committed
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    for name in LINKED:
        source = repo / name
        if source.exists():
            (dest / name).symlink_to(source.resolve(), target_is_directory=True)


@contextlib.contextmanager
def fresh_copy(repo: Path, label: str) -> Iterator[Path]:
    """A temp directory holding a copy of ``repo``; removed on exit, also on Ctrl-C."""
    root = Path(tempfile.mkdtemp(prefix=f"stigmer-mutant-{label}-"))
    try:
        populate(repo, root)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)
