"""Session guard: the test suite leaves the temp dir as it found it.

Every test (and every process it starts: behave runs, servers, runners) gets a private temp
dir for the session (``TMPDIR``), so the check is exact even while other runs share /tmp. At
the end, anything left in it but pytest's own ``tmp_path`` root fails the session, by name;
a session without leftovers removes the private dir (pytest's tmp_path dirs with it), so
/tmp is as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

PYTEST_ROOTS = ("pytest-of-",)
SESSION_TMP = Path(tempfile.mkdtemp(prefix="stigmer-e2e-pytest-"))
os.environ["TMPDIR"] = str(SESSION_TMP)
tempfile.tempdir = str(SESSION_TMP)


def leftovers(root: Path = SESSION_TMP) -> list[str]:
    """What the suite left in its temp dir (pytest's own tmp_path root excepted)."""
    return sorted(entry.name for entry in root.iterdir()
                  if not entry.name.startswith(PYTEST_ROOTS))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    left = leftovers()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if left:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter is not None:
            reporter.write_line(f"LEAK: the tests left {len(left)} entries in the temp dir "
                                f"{SESSION_TMP}: {', '.join(left)}", red=True)
    if left:
        if reporter is not None:
            reporter.write_line(f"the session's temp dir is kept for inspection: {SESSION_TMP}")
    else:  # pytest's own tmp_path dirs go too: failures print what they need
        shutil.rmtree(SESSION_TMP, ignore_errors=True)
