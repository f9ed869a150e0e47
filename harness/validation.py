"""Checks on model output, after the original suite's helpers: not gibberish, no error
marker, sentence structure, and keyword expectations (any / all / regex / none)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

ERROR_MARKERS = ("error:", "exception", "traceback", "failed to", "panic:", "internal error")
WORD = re.compile(r"[A-Za-z']+")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str

    def __bool__(self) -> bool:
        return self.ok


def is_not_gibberish(text: str) -> Verdict:
    """Mostly letters, several real-looking words, not one character repeated."""
    stripped = text.strip()
    if len(stripped) < 2:
        return Verdict(False, f"too short to be an answer: {stripped!r}")
    letters = sum(ch.isalpha() for ch in stripped)
    if letters / len(stripped) < 0.5:
        return Verdict(False, f"only {letters}/{len(stripped)} characters are letters")
    words = WORD.findall(stripped)
    if not words:
        return Verdict(False, "no words")
    if len(set(stripped.replace(" ", ""))) < 4:
        return Verdict(False, "the same few characters repeated")
    vowel_words = sum(bool(re.search(r"[aeiouyAEIOUY]", w)) for w in words)
    if vowel_words / len(words) < 0.6:
        return Verdict(False, "most words have no vowel")
    return Verdict(True, f"{len(words)} words")


def has_no_error_marker(text: str) -> Verdict:
    lowered = text.lower()
    found = [marker for marker in ERROR_MARKERS if marker in lowered]
    return Verdict(not found, f"error marker(s) {found}" if found else "no error marker")


def has_sentence_structure(text: str) -> Verdict:
    """At least two words and a capital letter or terminal punctuation."""
    words = WORD.findall(text)
    if len(words) < 2:
        return Verdict(False, f"{len(words)} word(s), not a sentence")
    stripped = text.strip()
    if not (stripped[:1].isupper() or re.search(r"[.!?]", stripped)):
        return Verdict(False, "no capital start and no punctuation")
    return Verdict(True, "sentence-like")


def contains_any(text: str, keywords: Iterable[str]) -> Verdict:
    lowered = text.lower()
    keywords = list(keywords)
    hit = [k for k in keywords if re.search(rf"\b{re.escape(k.lower())}\b", lowered)]
    return Verdict(bool(hit), f"found {hit}" if hit else f"none of {keywords}")


def contains_all(text: str, keywords: Iterable[str]) -> Verdict:
    lowered = text.lower()
    missing = [k for k in keywords if k.lower() not in lowered]
    return Verdict(not missing, f"missing {missing}" if missing else "all present")


def contains_none(text: str, keywords: Iterable[str]) -> Verdict:
    lowered = text.lower()
    present = [k for k in keywords if k.lower() in lowered]
    return Verdict(not present, f"unexpected {present}" if present else "none present")


def matches(text: str, pattern: str) -> Verdict:
    ok = re.search(pattern, text, re.IGNORECASE | re.DOTALL) is not None
    return Verdict(ok, f"{'matches' if ok else 'does not match'} /{pattern}/")


def is_long_enough(text: str, minimum: int = 10) -> Verdict:
    length = len(text.strip())
    return Verdict(length >= minimum, f"{length} characters (at least {minimum} expected)")


def is_coherent_answer(text: str) -> Verdict:
    """The original suite's combined check for a model answer."""
    for check in (is_long_enough, is_not_gibberish, has_no_error_marker, has_sentence_structure):
        verdict = check(text)
        if not verdict:
            return Verdict(False, f"{check.__name__}: {verdict.reason}")
    return Verdict(True, "coherent")
