"""Fail when a lock is out of date: every pin of a requirements file must be in its lock.

    python scripts/check_locks.py        (make lint runs it; scripts/lock.sh fixes it)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PAIRS = [
    ("requirements.txt", "requirements.lock"),
    ("compose/images/agent-runner/requirements.txt",
     "compose/images/agent-runner/requirements.lock"),
    ("compose/images/stigmer-runner/requirements.txt",
     "compose/images/stigmer-runner/requirements.lock"),
]
LOCKED = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", re.M)


def requirements(path: Path) -> list[Requirement]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [Requirement(line) for line in lines if line and not line.startswith("-")]


def problems(source: Path, lock: Path) -> list[str]:
    """What in ``source`` the ``lock`` does not satisfy (missing lock, package, version)."""
    if not lock.is_file():
        return [f"{lock.relative_to(ROOT)} is missing"]
    text = lock.read_text()
    locked = {canonicalize_name(name): version for name, version in LOCKED.findall(text)}
    found = []
    for requirement in requirements(source):
        version = locked.get(canonicalize_name(requirement.name))
        if version is None:
            found.append(f"{requirement.name} is not in {lock.name}")
        elif not requirement.specifier.contains(version, prereleases=True):
            found.append(f"{requirement} but {lock.name} has {version}")
    return [f"{source.relative_to(ROOT)}: {problem}" for problem in found]


def main() -> int:
    found = [p for src, lock in PAIRS if (ROOT / src).is_file()
             for p in problems(ROOT / src, ROOT / lock)]
    for problem in found:
        print(f"lock out of date: {problem} (run scripts/lock.sh)", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
