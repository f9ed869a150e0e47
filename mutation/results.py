"""What one mutant's suite run means (KILLED, SURVIVED, ...), the score and the report table.

Classification of a run (``classify``):

* KILLED — a scenario failed (or errored); the first one, in run order, is named. Also a run
  whose scenarios all passed but whose end-of-run checks failed it (exit code not 0, e.g. the
  leak check): the suite as a whole failed.
* SURVIVED — the suite passed (exit code 0, at least one scenario passed).
* INVALID — the mutated file does not compile, the run hit its time limit, or it failed
  before any scenario ran (e.g. a hook error while the stack starts): the mutant says
  nothing about the scenarios' checks.
* STALE — the snippet is not in its file exactly once (refresh the catalogue).
* EQUIVALENT — marked in the catalogue as not observable, with the reason; not run.

Score = killed / (total - equivalent - stale - invalid).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from enum import StrEnum

from harness.reporting.junit import CaseResult


class Verdict(StrEnum):
    """The outcome of one mutant."""

    KILLED = "KILLED"
    SURVIVED = "SURVIVED"
    STALE = "STALE"
    INVALID = "INVALID"
    EQUIVALENT = "EQUIVALENT"


@dataclass(frozen=True)
class MutantResult:
    """One mutant's verdict, with the first failing scenario or the reason."""

    id: str
    file: str
    breaks: str
    verdict: Verdict
    detail: str = ""
    seconds: float = 0.0
    passed: int = 0
    skipped: int = 0
    run_dir: str = ""


@dataclass(frozen=True)
class RunOutcome:
    """What the suite run of one mutant produced."""

    exit_code: int
    cases: Sequence[CaseResult]  # in run order
    timed_out: bool = False
    seconds: float = 0.0
    console_tail: str = ""


def _first_line(text: str, limit: int = 160) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def classify(outcome: RunOutcome) -> tuple[Verdict, str]:
    """The verdict of a finished run and its detail (first failing scenario or reason)."""
    if outcome.timed_out:
        return Verdict.INVALID, f"time limit exceeded after {outcome.seconds:.0f} s"
    failed = [case for case in outcome.cases if case.outcome == "failed"]
    if failed:
        first = failed[0]
        message = _first_line(first.message)
        where = f"{first.feature}: {first.scenario}"
        return Verdict.KILLED, f"{where} — {message}" if message else where
    passed = sum(case.outcome == "passed" for case in outcome.cases)
    if not passed:
        reason = _first_line(outcome.console_tail) or "no output"
        return Verdict.INVALID, f"no scenario ran (exit {outcome.exit_code}): {reason}"
    if outcome.exit_code != 0:
        reason = _first_line(outcome.console_tail) or "no output"
        return Verdict.KILLED, f"(end of run, exit {outcome.exit_code}) {reason}"
    return Verdict.SURVIVED, ""


def order_cases(cases: Iterable[CaseResult], stems: Sequence[str]) -> list[CaseResult]:
    """JUnit cases in run order: by the feature files' order (``stems``), then as written.

    A file's stem may carry its folder (``features.agent_cli`` when behave was given files).
    """
    rank = {stem: index for index, stem in enumerate(stems)}
    return sorted(cases, key=lambda case: rank.get(case.stem.rsplit(".", 1)[-1], len(rank)))


@dataclass(frozen=True)
class Score:
    """Counts per verdict and the score."""

    total: int
    killed: int
    survived: int
    stale: int
    invalid: int
    equivalent: int

    @property
    def scored(self) -> int:
        return self.total - self.equivalent - self.stale - self.invalid

    @property
    def value(self) -> float | None:
        return self.killed / self.scored if self.scored else None

    def text(self) -> str:
        value = "n/a" if self.value is None else f"{self.value:.0%}"
        return (f"score {value} ({self.killed} killed of {self.scored} scored; "
                f"{self.survived} survived, {self.equivalent} equivalent, {self.stale} stale, "
                f"{self.invalid} invalid; {self.total} mutants)")


def score(results: Sequence[MutantResult]) -> Score:
    """Tally the verdicts."""
    count = {verdict: sum(r.verdict is verdict for r in results) for verdict in Verdict}
    return Score(len(results), count[Verdict.KILLED], count[Verdict.SURVIVED],
                 count[Verdict.STALE], count[Verdict.INVALID], count[Verdict.EQUIVALENT])


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(results: Sequence[MutantResult], title: str = "Mutation run") -> str:
    """The report: the score, then one row per mutant, then the survivors."""
    summary = score(results)
    lines = [f"# {title}", "", summary.text(), "",
             "| mutant | file | what it breaks | result | first failing scenario / reason | s |",
             "|---|---|---|---|---|---:|"]
    for r in results:
        lines.append(f"| {r.id} | {r.file} | {_cell(r.breaks)} | {r.verdict.value} | "
                     f"{_cell(r.detail)} | {r.seconds:.0f} |")
    survivors = [r for r in results if r.verdict is Verdict.SURVIVED]
    if survivors:
        lines += ["", "## Survivors (the suite passed with the bug in)", ""]
        lines += [f"- `{r.id}` ({r.file}): {r.breaks}" for r in survivors]
    stale = [r for r in results if r.verdict is Verdict.STALE]
    if stale:
        lines += ["", "## Stale (refresh these snippets in mutation/catalogue.yaml)", ""]
        lines += [f"- `{r.id}` ({r.file}): {r.detail}" for r in stale]
    return "\n".join(lines) + "\n"


def render_json(results: Sequence[MutantResult]) -> str:
    """Machine-readable report: the counts, the score and every result."""
    summary = score(results)
    rows = [{**asdict(r), "verdict": r.verdict.value} for r in results]
    return json.dumps({"score": summary.value, "counts": asdict(summary), "mutants": rows},
                      indent=2) + "\n"


def read_json(text: str) -> list[MutantResult]:
    """The results of a report written by :func:`render_json`."""
    names = {f.name for f in fields(MutantResult)}
    rows = json.loads(text)["mutants"]
    return [MutantResult(**{**{k: v for k, v in row.items() if k in names},
                            "verdict": Verdict(row["verdict"])}) for row in rows]


def combine(reports: Iterable[Sequence[MutantResult]], order: Sequence[str] = ()
            ) -> list[MutantResult]:
    """One result per mutant from several runs: a later report's result replaces an earlier
    one (a re-run after a fix, a run that went on where another was interrupted); in the
    order of ``order`` (the catalogue's ids), unknown ids last."""
    latest: dict[str, MutantResult] = {}
    for results in reports:
        for result in results:
            latest.pop(result.id, None)
            latest[result.id] = result
    rank = {name: index for index, name in enumerate(order)}
    return sorted(latest.values(), key=lambda r: rank.get(r.id, len(rank)))
