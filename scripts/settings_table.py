"""Print the README's configuration table from ``harness.config.SETTINGS``.

    python scripts/settings_table.py            # print the table
    python scripts/settings_table.py --write    # replace the table in README.md
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.config import REPO_ROOT, SETTINGS

HEADER = "| key | default | meaning |\n|---|---|---|\n"


def table() -> str:
    """The Markdown table, one row per setting, in SETTINGS order."""
    rows = "".join(f"| `{s.key}` | `{s.default}` | {s.help} |\n" for s in SETTINGS)
    return HEADER + rows


def replace_in(text: str) -> str:
    """``text`` with its configuration table (the one starting with HEADER) replaced."""
    start = text.index(HEADER)
    end = start + len(HEADER)
    while text.startswith("| `", end):
        end = text.index("\n", end) + 1
    return text[:start] + table() + text[end:]


def main(argv: list[str]) -> int:
    if "--write" in argv:
        readme = REPO_ROOT / "README.md"
        readme.write_text(replace_in(readme.read_text()))
    else:
        sys.stdout.write(table())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
