"""harness.secrets: secrets never reach what the suite writes."""

from __future__ import annotations

import pytest

from harness.secrets import MASK, Redactor, is_secret, run_redactor, scenario_redactor


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
    redact.add("k-123")
    redact.add("k-123")
    redact.add("")
    assert redact.secrets == frozenset({"k-123"})
    assert redact("api key k-123") == f"api key {MASK}"


def test_the_local_mode_key_is_not_a_secret() -> None:
    redact = Redactor(["local"])
    assert not is_secret("local") and is_secret("locale")
    assert redact.secrets == frozenset()
    assert redact("the local org") == "the local org"


def test_a_scope_hands_its_secrets_to_the_run() -> None:
    run = Redactor()
    scope = Redactor(parent=run)
    scope.add("scenario-secret")
    scope.add("local")
    assert run.secrets == scope.secrets == frozenset({"scenario-secret"})
    assert run_redactor() is scenario_redactor().parent


SECRET = 'a&"<+/=b'


def encoded_forms(secret: str) -> dict[str, str]:
    import base64
    import html
    import json
    from urllib.parse import quote, quote_plus

    as_json = json.dumps(secret)[1:-1]
    return {
        "html": html.escape(secret), "html-no-quotes": html.escape(secret, quote=False),
        "html-decimal": "".join(f"&#{ord(c)};" if not c.isalnum() else c for c in secret),
        "json": as_json, "json-in-html": html.escape(as_json), "json-slash": as_json.replace(
            "/", "\\/"),
        "url": quote(secret, safe=""), "url-plus": quote_plus(secret),
        "url-lower": quote(secret, safe="").lower().replace("a", "a"),
        "base64": base64.b64encode(secret.encode()).decode(),
        "base64-urlsafe": base64.urlsafe_b64encode(secret.encode()).decode(),
        "basic-auth": base64.b64encode(f"user:{secret}".encode()).decode(),
        "basic-auth-1": base64.b64encode(f"u:{secret}:x".encode()).decode(),
        "basic-auth-2": base64.b64encode(f"us:{secret}trailing".encode()).decode(),
    }


@pytest.mark.parametrize("form", sorted(encoded_forms(SECRET)))
def test_every_encoded_form_of_a_secret_is_masked(form: str) -> None:
    import base64

    encoded = encoded_forms(SECRET)[form]
    masked = Redactor([SECRET])(f"before {encoded} after")
    assert MASK in masked and masked.startswith("before ") and masked.endswith(" after")
    left = masked.removeprefix("before ").removesuffix(" after")
    if form.startswith("basic-auth"):
        # The characters around the mask also depend on the bytes around the secret; every
        # character that depends on the secret's bytes alone is masked.
        decoded = base64.b64decode(encoded)
        start = decoded.index(SECRET.encode()) * 8
        end = start + len(SECRET.encode()) * 8
        secret_only = [i for i in range(len(encoded)) if start <= 6 * i and 6 * i + 6 <= end]
        before, after = left.split(MASK)
        assert encoded.startswith(before) and encoded.endswith(after)
        masked_span = range(len(before), len(encoded) - len(after))
        assert all(i in masked_span for i in secret_only), left
    else:
        assert left == MASK


def test_base64_fragments_are_only_masked_when_long_enough() -> None:
    from harness.secrets import MIN_BASE64_FRAGMENT, base64_forms

    assert all(len(form) >= MIN_BASE64_FRAGMENT or form.endswith("=")
               or len(form) == 4 for form in base64_forms("abc"))
    assert Redactor(["abc"])("unrelated YWJj text") == f"unrelated {MASK} text"


def test_text_near_a_secret_is_untouched() -> None:
    redact = Redactor([SECRET])
    assert redact("a&b <p>&amp; a&quot; plain") == "a&b <p>&amp; a&quot; plain"
