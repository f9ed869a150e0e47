"""Read and merge behave's JUnit XML (one ``TESTS-<feature>.xml`` per feature file)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

EXECUTED = ("passed", "failed", "error")
#: behave status -> the outcome people read: passed, failed or skipped
OUTCOME = {"passed": "passed", "failed": "failed", "error": "failed", "hook_error": "failed",
           "undefined": "failed", "pending": "failed", "skipped": "skipped",
           "untested": "skipped"}


@dataclass(frozen=True)
class CaseResult:
    """One scenario as JUnit recorded it."""

    stem: str
    feature: str
    scenario: str
    status: str
    seconds: float
    message: str = ""

    @property
    def outcome(self) -> str:
        return OUTCOME.get(self.status, "failed")

    @property
    def key(self) -> tuple[str, str]:
        return self.feature, self.scenario


def stem_of(path: Path) -> str:
    return path.stem.removeprefix("TESTS-")


def _case_status(case: ET.Element) -> str:
    status = case.get("status", "")
    if case.find("error") is not None:
        return "error"
    if case.find("failure") is not None:
        return "failed"
    if case.find("skipped") is not None and status not in ("skipped", "untested"):
        return "skipped"
    return status or "passed"


def _case_message(case: ET.Element) -> str:
    for tag in ("failure", "error"):
        problem = case.find(tag)
        if problem is not None:
            return (problem.get("message") or problem.text or "").strip()
    return ""


def parse_junit(path: Path) -> list[CaseResult]:
    """The scenarios of one JUnit file."""
    stem = stem_of(path)
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    results = []
    for suite in suites:
        for case in suite.findall("testcase"):
            classname = case.get("classname", "")
            feature = classname[len(stem) + 1:] if classname.startswith(stem + ".") else classname
            results.append(CaseResult(stem, feature, case.get("name", ""), _case_status(case),
                                      float(case.get("time") or 0), _case_message(case)))
    return results


def read_junit_dir(directory: Path) -> list[CaseResult]:
    """Every scenario of every ``TESTS-*.xml`` in ``directory`` (empty when it is missing)."""
    if not directory.is_dir():
        return []
    results = []
    for path in sorted(directory.glob("TESTS-*.xml")):
        try:
            results.extend(parse_junit(path))
        except ET.ParseError:
            continue
    return results


def _rank(case: ET.Element) -> int:
    """Executed results beat skipped/untested ones (a worker that did not run a scenario
    reports it skipped)."""
    return 1 if _case_status(case) in EXECUTED else 0


def merge_junit_dirs(sources: Iterable[Path], dest: Path,
                     stems: Mapping[str, str] | None = None) -> list[Path]:
    """Merge the JUnit files of several runs of disjoint parts of one selection into ``dest``:
    one ``TESTS-<stem>.xml`` per feature, each scenario once (its executed result wins).

    ``stems`` maps a feature name to the file stem a whole run would have used (workers that
    were given single files name them differently); unknown features keep their stem.
    """
    stems = stems or {}
    suites: dict[str, ET.Element] = {}
    cases: dict[str, dict[str, ET.Element]] = {}
    for source in sources:
        for path in sorted(source.glob("TESTS-*.xml")) if source.is_dir() else []:
            old_stem = stem_of(path)
            try:
                suite = ET.parse(path).getroot()
            except ET.ParseError:
                continue
            feature = suite.get("name", "")[len(old_stem) + 1:] or old_stem
            stem = stems.get(feature, old_stem)
            merged = suites.setdefault(stem, ET.Element("testsuite", dict(suite.attrib)))
            merged.set("name", f"{stem}.{feature}")
            for case in suite.findall("testcase"):
                case.set("classname", f"{stem}.{feature}")
                known = cases.setdefault(stem, {})
                name = case.get("name", "")
                if name not in known or _rank(case) > _rank(known[name]):
                    known[name] = case
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, suite in suites.items():
        members = list(cases.get(stem, {}).values())
        statuses = [_case_status(case) for case in members]
        suite.set("tests", str(len(members)))
        suite.set("failures", str(statuses.count("failed")))
        suite.set("errors", str(statuses.count("error")))
        suite.set("skipped", str(sum(s not in EXECUTED for s in statuses)))
        suite.set("time", f"{sum(float(c.get('time') or 0) for c in members):.6f}")
        suite.extend(members)
        path = dest / f"TESTS-{stem}.xml"
        ET.ElementTree(suite).write(path, encoding="UTF-8", xml_declaration=True)
        written.append(path)
    return written
