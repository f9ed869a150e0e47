"""behave formatters that write into the run directory (the only formatter code that knows
behave): the HTML report (behave-html-pretty-formatter) and the plain console text.

behave opens a formatter's output file when it builds the formatter, before any hook runs; so
these formatters choose the run directory themselves (``harness.reporting.run_dir``) and move
an output configured under the results root (``reports/report.html``) into it. Both redact the
run's secrets from what they write.

pyproject.toml names these classes by their module path (``[tool.behave.formatters]``); the
project is installed into the venv, so behave can import them before any hook runs.
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

from allure_behave.formatter import AllureFormatter
from behave.exception import ConfigError as BehaveConfigError
from behave.formatter.plain import PlainFormatter
from behave.formatter.rerun import RerunFormatter
from behave_html_pretty_formatter import PrettyHTMLFormatter

from harness.config import ConfigError, load_config
from harness.reporting.run_dir import relocate, result_roots, run_directory
from harness.secrets import (
    redact_file,
    redact_tree,
    register_config_secrets,
    run_redactor,
)


def route_to_run_dir(stream_opener: Any, behave_config: Any) -> None:
    """Point a file output configured under the results root into this run's directory."""
    if not getattr(stream_opener, "name", None):
        return  # stdout
    try:
        suite_config = load_config(behave_config.userdata)
    except ConfigError as error:
        # The first point behave gives the suite: it prints "ConfigError: <message>" and
        # exits 1 before any hook runs (so nothing is started and no run directory made).
        raise BehaveConfigError(str(error)) from None
    register_config_secrets(suite_config)
    results_path = suite_config.results_path
    run_dir = run_directory(results_path)
    stream_opener.name = str(relocate(stream_opener.name, run_dir, result_roots(results_path)))


class RunHtmlFormatter(PrettyHTMLFormatter):
    """behave-html-pretty-formatter, writing ``<run>/report.html``, redacted."""

    stream: Any  # the output stream (the untyped base class sets it)

    def __init__(self, stream_opener: Any, config: Any, *args: Any) -> None:
        route_to_run_dir(stream_opener, config)
        super().__init__(stream_opener, config, *args)

    @property
    def report_path(self) -> Path | None:
        name = getattr(self.stream_opener, "name", None)
        return Path(name).resolve() if name else None

    def close(self) -> None:
        if self._closed:
            return
        real_stream, self.stream = self.stream, io.StringIO()
        try:
            super().close()
            document = self.stream.getvalue()
        finally:
            self.stream = real_stream
        self.stream.write(run_redactor()(document))
        self.stream.flush()


class ConsoleFileFormatter(PlainFormatter):
    """The plain console text, written to ``<run>/console.txt`` with a closing summary."""

    name = "console-file"
    description = "plain console text into the run directory"

    def __init__(self, stream_opener: Any, config: Any, **kwargs: Any) -> None:
        route_to_run_dir(stream_opener, config)
        super().__init__(stream_opener, config, **kwargs)
        self.features_seen: list[Any] = []

    def feature(self, feature: Any) -> None:
        self.features_seen.append(feature)
        super().feature(feature)

    def close(self) -> None:
        path = getattr(self.stream_opener, "name", None)
        if self.stream is not None:
            self.stream.write("\n" + summary_line(self.features_seen) + "\n")
        super().close()
        if path:
            redact_file(Path(path))


class RunRerunFormatter(RerunFormatter):
    """behave's rerun file (``<run>/rerun.txt``): ``behave @reports/latest/rerun.txt`` runs
    again exactly the scenarios that failed. Written on success too (no locations)."""

    show_failed_scenarios_descriptions = True

    def __init__(self, stream_opener: Any, config: Any) -> None:
        route_to_run_dir(stream_opener, config)
        super().__init__(stream_opener, config)

    def close(self) -> None:
        if self.failed_scenarios or not self.stream_opener.name:
            super().close()
            return
        self.stream = self.open()
        self.stream.write("# -- RERUN: 0 failing scenarios during this run.\n")
        self.close_stream()


class RunAllureFormatter(AllureFormatter):
    """allure-behave's results (``<run>/allure-results/``), redacted when the run closes."""

    def __init__(self, stream_opener: Any, config: Any) -> None:
        route_to_run_dir(stream_opener, config)
        super().__init__(stream_opener, config)

    def close(self) -> None:
        try:
            super().close()
        finally:
            results = Path(self.stream_opener.name)
            if results.is_dir():
                redact_tree(results)


def summary_line(features: list[Any]) -> str:
    """``N scenarios: a passed, b failed, c skipped`` over behave feature objects."""
    counts: Counter[str] = Counter()
    for feature in features:
        for scenario in feature.walk_scenarios():
            counts[scenario.status.name] += 1
    total = sum(counts.values())
    parts = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    return f"{total} scenarios: {parts or 'none'}"
