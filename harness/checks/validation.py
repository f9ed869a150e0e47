"""Checks on model output, after the original suite's helpers: not gibberish (a real English
word list, ``wordfreq``), no error marker, sentence structure, not an echo of the prompt, and
keyword expectations (any / all / regex / none)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from wordfreq import tokenize, zipf_frequency

ERROR_MARKERS = ("error:", "exception", "traceback", "failed to", "panic:", "internal error")
WORD = re.compile(r"[A-Za-z']+")

#: A word counts as real English when it is at least this common (Zipf scale: 3 = once per
#: million words; "qua", "lorem", "asdf" are below, "hi", "sea", "poem" well above).
REAL_WORD_ZIPF = 3.0
#: At least this share of an answer's words must be real English words.
MIN_REAL_SHARE = 0.7
#: No single word may make up more than this share of an answer of four words or more.
MAX_SAME_WORD_SHARE = 0.5
#: An answer whose words come from the prompt at least this much is an echo.
ECHO_SHARE = 0.8


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str

    def __bool__(self) -> bool:
        return self.ok


def words_of(text: str) -> list[str]:
    """The answer's words, lower-cased (wordfreq's English tokenizer; numbers left out)."""
    return [token for token in tokenize(text, "en") if not any(ch.isdigit() for ch in token)]


def is_real_word(word: str) -> bool:
    """True for a word common enough in English (see :data:`REAL_WORD_ZIPF`)."""
    return zipf_frequency(word, "en") >= REAL_WORD_ZIPF


def is_not_gibberish(text: str) -> Verdict:
    """Mostly real English words, at least two different ones, no word repeated over and
    over."""
    stripped = text.strip()
    if len(stripped) < 2:
        return Verdict(False, f"too short to be an answer: {stripped!r}")
    words = words_of(stripped)
    if not words:
        return Verdict(False, "no words")
    real = [word for word in words if is_real_word(word)]
    share = len(real) / len(words)
    if share < MIN_REAL_SHARE:
        unknown = sorted({word for word in words if word not in real})[:8]
        return Verdict(False, f"only {len(real)}/{len(words)} words are real English words "
                              f"(not: {unknown})")
    if len(set(real)) < 2:
        return Verdict(False, f"fewer than two different real words: {sorted(set(real))}")
    word, count = Counter(words).most_common(1)[0]
    if len(words) >= 4 and count / len(words) > MAX_SAME_WORD_SHARE:
        return Verdict(False, f"the word {word!r} makes up {count}/{len(words)} of the words")
    return Verdict(True, f"{len(real)}/{len(words)} real words")


def is_not_echo(answer: str, prompt: str) -> Verdict:
    """The answer says something of its own: it is not the prompt (or a part of it) repeated."""
    said, asked = words_of(answer), set(words_of(prompt))
    if not said:
        return Verdict(False, "the answer has no words")
    borrowed = sum(word in asked for word in said)
    if borrowed / len(said) >= ECHO_SHARE:
        return Verdict(False, f"{borrowed}/{len(said)} of the answer's words are the prompt's")
    return Verdict(True, f"{len(said) - borrowed}/{len(said)} words of its own")


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


def is_coherent_answer(text: str, prompt: str = "") -> Verdict:
    """The original suite's combined check for a model answer; with ``prompt``, an echo of
    it is refused as well."""
    checks = [is_long_enough, is_not_gibberish, has_no_error_marker, has_sentence_structure]
    for check in checks:
        verdict = check(text)
        if not verdict:
            return Verdict(False, f"{check.__name__}: {verdict.reason}")
    if prompt:
        verdict = is_not_echo(text, prompt)
        if not verdict:
            return Verdict(False, f"is_not_echo: {verdict.reason}")
    return Verdict(True, "coherent")
