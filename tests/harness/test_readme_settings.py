"""The README's configuration table is the one rendered from harness.config.SETTINGS."""

from __future__ import annotations

import importlib.util

from harness.config import REPO_ROOT


def test_the_readme_table_is_rendered_from_settings() -> None:
    spec = importlib.util.spec_from_file_location(
        "settings_table", REPO_ROOT / "scripts" / "settings_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    readme = (REPO_ROOT / "README.md").read_text()
    assert module.table() in readme, "run: python scripts/settings_table.py --write"
    assert module.replace_in(readme) == readme
