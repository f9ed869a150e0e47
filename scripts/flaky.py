#!/usr/bin/env python3
"""Run a behave selection N times and report the scenarios that are flaky.

    python scripts/flaky.py --runs 10 [--jobs J] [behave args]   e.g. --runs 10 --tags=@smoke

Writes reports/flakiness-<time>.md; exit 1 when a scenario flaked (2: none flaked but some
always failed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.config import ConfigError, load_config
from harness.runs.flakiness import report_existing, run_flakiness


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
        usage="%(prog)s [--runs N] [--jobs J] [behave args ...]")
    parser.add_argument("--runs", type=int, default=10, help="how many runs (10)")
    parser.add_argument("--jobs", "-j", type=int, default=0,
                        help="run each repetition with scripts/parallel.py -j J")
    parser.add_argument("--from", dest="existing", type=Path, metavar="DIR",
                        help="only tally the runs of an earlier flaky run "
                             "(reports/runs/<id>-flaky)")
    args, behave_args = parser.parse_known_args(argv)
    from behave.configuration import Configuration

    try:
        config = load_config(Configuration(behave_args).userdata)
    except ConfigError as error:
        print(f"ConfigError: {error}", file=sys.stderr)
        return 2
    if args.existing:
        code, _report = report_existing(args.existing.resolve(), config.results_path)
        return code
    code, _report = run_flakiness(behave_args, args.runs, config.results_path,
                                  args.jobs or None)
    return code


if __name__ == "__main__":
    sys.exit(main())
