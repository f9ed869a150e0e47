"""Secrets never reach logs, reports or artifacts: the one place that knows what a secret is,
who holds which ones, and how they are masked.

* ``Redactor`` masks every secret it holds; ``is_secret`` is the not-a-secret rule (Stigmer's
  local-mode key ``local`` configures, it hides nothing).
* The run's registry (``run_redactor()``) holds every secret of this process's run: the
  configured keys (``register_config_secrets``) and, through their scopes, every secret a
  scenario met (``scenario_redactor()`` hands each value on to the run as it is added).
* ``redact_file`` / ``redact_tree`` apply the run's secrets to what others wrote (behave's
  reports, the services' logs) at the end of a run.

A secret is masked in every form a report or log may carry it: as is, HTML-escaped (named,
decimal and hex entities), JSON-escaped, URL-encoded (``%XX``, ``+``), any mix of those
(e.g. JSON inside HTML), and base64 (standard and URL-safe) -- also where the secret is part
of a longer encoded value (``user:secret`` in a Basic header): the base64 characters that
depend on the secret alone are masked for each of the three byte alignments.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from html.entities import codepoint2name
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus

if TYPE_CHECKING:
    from harness.config import SuiteConfig

MASK = "***"
#: Values that configure Stigmer's local mode; they are not secrets (and masking them would
#: mangle ordinary words such as "local").
NOT_SECRET = frozenset({"local"})
#: Shorter values would mask unrelated text.
MIN_SECRET = 3
TEXT_SUFFIXES = (".html", ".xml", ".txt", ".log", ".md", ".json")
#: Shorter base64 fragments (of short secrets at an offset) would mask unrelated text.
MIN_BASE64_FRAGMENT = 6


def _html_forms(text: str) -> set[str]:
    forms = {html.escape(text, quote=True), html.escape(text, quote=False)}
    for char in text:
        code = ord(char)
        if not char.isalnum() or code > 127:
            entities = {f"&#{code};", f"&#x{code:x};", f"&#x{code:X};"}
            if code in codepoint2name:
                entities.add(f"&{codepoint2name[code]};")
            if char == "'":
                entities.add("&apos;")
            forms.update(entities)
    return forms


def _json_forms(text: str) -> set[str]:
    return {json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1],
            json.dumps(text)[1:-1].replace("/", "\\/")}


def _url_forms(text: str) -> set[str]:
    forms = {quote(text, safe=""), quote_plus(text, safe=""), quote(text)}
    return forms | {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), f) for f in forms}


ENCODERS: tuple[Callable[[str], set[str]], ...] = (_html_forms, _json_forms, _url_forms)


@lru_cache(maxsize=4096)
def _char_forms(char: str) -> tuple[str, ...]:
    """Every way one character is written by the text encoders, also twice over."""
    forms = {char}
    for _round in range(2):
        forms |= {encoded for form in forms for encode in ENCODERS for encoded in encode(form)}
    return tuple(sorted(forms, key=len, reverse=True))


def _text_pattern(secret: str) -> str:
    """A regular expression for the secret with each character in any of its text forms."""
    parts = []
    for char in secret:
        forms = _char_forms(char)
        parts.append(re.escape(char) if len(forms) == 1
                     else "(?:" + "|".join(re.escape(form) for form in forms) + ")")
    return "".join(parts)


def base64_forms(secret: str) -> set[str]:
    """The base64 text of the secret at byte offsets 0, 1 and 2 of a longer value: every
    character whose 6 bits come from the secret's bytes alone (plus the whole, padded
    encoding of the secret by itself)."""
    data = secret.encode()
    forms = {base64.b64encode(data).decode()}
    for offset in (0, 1, 2):
        encoded = base64.b64encode(b"\0" * offset + data + b"\0\0").decode()
        first = -(-8 * offset // 6)  # ceil: the first character after the offset's bits
        last = (8 * (offset + len(data)) - 6) // 6  # the last one within the secret's bits
        stable = encoded[first:last + 1]
        if len(stable) >= MIN_BASE64_FRAGMENT:
            forms.add(stable)
    return forms | {form.replace("+", "-").replace("/", "_") for form in forms}


def _anchor(secret: str) -> str:
    """The longest run of letters and digits: every text form of the secret contains it."""
    runs = re.findall(r"[A-Za-z0-9]+", secret)
    return max(runs, key=len) if runs else ""


class _SecretForms:
    """One secret's text pattern (with its anchor, for a fast miss) and base64 forms."""

    def __init__(self, secret: str) -> None:
        anchor = _anchor(secret)
        self.anchor = anchor if len(anchor) >= 4 else ""
        self.pattern = re.compile(_text_pattern(secret))
        self.base64 = sorted(base64_forms(secret), key=len, reverse=True)

    def mask(self, text: str) -> str:
        if not self.anchor or self.anchor in text:
            text = self.pattern.sub(MASK, text)
        for form in self.base64:
            if form in text:
                text = text.replace(form, MASK)
        return text


def is_secret(value: str) -> bool:
    """The not-a-secret rule: empty, too short to mask safely, or local-mode configuration."""
    return bool(value) and len(value) >= MIN_SECRET and value not in NOT_SECRET


class Redactor:
    """Replaces every registered secret value, in any of its encoded forms, with ``***``.

    A scope (``parent``) hands every secret it is given on to its parent as well."""

    def __init__(self, secrets: Iterable[str] = (), parent: Redactor | None = None) -> None:
        self._secrets: set[str] = set()
        self._forms: list[_SecretForms] | None = None
        self.parent = parent
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        if not is_secret(secret):
            return
        if self.parent is not None:
            self.parent.add(secret)
        if secret not in self._secrets:
            self._secrets.add(secret)
            self._forms = None

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self._secrets)

    def __call__(self, text: str) -> str:
        if self._forms is None:
            # Longest secret first: "abcdef" must not leak as "***def" when "abc" is a secret.
            self._forms = [_SecretForms(secret)
                           for secret in sorted(self._secrets, key=len, reverse=True)]
        for forms in self._forms:
            text = forms.mask(text)
        return text


# -- the run's registry and the scenarios' scopes --------------------------------------------
_run_redactor = Redactor()


def run_redactor() -> Redactor:
    """The redactor of this process's run (one behave run = one process)."""
    return _run_redactor


def scenario_redactor() -> Redactor:
    """A scenario's own secrets; each one also joins the run's registry as it is added."""
    return Redactor(parent=_run_redactor)


def register_config_secrets(config: SuiteConfig, redactor: Redactor | None = None) -> None:
    """Register the keys the configuration carries (the not-a-secret rule applies)."""
    target = redactor or _run_redactor
    for value in (config.api_key, config.server_api_key):
        target.add(value)


# -- applying the run's secrets to files others wrote ------------------------------------------
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
    """Redact every text file under ``root`` (but not under ``skip_dirs``; binary data is never
    touched); return the files that changed."""
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
