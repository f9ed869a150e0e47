#!/usr/bin/env python3
"""Run a behave selection over N worker processes that share one Stigmer stack.

    python scripts/parallel.py -j 2 [behave args]      e.g. -j 2 --tags=@phase1

Results: reports/runs/<run-id>/ (reports/latest): report.html, junit/, living-docs.md,
workers/w<k>/ (each worker's full HTML report, JUnit, console text and artifacts).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.parallel import ISOLATED_TAGS, run_parallel


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="%(prog)s [-j N] [--isolate TAG] [behave args ...]")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--isolate", action="append", metavar="TAG",
                        help="scenarios with this tag run afterwards on a stack of their own "
                             f"(repeatable; default: {', '.join(sorted(ISOLATED_TAGS))})")
    args, behave_args = parser.parse_known_args(argv)
    isolated = frozenset(t.lstrip("@") for t in args.isolate) if args.isolate else ISOLATED_TAGS
    return run_parallel(behave_args, args.jobs, isolated)


if __name__ == "__main__":
    sys.exit(main())
