"""Evidence of a scenario, written where the report links to it: service logs, execution
transcript, CLI commands and output, prerequisite report. Everything is redacted."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from harness.secrets import Redactor


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:80] or "scenario"


def write_text(path: Path, text: str, redactor: Redactor) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redactor(text))
    return path


def write_scenario_artifacts(
    dest: Path,
    *,
    redactor: Redactor,
    prerequisites: str,
    transcript: str,
    cli_transcript: str,
    log_files: Iterable[Path],
    log_offsets: dict[Path, int] | None = None,
) -> list[Path]:
    """Write the artifacts of one scenario under ``dest``; return the files written.

    ``log_offsets`` (file -> size at scenario start) keeps only what the scenario logged.
    """
    written = [
        write_text(dest / "prerequisites.txt", prerequisites, redactor),
        write_text(dest / "execution-transcript.txt", transcript, redactor),
        write_text(dest / "cli-commands.txt", cli_transcript or "(no CLI command)\n", redactor),
    ]
    for log in log_files:
        try:
            data = log.read_bytes()
        except OSError:
            continue
        offset = (log_offsets or {}).get(log, 0)
        text = data[offset:].decode(errors="replace") if offset <= len(data) else ""
        written.append(write_text(dest / "logs" / log.name, text, redactor))
    return written


def log_sizes(log_files: Iterable[Path]) -> dict[Path, int]:
    sizes = {}
    for log in log_files:
        try:
            sizes[log] = log.stat().st_size
        except OSError:
            sizes[log] = 0
    return sizes
