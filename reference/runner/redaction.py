"""Masks secret values so they never reach transcripts or logs."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"
_MIN_SECRET_LEN = 3  # shorter values would mask ordinary words
# A model that saw a secret may repeat it only in part, or with its punctuation changed:
# long letter/digit runs of a secret are masked on their own as well.
_FRAGMENT = re.compile(r"[A-Za-z0-9]{12,}")


class Redactor:
    """Replaces every occurrence of the given secret values with ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        unique = {s for s in secrets if s and len(s) >= _MIN_SECRET_LEN}
        unique |= {run for s in unique for run in _FRAGMENT.findall(s)}
        # Longest first, so a secret containing another one is masked whole.
        self._secrets = sorted(unique, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def redact(self, text: str) -> str:
        """``text`` with every secret value masked."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text
