"""Steps of the redaction self-test: the secret comes from ``-D x_redaction_secret=...``."""

from __future__ import annotations

import base64
import html
import json
from urllib.parse import quote, quote_plus

from behave import given, then

SECRET_KEY = "x_redaction_secret"


def encodings(secret: str) -> dict[str, str]:
    """The secret as reports and logs may carry it."""
    return {
        "raw": secret,
        "html": html.escape(secret),
        "json": json.dumps({"token": secret}),
        "url": f"https://example.invalid/cb?token={quote(secret, safe='')}",
        "form": f"token={quote_plus(secret)}",
        "base64": base64.b64encode(secret.encode()).decode(),
        "basic-auth": "Authorization: Basic " + base64.b64encode(
            f"user:{secret}".encode()).decode(),
    }


@given("the self-test secret is a secret of this scenario")
def step_register(context) -> None:
    secret = context.suite_config.extra.get(SECRET_KEY, "")
    assert secret, f"run this feature with -D {SECRET_KEY}=<a value to hide>"
    context.world.redactor.add(secret)
    context.selftest_secret = secret


@then("this scenario fails on purpose, quoting the secret in every encoding")
def step_fail(context) -> None:
    forms = encodings(context.selftest_secret)
    for name, text in forms.items():
        print(f"{name}: {text}")  # captured output: the report shows it
    raise AssertionError("failing on purpose: " + " | ".join(forms.values()))
