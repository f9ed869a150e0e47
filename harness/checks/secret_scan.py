"""Looking for a secret in text and files, raw or encoded (HTML-escaped, JSON-escaped,
URL-encoded, base64 at any alignment), as the services wrote them."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus

if TYPE_CHECKING:
    from harness.scenario.world import ScenarioWorld

FRAGMENT = re.compile(r"[A-Za-z0-9]{12,}")


def _base64_cores(secret: bytes, encode) -> list[str]:
    """Base64 text that appears whenever ``secret`` is encoded inside a longer value, for each
    of the three alignments (the characters mixed with the neighbours' bits are cut off)."""
    cores = []
    for offset in range(3):
        encoded = encode(b"\0" * offset + secret).decode()
        # Character k holds bits [6k, 6k + 6): keep those made of the secret's bits only.
        start, end = -(-8 * offset // 6), (8 * offset + 8 * len(secret)) // 6
        core = encoded[start:end]
        if len(core) >= 8:
            cores.append(core)
    return cores


def encoded_forms(secret: str) -> dict[str, str]:
    """Name -> text of every form the secret could be written in (duplicates removed)."""
    raw = secret.encode()
    forms = {
        "raw": secret,
        "HTML-escaped": html.escape(secret, quote=True),
        "HTML-escaped (numeric quotes)": html.escape(secret, quote=False)
        .replace('"', "&#34;").replace("'", "&#39;"),
        "JSON-escaped": json.dumps(secret)[1:-1],
        "JSON-escaped (HTML-safe)": json.dumps(secret)[1:-1].replace("<", "\\u003c")
        .replace(">", "\\u003e").replace("&", "\\u0026"),
        "URL-encoded": quote(secret, safe=""),
        "URL-encoded (form)": quote_plus(secret, safe=""),
        "Python repr": repr(secret)[1:-1],
    }
    # Long letter/digit runs survive any escaping of the characters around them.
    for index, run in enumerate(FRAGMENT.findall(secret)):
        if run != secret:
            forms[f"fragment {index}"] = run
    for index, core in enumerate(_base64_cores(raw, base64.b64encode)):
        forms[f"base64 ({index})"] = core
    for index, core in enumerate(_base64_cores(raw, base64.urlsafe_b64encode)):
        forms[f"base64url ({index})"] = core
    unique: dict[str, str] = {}
    for name, text in forms.items():
        if text and text not in unique.values():
            unique[name] = text
    return unique


def forms_in(text: str, secret: str) -> list[str]:
    """Names of the forms of ``secret`` found in ``text``."""
    return [name for name, form in encoded_forms(secret).items() if form in text]


def scan_files(paths: Iterable[Path], secret: str, root: Path | None = None) -> list[str]:
    """``<file>: <form>`` for every file holding the secret in some form (bytes read as
    written; undecodable bytes replaced)."""
    hits: list[str] = []
    for path in paths:
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            continue
        name = path.relative_to(root).as_posix() if root else str(path)
        hits.extend(f"{name}: {form}" for form in forms_in(text, secret))
    return hits


#: Lets a test that scans a run's files afterwards choose the secret (tests/test_secrets_scan.py).
SCAN_SECRET_ENV = "STIGMER_E2E_SCAN_SECRET"


def new_secret() -> str:
    """A secret made for one run: random, and full of characters every encoding changes."""
    return f"vt-{secrets.token_hex(8)}<&>\"'/+={secrets.token_hex(8)}"


def remember_secret(world: ScenarioWorld) -> str:
    """The scenario's secret (``world.secrets.secret``): the scanning test's, else a new one.

    A new one is registered with the harness's redactor (its own reports mask it); the scanning
    test's is not, so the files it scans are exactly as the services and the harness wrote
    them.
    """
    chosen = os.environ.get(SCAN_SECRET_ENV, "")
    value = world.secrets.secret or chosen or new_secret()
    if not chosen:
        world.redactor.add(value)
    world.secrets.secret = value
    return value


#: Where a run lists the files its safety net had to mask (a secret a service or report wrote).
MASKED_LIST = "masked-files.txt"


def record_masked(run_dir: Path, changed: Iterable[Path]) -> None:
    """Append the files the harness had to mask to ``<run>/masked-files.txt`` (names only):
    masking protects the files, this keeps the leak visible (tests/test_secrets_scan.py)."""
    names = [path.relative_to(run_dir).as_posix() if path.is_relative_to(run_dir) else str(path)
             for path in changed]
    if names:
        with (run_dir / MASKED_LIST).open("a", encoding="utf-8") as listing:
            listing.write("".join(f"{name}\n" for name in names))
