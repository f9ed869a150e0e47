"""Living documentation: every feature (description, tags, background, scenarios and their
steps) with its latest status, as Markdown and as a self-contained HTML page for product
review (no scripts, no external resources). Statuses come from a run's JUnit XML; skip reasons
and artifact folders from the run's ``scenarios.json`` (see ``harness.reporting.notes``).
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from behave.model import ScenarioOutline
from behave.parser import parse_file

from harness.reporting.junit import CaseResult, read_junit_dir
from harness.reporting.notes import ScenarioNotes, scenario_key

ICONS = {"passed": "✅", "failed": "❌", "skipped": "⏭️", "not run": "⚪"}


@dataclass
class DocScenario:
    """One scenario (or outline) as written, with what the run made of it."""

    keyword: str
    name: str
    tags: list[str]
    steps: list[str]
    location: str
    examples: list[list[list[str]]] = field(default_factory=list)
    row_names: list[str] = field(default_factory=list)
    results: list[CaseResult] = field(default_factory=list)
    skip_reason: str = ""
    artifacts: str = ""
    #: One status per case as behave counts them: a scenario is one case, an outline one per
    #: example row (filled by ``attach_results``).
    case_statuses: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return _status(self.results, self.skip_reason)

    @property
    def cases(self) -> list[str]:
        return self.case_statuses or [self.status] * max(1, len(self.row_names))

    @property
    def seconds(self) -> float:
        return sum(result.seconds for result in self.results)

    @property
    def failure(self) -> str:
        return next((r.message for r in self.results if r.outcome == "failed" and r.message), "")


def _status(results: Iterable[CaseResult], skip_reason: str) -> str:
    outcomes = {result.outcome for result in results}
    if not outcomes:
        return "not run"
    if "failed" in outcomes:
        return "failed"
    if "passed" in outcomes:
        return "passed"
    # Skipped with a recorded reason (a missing prerequisite), or not in the selection.
    return "skipped" if skip_reason else "not run"


@dataclass
class DocFeature:
    name: str
    description: list[str]
    tags: list[str]
    location: str
    background: list[str]
    scenarios: list[DocScenario]

    def count(self, status: str) -> int:
        """Cases with ``status``, counted as behave counts scenarios (outline rows each)."""
        return sum(case == status for scenario in self.scenarios for case in scenario.cases)

    @property
    def case_count(self) -> int:
        return sum(len(scenario.cases) for scenario in self.scenarios)


def _steps(steps: Iterable[Any]) -> list[str]:
    lines = []
    for step in steps:
        lines.append(f"{step.keyword} {step.name}")
        if getattr(step, "table", None):
            lines += ["    | " + " | ".join(row.cells) + " |" for row in step.table.rows]
        if getattr(step, "text", None):
            lines += [f"    {line}" for line in str(step.text).splitlines()]
    return lines


def feature_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(path.rglob("*.feature")) if path.is_dir() else [path]
    return files


def load_features(paths: Sequence[Path], root: Path | None = None) -> list[DocFeature]:
    """Parse the feature files under ``paths`` (directories are searched recursively)."""
    features = []
    for file in feature_files(paths):
        parsed = parse_file(str(file))
        if parsed is None:
            continue
        where = file.relative_to(root) if root and file.is_relative_to(root) else file
        scenarios = []
        for item in parsed.walk_scenarios(with_outlines=True):
            if item.parent is not None and isinstance(item.parent, ScenarioOutline):
                continue
            scenario = DocScenario(item.keyword, item.name, list(item.tags), _steps(item.steps),
                                   f"{where}:{item.line}")
            if isinstance(item, ScenarioOutline):
                scenario.examples = [[list(ex.table.headings), *[list(r.cells) for r in
                                     ex.table.rows]] for ex in item.examples if ex.table]
                scenario.row_names = [row.name for row in item.scenarios]
            scenarios.append(scenario)
        background = _steps(parsed.background.steps) if parsed.background else []
        features.append(DocFeature(parsed.name, list(parsed.description), list(parsed.tags),
                                   str(where), background, scenarios))
    return features


def attach_results(features: list[DocFeature], results: Iterable[CaseResult],
                   notes: ScenarioNotes | None = None) -> None:
    """Give each scenario its JUnit results (an outline gets those of its rows)."""
    by_key: dict[tuple[str, str], list[CaseResult]] = {}
    for result in results:
        by_key.setdefault(result.key, []).append(result)
    notes = notes or ScenarioNotes()
    for feature in features:
        for scenario in feature.scenarios:
            names = scenario.row_names or [scenario.name]
            scenario.results = [r for name in names for r in by_key.get((feature.name, name), [])]
            scenario.case_statuses = []
            for name in names:
                key = scenario_key(feature.name, name)
                reason = notes.skips.get(key, "")
                scenario.skip_reason = scenario.skip_reason or reason
                scenario.artifacts = scenario.artifacts or notes.artifacts.get(key, "")
                scenario.case_statuses.append(
                    _status(by_key.get((feature.name, name), []), reason))


def _tags(tags: Iterable[str]) -> str:
    return " ".join(f"`@{tag}`" for tag in tags)


def totals(features: Iterable[DocFeature]) -> dict[str, int]:
    """Cases per status, as behave counts them (each example row of an outline is one)."""
    counts = dict.fromkeys(ICONS, 0)
    for feature in features:
        for scenario in feature.scenarios:
            for case in scenario.cases:
                counts[case] += 1
    return counts


def headline(features: list[DocFeature], source: str) -> str:
    counts = totals(features)
    summary = ", ".join(f"{counts[status]} {status}" for status in ICONS)
    return (f"Generated {time.strftime('%Y-%m-%d %H:%M')} from {source}: {summary} "
            "(scenarios as behave counts them: each example row of an outline is one).")


def render_markdown(features: list[DocFeature], source: str,
                    title: str = "Stigmer acceptance suite: living documentation") -> str:
    """The whole suite as one Markdown document."""
    out = [f"# {title}", "", headline(features, source), "",
           "| Feature | Scenarios | ✅ | ❌ | ⏭️ | ⚪ |", "|---|---:|---:|---:|---:|---:|"]
    for feature in features:
        out.append(f"| {feature.name.replace('|', '/')} | {feature.case_count} | "
                   + " | ".join(str(feature.count(status)) for status in ICONS) + " |")
    for feature in features:
        out += ["", f"## Feature: {feature.name}", ""]
        if feature.tags:
            out += [f"Tags: {_tags(feature.tags)}  ", ""]
        out += [f"> {line}  " for line in feature.description]
        out += ["", f"_{feature.location}_"]
        if feature.background:
            out += ["", "**Background**", "", "```gherkin", *feature.background, "```"]
        for scenario in feature.scenarios:
            out += ["", f"### {ICONS[scenario.status]} {scenario.keyword}: {scenario.name}", ""]
            facts = [f"**{scenario.status}**"]
            if scenario.status in ("passed", "failed"):
                facts.append(f"{scenario.seconds:.1f}s")
            if scenario.tags:
                facts.append(_tags(scenario.tags))
            facts.append(f"_{scenario.location}_")
            out.append(" · ".join(facts))
            if scenario.skip_reason:
                out += ["", f"> Skipped: {scenario.skip_reason}"]
            if scenario.failure:
                out += ["", "```text", scenario.failure[:800], "```"]
            if scenario.artifacts:
                out += ["", f"Artifacts: [{scenario.artifacts}]({scenario.artifacts})"]
            out += ["", "```gherkin", *scenario.steps, "```"]
            for table in scenario.examples:
                out += ["", "| " + " | ".join(table[0]) + " |",
                        "|" + "---|" * len(table[0])]
                out += ["| " + " | ".join(row) + " |" for row in table[1:]]
    return "\n".join(out) + "\n"


# -- the HTML page ---------------------------------------------------------------------------
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


def write_living_docs(feature_paths: Sequence[Path], run_dir: Path, *,
                      junit_dir: Path | None = None, root: Path | None = None,
                      links: Sequence[tuple[str, str]] = ()) -> list[Path]:
    """Write ``living-docs.md`` and ``living-docs.html`` into ``run_dir`` from its JUnit XML
    (or ``junit_dir``) and its ``scenarios.json``; return the files written."""
    features = load_features(feature_paths, root)
    attach_results(features, read_junit_dir(junit_dir or run_dir / "junit"),
                   ScenarioNotes.load(run_dir))
    source = f"run {run_dir.name}"
    markdown_path = run_dir / "living-docs.md"
    html_path = run_dir / "living-docs.html"
    markdown_path.write_text(render_markdown(features, source), encoding="utf-8")
    html_path.write_text(render_html(features, source, links=links), encoding="utf-8")
    return [markdown_path, html_path]
