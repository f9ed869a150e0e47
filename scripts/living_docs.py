#!/usr/bin/env python3
"""Render the living documentation of the suite: every feature and scenario with its latest
status, as Markdown and HTML, for product review.

    python scripts/living_docs.py                          # reports/latest, features/
    python scripts/living_docs.py --run reports/runs/<id> --features features

Statuses come from the run's JUnit XML (``<run>/junit``), skip reasons and artifact links from
its ``scenarios.json``. Writes ``<run>/living-docs.md`` and ``<run>/living-docs.html`` (every
run also writes them at its end).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.config import REPO_ROOT as ROOT
from harness.reporting.living_docs import write_living_docs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, default=ROOT / "reports" / "latest",
                        help="the run directory (default: reports/latest)")
    parser.add_argument("--features", type=Path, nargs="+", default=[ROOT / "features"],
                        help="feature files or directories (default: features/)")
    parser.add_argument("--junit", type=Path, default=None,
                        help="JUnit directory (default: <run>/junit)")
    args = parser.parse_args(argv)
    run_dir = args.run.resolve()
    if not run_dir.is_dir():
        parser.error(f"{args.run} is not a run directory (run behave features/ first)")
    for path in write_living_docs(args.features, run_dir, junit_dir=args.junit, root=ROOT):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
