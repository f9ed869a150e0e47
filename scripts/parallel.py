#!/usr/bin/env python3
"""Run a behave selection over N worker processes that share one Stigmer stack.

    python scripts/parallel.py -j 2 [behave args]      e.g. -j 2 --tags=@phase1
    python scripts/parallel.py -j 2 --stacks own       every worker starts its own stack

Scenarios tagged @fault run in the worker that has a stack of its own (the last one).

Results: reports/runs/<run-id>/ (reports/latest): report.html, junit/, living-docs.md,
workers/w<k>/ (each worker's full HTML report, JUnit, console text and artifacts).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.config import ConfigError
from harness.runs.parallel import ISOLATED_TAGS, run_parallel


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
        usage="%(prog)s [-j N] [--stacks shared|own] [--isolate TAG] [behave args ...]")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--isolate", action="append", metavar="TAG",
                        help="scenarios with this tag run in the worker that has a stack of its "
                             f"own (repeatable; default: {', '.join(sorted(ISOLATED_TAGS))})")
    parser.add_argument("--stacks", choices=("shared", "own"), default="shared",
                        help="one stack shared by the workers (default), or one per worker")
    args, behave_args = parser.parse_known_args(argv)
    isolated = frozenset(t.lstrip("@") for t in args.isolate) if args.isolate else ISOLATED_TAGS
    try:
        return run_parallel(behave_args, args.jobs, isolated, own_stacks=args.stacks == "own")
    except ConfigError as error:  # raised before anything is started
        print(f"ConfigError: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
