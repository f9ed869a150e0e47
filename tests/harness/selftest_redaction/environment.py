"""The suite's own hooks for the redaction self-test (run by
tests/harness/reporting/test_redaction_reports.py, never by ``behave features/``)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from harness.behave.hooks import (  # noqa: F401 - behave looks these hooks up by name
    after_all,
    after_scenario,
    before_all,
    before_feature,
    before_scenario,
)
