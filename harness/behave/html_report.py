"""The HTML report of the run as the hooks see it: attach a failed scenario's evidence (links
to its artifact files, its execution transcript and CLI commands) and close the pseudo steps
("Before Scenario" / "After Scenario") that behave-html-pretty-formatter draws.

Every method is a no-op when the run has no html-pretty formatter (e.g. ``-f pretty``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from behave_html_pretty_formatter import PrettyHTMLFormatter

#: Artifact files whose text is shown inline in the report (the rest are links).
INLINE = {"execution-transcript.txt": "Execution transcript", "cli-commands.txt": "CLI commands"}
INLINE_LIMIT = 20_000


class HtmlReport:
    """Facade over the html-pretty formatter (if the run has one)."""

    def __init__(self, formatters: Iterable[Any]) -> None:
        self.formatter: PrettyHTMLFormatter | None = next(
            (f for f in formatters if isinstance(f, PrettyHTMLFormatter)), None)

    @classmethod
    def of(cls, context: Any) -> HtmlReport:
        """The report of a behave context (behave keeps formatters on its runner)."""
        runner = getattr(context, "_runner", None)
        return cls(getattr(runner, "formatters", None) or [])

    @property
    def report_dir(self) -> Path | None:
        name = getattr(getattr(self.formatter, "stream_opener", None), "name", None)
        return Path(name).resolve().parent if name else None

    def href(self, path: Path) -> str:
        """A link to ``path`` that works from the report's folder (relative when possible)."""
        base = self.report_dir
        absolute = path.resolve()
        if base is None:
            return absolute.as_uri()
        return Path(os.path.relpath(absolute, base)).as_posix()

    def attach_artifacts(self, folder: Path, files: Sequence[Path]) -> None:
        """Link every artifact file; show the transcript and CLI commands inline."""
        if self.formatter is None:
            return
        links = [[self.href(folder), f"artifacts folder: {self.href(folder)}"]]
        links += [[self.href(path), path.relative_to(folder).as_posix()]
                  for path in files if path.is_relative_to(folder)]
        self.formatter.embed("link", links, caption="Artifacts")
        for path in files:
            caption = INLINE.get(path.name)
            if caption is None:
                continue
            try:
                text = path.read_text(errors="replace")
            except OSError:
                continue
            if len(text) > INLINE_LIMIT:
                text = text[:INLINE_LIMIT] + f"\n... (truncated; full text in {path.name})\n"
            self.formatter.embed("text/plain", text, caption=caption, compress=False)

    def link_files(self, caption: str, files: Sequence[Path]) -> None:
        """Link result files (e.g. the load charts) from the current step of the report."""
        if self.formatter is None or not files:
            return
        self.formatter.embed("link", [[self.href(path), path.name] for path in files],
                             caption=caption)

    def before_scenario_finished(self, status: str) -> None:
        if self.formatter is not None and self.formatter.pseudo_steps:
            with contextlib.suppress(Exception):  # decoration never fails a scenario
                self.formatter.before_scenario_finish(status)

    def after_scenario_finished(self, status: str) -> None:
        if self.formatter is not None and self.formatter.pseudo_steps:
            with contextlib.suppress(Exception):
                self.formatter.after_scenario_finish(status)
