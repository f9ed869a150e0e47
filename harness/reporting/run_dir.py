"""The results directory of one run: ``<results>/runs/<run-id>/`` with ``<results>/latest``
pointing at it.

A behave process chooses its run directory once (the first caller wins: the HTML formatter,
which opens its file before any hook runs, or ``before_all``). A parent process that wants its
children to write somewhere precise (the parallel and flakiness runners, tests) sets
``STIGMER_E2E_RUN_DIR``; such a run never moves ``latest``.

Outputs configured directly under the results root (``reports/report.html``,
``reports/junit`` in pyproject.toml) are per-run placeholders: ``relocate`` moves them into
the run directory, so every run keeps its own JUnit XML, HTML report and console text.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from harness.config import REPO_ROOT

RUN_DIR_ENV = "STIGMER_E2E_RUN_DIR"
DEFAULT_RESULTS = REPO_ROOT / "reports"

_chosen: dict[Path, Path] = {}


def new_run_id(pid: int | None = None) -> str:
    """``<yyyymmdd>-<hhmmss>-<pid>``: sortable by time, unique per process."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid() if pid is None else pid}"


def point_latest(results_path: Path, run_dir: Path) -> None:
    """Make ``<results>/latest`` a relative symlink to ``run_dir``, replaced atomically."""
    latest = results_path / "latest"
    temporary = results_path / f".latest-{os.getpid()}"
    try:
        if temporary.is_symlink() or temporary.exists():
            temporary.unlink()
        temporary.symlink_to(os.path.relpath(run_dir, results_path))
        os.replace(temporary, latest)
    except OSError:
        temporary.unlink(missing_ok=True)


def run_directory(results_path: Path, environ: Mapping[str, str] | None = None) -> Path:
    """The run directory of this process (created on the first call, then the same one)."""
    environ = os.environ if environ is None else environ
    explicit = environ.get(RUN_DIR_ENV, "")
    if explicit:
        path = Path(explicit).resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path
    key = results_path.resolve()
    if key not in _chosen:
        run_dir = key / "runs" / new_run_id()
        run_dir.mkdir(parents=True, exist_ok=True)
        point_latest(key, run_dir)
        _chosen[key] = run_dir
    return _chosen[key]


def forget_run_directories() -> None:
    """Forget the choices made in this process (tests)."""
    _chosen.clear()


def relocate(configured: str | Path, run_dir: Path, roots: Iterable[Path]) -> Path:
    """Where a configured output goes for this run: ``<root>/<name>`` -> ``<run_dir>/<name>``
    when its directory is one of the results ``roots``; anything else stays where it is."""
    path = Path(configured)
    absolute = (path if path.is_absolute() else Path.cwd() / path).resolve()
    if absolute.parent in {Path(root).resolve() for root in roots}:
        return run_dir / absolute.name
    return path


def result_roots(results_path: Path) -> list[Path]:
    """The directories whose direct children are per-run placeholders."""
    return [DEFAULT_RESULTS, results_path]
