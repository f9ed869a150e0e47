"""Which scenarios a behave command line selects, decided by behave itself (its configuration,
pyproject.toml included, its parser and its tag expression), for the runners that split or
repeat a selection (``harness.runs.parallel``, ``harness.runs.flakiness``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

EXECUTION_TAGS = frozenset({"requires-temporal", "requires-llm"})
#: Seconds a scenario is assumed to take when no earlier run says otherwise.
DEFAULT_ESTIMATE = 2.0
TAG_ESTIMATES = {"slow": 30.0, "requires-llm": 6.0, "requires-temporal": 6.0}


@dataclass
class SelectedScenario:
    """One scenario of the selection: where it is, what it is called, its tags."""

    filename: str
    line: int
    feature: str
    name: str
    tags: frozenset[str]
    stem: str = ""
    estimate: float = DEFAULT_ESTIMATE

    @property
    def location(self) -> str:
        return f"{self.filename}:{self.line}"

    @property
    def key(self) -> tuple[str, str]:
        return self.feature, self.name


@dataclass
class Selection:
    """The scenarios a command line selects and the rest of that command line."""

    scenarios: list[SelectedScenario]
    options: list[str]
    userdata: dict[str, str] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)


def split_paths(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """(options, paths) of a behave command line, as behave's own parser sees them."""
    from behave.configuration import setup_parser

    parsed, _unknown = setup_parser().parse_known_args(list(args))
    paths = list(parsed.paths or [])
    options = list(args)
    for path in paths:  # remove the last occurrence of each positional path
        for index in range(len(options) - 1, -1, -1):
            if options[index] == path:
                del options[index]
                break
    return options, paths


def _junit_stem(filename: str, paths: Sequence[str]) -> str:
    """The file stem behave's JUnit reporter gives a feature in a whole run."""
    file = Path(filename)
    for raw in paths:
        base = Path(raw.split(":", 1)[0])
        if base.is_dir() and file.resolve().is_relative_to(base.resolve()):
            relative = file.resolve().relative_to(base.resolve())
            return relative.with_suffix("").as_posix().replace("/", ".")
    return Path(filename).with_suffix("").as_posix().replace("/", ".")


def estimate(tags: frozenset[str], previous: float | None) -> float:
    if previous is not None:
        return max(previous, 0.1)
    return max([TAG_ESTIMATES.get(tag, DEFAULT_ESTIMATE) for tag in tags] or [DEFAULT_ESTIMATE])


def select(args: Sequence[str],
           durations: Mapping[tuple[str, str], float] | None = None) -> Selection:
    """The scenarios ``behave <args>`` would run (not the ones its tags leave out)."""
    from behave.configuration import Configuration
    from behave.runner_util import collect_feature_locations, parse_features

    durations = durations or {}
    options, _ = split_paths(args)
    config = Configuration(list(args))
    locations = collect_feature_locations(config.paths)
    scenarios = []
    for feature in parse_features(locations, language=config.lang):
        for scenario in feature.walk_scenarios():
            if scenario.should_skip or not scenario.should_run(config):
                continue
            tags = frozenset(scenario.effective_tags)
            scenarios.append(SelectedScenario(
                filename=feature.filename, line=scenario.line, feature=feature.name,
                name=scenario.name, tags=tags, stem=_junit_stem(feature.filename, config.paths),
                estimate=estimate(tags, durations.get((feature.name, scenario.name)))))
    return Selection(scenarios, options, dict(config.userdata), list(config.paths))
