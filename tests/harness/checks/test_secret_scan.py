"""harness.checks.secret_scan: a secret is found raw and in every encoding a service might use."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from harness.checks.secret_scan import encoded_forms, forms_in, scan_files

SECRET = 'vt-3fa9c0d1e27b<&>"\' /+=e27b3fa9c0d1'


@pytest.mark.parametrize("encode", [
    lambda s: s, lambda s: html.escape(s), lambda s: json.dumps({"v": s}),
    lambda s: json.dumps(s).replace("<", "\\u003c").replace(">", "\\u003e")
    .replace("&", "\\u0026"),
    lambda s: quote(s, safe=""), lambda s: quote_plus(s),
    lambda s: repr([s]), lambda s: repr(s + '"'),
    lambda s: s.replace("<", "&lt;").replace('"', "&#x22;"),
], ids=["raw", "html", "json", "json-html-safe", "url", "url-form", "repr", "repr-2", "odd"])
def test_text_encodings_are_found(encode) -> None:
    assert forms_in(f"before {encode(SECRET)} after", SECRET)


@pytest.mark.parametrize("prefix", ["", "a", "ab", "abc", "Bearer "])
@pytest.mark.parametrize("b64", [base64.b64encode, base64.urlsafe_b64encode])
def test_base64_is_found_at_any_alignment(prefix: str, b64) -> None:
    encoded = b64(f"{prefix}{SECRET}!".encode()).decode()
    assert forms_in(f"Authorization: Basic {encoded}", SECRET)


def test_other_text_is_clean() -> None:
    assert forms_in("vt-3fa9c0d1 and *** were masked", SECRET) == []
    assert forms_in("short runs alone: 3fa9c0d1", "tok-3fa9c0d1-x") == []
    assert "raw" in encoded_forms(SECRET)


def test_scan_files_names_file_and_form(tmp_path: Path) -> None:
    (tmp_path / "clean.log").write_text("nothing\n")
    (tmp_path / "leak.html").write_text(f"<td>{html.escape(SECRET)}</td>")
    hits = scan_files(sorted(tmp_path.iterdir()), SECRET, root=tmp_path)
    assert hits[0] == "leak.html: HTML-escaped"
    assert all(hit.startswith("leak.html: ") for hit in hits)
