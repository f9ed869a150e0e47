#!/usr/bin/env python3
"""Mutation testing: inject each catalogued bug into a fresh copy, run the suite, score it.

    python scripts/mutation.py                    # every mutant of mutation/catalogue.yaml
    python scripts/mutation.py --quick            # the fixed quick sample
    python scripts/mutation.py --only ID,ID       # named mutants
    python scripts/mutation.py --only ID --expect killed   # CI self-test: exit 1 unless killed
    python scripts/mutation.py --list             # the catalogue, with stale snippets flagged
    python scripts/mutation.py --combine A.json B.json   # one table of several runs (later wins)

Writes reports/mutation-<time>.md and .json (and each suite run under reports/runs/).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

# The project first: in scripts/, this very file would shadow the mutation package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mutation.catalogue import (
    CATALOGUE,
    Catalogue,
    CatalogueError,
    Mutant,
    check_fresh,
    load_catalogue,
    unknown_features,
)
from mutation.results import Verdict, combine, read_json, render_json, render_markdown, score
from mutation.run import Settings, run_mutants

ROOT = Path(__file__).resolve().parent.parent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, allow_abbrev=False,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="run the quick sample only")
    parser.add_argument("--only", default="", help="comma-separated mutant ids")
    parser.add_argument("-j", "--jobs", type=int, default=1,
                        help="mutants run at the same time (default 1; each starts a stack)")
    parser.add_argument("--time-limit", type=float, default=900.0,
                        help="seconds one suite run may take (default 900)")
    parser.add_argument("--expect", choices=[v.value.lower() for v in Verdict],
                        help="exit 1 unless every selected mutant gets this verdict")
    parser.add_argument("--no-confirm", action="store_true",
                        help="do not re-run a kill's failing scenario without the mutant")
    parser.add_argument("--catalogue", type=Path, default=CATALOGUE)
    parser.add_argument("--results", type=Path, default=ROOT / "reports",
                        help="results directory (default reports/)")
    parser.add_argument("--list", action="store_true", help="list the catalogue and exit")
    parser.add_argument("--combine", nargs="+", type=Path, metavar="REPORT.json",
                        help="merge the results of these runs (a later one wins for a mutant) "
                             "into one report and exit")
    return parser


def _list(mutants: list[Mutant]) -> int:
    """Print the catalogue, stale snippets and unknown feature hints flagged; 1 if any."""
    stale = check_fresh(ROOT, mutants)
    unknown = unknown_features((p.name for p in (ROOT / "features").glob("*.feature")), mutants)
    for m in mutants:
        flags = [f"STALE ({stale[m.id]})"] if m.id in stale else []
        flags += [f"UNKNOWN FEATURE {', '.join(unknown[m.id])}"] if m.id in unknown else []
        flags += ["equivalent"] if m.equivalent else []
        hints = ",".join(name.removesuffix(".feature") for name in m.features) or "-"
        print(f"{m.id:36} {m.file:42} {hints:28} {' '.join(flags)}".rstrip())
    print(f"{len(mutants)} mutants, {len(stale)} stale, {len(unknown)} with unknown hints, "
          f"{sum(not m.features for m in mutants)} without hints")
    return 1 if stale or unknown else 0


def _combine(paths: list[Path], catalogue: Catalogue, results_path: Path) -> int:
    """Write mutation-<time>-combined.md/.json: one result per mutant, the latest run's."""
    reports = [read_json(path.read_text(encoding="utf-8")) for path in paths]
    results = combine(reports, [m.id for m in catalogue.mutants])
    stamp = time.strftime("%Y%m%d-%H%M%S")
    names = ", ".join(path.name for path in paths)
    report = render_markdown(results, f"Mutation runs combined {stamp} (from {names})")
    results_path.mkdir(parents=True, exist_ok=True)
    (results_path / f"mutation-{stamp}-combined.md").write_text(report, encoding="utf-8")
    (results_path / f"mutation-{stamp}-combined.json").write_text(render_json(results),
                                                                 encoding="utf-8")
    print(report)
    print(f"[mutation] {score(results).text()}")
    print(f"[mutation] report: {results_path / f'mutation-{stamp}-combined.md'}")
    return 0


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM: stop the suites and remove the copies, as on Ctrl-C


def main(argv: list[str] | None = None) -> int:
    args, behave_args = _parser().parse_known_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        catalogue = load_catalogue(args.catalogue)
        only = [name.strip() for name in args.only.split(",") if name.strip()]
        mutants = catalogue.select(only, quick=args.quick)
    except CatalogueError as exc:
        print(f"[mutation] catalogue error: {exc}", file=sys.stderr)
        return 2
    if args.list:
        return _list(mutants)
    if args.combine:
        return _combine(args.combine, catalogue, args.results.resolve())
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results_path = args.results.resolve()
    results_path.mkdir(parents=True, exist_ok=True)
    settings = Settings(results_path, stamp, time_limit=args.time_limit, jobs=args.jobs,
                        behave_args=behave_args, confirm=not args.no_confirm)
    print(f"[mutation] {len(mutants)} mutant(s), {args.jobs} at a time, "
          f"time limit {args.time_limit:.0f} s each", flush=True)
    started = time.monotonic()
    results, interrupted = run_mutants(ROOT, mutants, catalogue, settings)
    title = f"Mutation run {stamp} ({time.monotonic() - started:.0f} s"
    title += ", interrupted)" if interrupted else ")"
    report = render_markdown(results, title)
    (results_path / f"mutation-{stamp}.md").write_text(report, encoding="utf-8")
    (results_path / f"mutation-{stamp}.json").write_text(render_json(results), encoding="utf-8")
    print(report)
    print(f"[mutation] {score(results).text()}")
    print(f"[mutation] report: {results_path / f'mutation-{stamp}.md'}")
    if interrupted:
        return 130
    if args.expect:
        wrong = [r for r in results if r.verdict.value.lower() != args.expect]
        if wrong or len(results) != len(mutants):
            for r in wrong:
                print(f"[mutation] expected {args.expect}, got {r.verdict.value}: {r.id} "
                      f"{r.detail}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
