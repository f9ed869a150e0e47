"""behave hooks: lifecycle only. config -> prerequisites -> stack (a fixture for the whole
run) -> per-scenario isolation and skips -> artifacts on failure -> teardown.

Everything else lives in ``harness``; see ``harness/behave/hooks.py``.
"""

from harness.behave.hooks import (  # noqa: F401 - behave looks these hooks up by name
    after_all,
    after_scenario,
    before_all,
    before_feature,
    before_scenario,
)
