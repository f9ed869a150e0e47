"""The living documentation as one self-contained HTML page (no scripts, no external
resources); the model and the Markdown are in ``harness.reporting.living_docs``."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from harness.reporting.living_docs import ICONS, DocFeature, headline

CSS = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#222}pre{background:#f6f8fa;padding:.6rem;border-radius:4px;overflow-x:auto}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem}
.tag{background:#eef;border-radius:3px;padding:0 .3rem;margin-right:.2rem;font-size:.85em}
.passed{color:#1a7f37}.failed{color:#cf222e}.skipped,.not-run{color:#777}
blockquote{color:#555;border-left:3px solid #ccc;margin:0;padding-left:.8rem}"""


def _html_tags(tags: Iterable[str]) -> str:
    return "".join(f'<span class="tag">@{html.escape(tag)}</span>' for tag in tags)


def render_html(features: list[DocFeature], source: str,
                title: str = "Stigmer acceptance suite: living documentation",
                links: Sequence[tuple[str, str]] = ()) -> str:
    """The same document as one HTML page (no scripts, no external resources)."""
    esc = html.escape
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(title)}</title>"
           f"<style>{CSS}</style></head><body>", f"<h1>{esc(title)}</h1>",
           f"<p>{esc(headline(features, source))}</p>"]
    if links:
        out.append("<ul>" + "".join(f'<li><a href="{esc(href)}">{esc(label)}</a></li>'
                                    for href, label in links) + "</ul>")
    out.append("<table><tr><th>Feature</th><th>Scenarios</th>"
               + "".join(f"<th>{icon}</th>" for icon in ICONS.values()) + "</tr>")
    for index, feature in enumerate(features):
        out.append(f'<tr><td><a href="#f{index}">{esc(feature.name)}</a></td>'
                   f"<td>{feature.case_count}</td>"
                   + "".join(f"<td>{feature.count(s)}</td>" for s in ICONS) + "</tr>")
    out.append("</table>")
    for index, feature in enumerate(features):
        out.append(f'<h2 id="f{index}">Feature: {esc(feature.name)} {_html_tags(feature.tags)}'
                   "</h2>")
        if feature.description:
            out.append("<blockquote>" + "<br>".join(esc(x) for x in feature.description)
                       + "</blockquote>")
        out.append(f"<p><small>{esc(feature.location)}</small></p>")
        if feature.background:
            out.append("<h4>Background</h4><pre>" + esc("\n".join(feature.background))
                       + "</pre>")
        for scenario in feature.scenarios:
            css = scenario.status.replace(" ", "-")
            out.append(f'<h3 class="{css}">{ICONS[scenario.status]} {esc(scenario.keyword)}: '
                       f"{esc(scenario.name)}</h3>")
            facts = f'<b class="{css}">{esc(scenario.status)}</b>'
            if scenario.status in ("passed", "failed"):
                facts += f" · {scenario.seconds:.1f}s"
            out.append(f"<p>{facts} {_html_tags(scenario.tags)} "
                       f"<small>{esc(scenario.location)}</small></p>")
            if scenario.skip_reason:
                out.append(f"<blockquote>Skipped: {esc(scenario.skip_reason)}</blockquote>")
            if scenario.failure:
                out.append(f'<pre class="failed">{esc(scenario.failure[:800])}</pre>')
            if scenario.artifacts:
                out.append(f'<p>Artifacts: <a href="{esc(scenario.artifacts)}">'
                           f"{esc(scenario.artifacts)}</a></p>")
            out.append("<pre>" + esc("\n".join(scenario.steps)) + "</pre>")
            for table in scenario.examples:
                out.append("<table><tr>" + "".join(f"<th>{esc(c)}</th>" for c in table[0])
                           + "</tr>" + "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row)
                                               + "</tr>" for row in table[1:]) + "</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
