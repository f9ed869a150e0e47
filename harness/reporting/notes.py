"""What the hooks know about scenarios that JUnit does not keep: why a scenario was skipped
and where its artifacts are. Saved as ``<run>/scenarios.json`` for the living docs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

FILE_NAME = "scenarios.json"


def scenario_key(feature: str, scenario: str) -> str:
    return f"{feature} :: {scenario}"


@dataclass
class ScenarioNotes:
    """Skip reasons and artifact folders (relative to the run directory), by scenario."""

    skips: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)

    def skipped(self, feature: str, scenario: str, reason: str) -> None:
        self.skips[scenario_key(feature, scenario)] = reason

    def artifacts_at(self, feature: str, scenario: str, relative: str) -> None:
        self.artifacts[scenario_key(feature, scenario)] = relative

    def merge(self, other: ScenarioNotes, prefix: str = "") -> None:
        """Add another run's notes; its artifact paths are relative to ``prefix``."""
        self.skips.update(other.skips)
        for key, path in other.artifacts.items():
            self.artifacts[key] = f"{prefix}{path}"

    def save(self, run_dir: Path) -> Path:
        path = run_dir / FILE_NAME
        path.write_text(json.dumps({"skips": self.skips, "artifacts": self.artifacts},
                                   indent=2, sort_keys=True) + "\n")
        return path

    @classmethod
    def load(cls, run_dir: Path) -> ScenarioNotes:
        try:
            data = json.loads((run_dir / FILE_NAME).read_text())
        except (OSError, ValueError):
            return cls()
        return cls(dict(data.get("skips", {})), dict(data.get("artifacts", {})))
