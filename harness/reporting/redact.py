"""Run-level redaction: the secrets every scenario registered, applied to the files behave
and the services wrote (JUnit XML, HTML report, console text, service logs).

Scenario artifacts are redacted as they are written (``harness.scenario.artifacts``); this
covers the files written by others. Binary data (the server's database) is never touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from harness.config import SuiteConfig
from harness.secrets import MASK, Redactor

TEXT_SUFFIXES = (".html", ".xml", ".txt", ".log", ".md", ".json")
#: Values that configure Stigmer's local mode; they are not secrets (and masking them would
#: mangle ordinary words such as "local").
NOT_SECRET = frozenset({"local"})

_run_redactor = Redactor()


def run_redactor() -> Redactor:
    """The redactor of this process's run (one behave run = one process)."""
    return _run_redactor


def register_config_secrets(config: SuiteConfig, redactor: Redactor | None = None) -> None:
    """Register the keys the configuration carries."""
    target = redactor or _run_redactor
    for value in (config.api_key, config.server_api_key):
        if value and value not in NOT_SECRET:
            target.add(value)


def register_secrets(secrets: Iterable[str], redactor: Redactor | None = None) -> None:
    target = redactor or _run_redactor
    for secret in secrets:
        if secret not in NOT_SECRET:
            target.add(secret)


def redact_file(path: Path, redactor: Redactor | None = None) -> bool:
    """Rewrite one text file with its secrets masked; True when something was masked."""
    redactor = redactor or _run_redactor
    if not redactor.secrets:
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    clean = redactor(text)
    if clean == text:
        return False
    path.write_text(clean, encoding="utf-8")
    return True


def redact_tree(root: Path, redactor: Redactor | None = None,
                skip_dirs: Iterable[str] = ("server-data",)) -> list[Path]:
    """Redact every text file under ``root`` (but not under ``skip_dirs``); return the files
    that changed."""
    skipped = set(skip_dirs)
    changed: list[Path] = []
    if not root.exists():
        return changed
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).parts
        if skipped.intersection(relative[:-1]) or not path.is_file() or path.is_symlink():
            continue
        if path.suffix in TEXT_SUFFIXES and redact_file(path, redactor):
            changed.append(path)
    return changed


__all__ = ["MASK", "redact_file", "redact_tree", "register_config_secrets", "register_secrets",
           "run_redactor"]
