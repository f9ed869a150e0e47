"""harness.redaction: secrets never reach what the suite writes."""

from __future__ import annotations

from harness.redaction import MASK, Redactor


def test_secrets_are_replaced_everywhere() -> None:
    redact = Redactor(["sk-live-123", "hunter2"])
    text = "key=sk-live-123 password=hunter2 again sk-live-123"
    assert redact(text) == f"key={MASK} password={MASK} again {MASK}"


def test_text_without_secrets_is_unchanged() -> None:
    assert Redactor(["secret-value"])("nothing to hide") == "nothing to hide"
    assert Redactor()("anything") == "anything"


def test_longest_secret_first() -> None:
    # If "abc" were replaced first, "abcdef" would leak as "***def".
    redact = Redactor(["abc", "abcdef"])
    assert redact("token abcdef and abc") == f"token {MASK} and {MASK}"
    redact = Redactor(["abcdef", "abc"])
    assert redact("abcdef") == MASK


def test_short_and_empty_values_are_ignored() -> None:
    redact = Redactor(["", "ab", "x", "abc"])
    assert redact.secrets == frozenset({"abc"})
    assert redact("a b ab x abc") == f"a b ab x {MASK}"


def test_add_registers_more_secrets() -> None:
    redact = Redactor()
    redact.add("local")
    redact.add("local")
    redact.add("")
    assert redact.secrets == frozenset({"local"})
    assert redact("api key local") == f"api key {MASK}"
