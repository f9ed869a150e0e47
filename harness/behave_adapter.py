"""The only module that knows behave: hook implementations over the plain harness."""

from __future__ import annotations

import atexit
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from behave import fixture, use_fixture
from behave.model import Scenario

from harness.artifacts import log_sizes, safe_name, write_scenario_artifacts
from harness.config import ConfigError, SuiteConfig, load_config
from harness.prerequisites import PrerequisiteReport, check_all
from harness.stack.stack import Stack, build_stack
from harness.world import ScenarioWorld

EXECUTION_TAGS = {"requires-temporal", "requires-llm"}


def progress(message: str) -> None:
    """Progress lines for long phases go to stderr, unbuffered, outside behave's capture."""
    print(message, file=sys.__stderr__, flush=True)


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _new_run_dir(config: SuiteConfig) -> Path:
    run_dir = config.results_path / "runs" / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    run_dir.mkdir(parents=True, exist_ok=True)
    latest = config.results_path / "latest"
    try:
        if latest.is_symlink() or latest.exists():
            latest.unlink()
        latest.symlink_to(run_dir.relative_to(config.results_path))
    except OSError:
        pass
    return run_dir


@fixture
def stigmer_stack(context, config: SuiteConfig, report: PrerequisiteReport,
                  run_dir: Path) -> Iterator[Stack]:
    """The stack for the whole run: started once, stopped for sure (also on Ctrl-C)."""
    stack = build_stack(config, report, run_dir, progress)
    atexit.register(stack.stop)
    try:
        progress(f"[stack] starting ({stack.info.provider}) ...")
        stack.start()
        yield stack
    finally:
        progress("[stack] stopping ...")
        stack.stop()
        progress("[stack] stopped")


def before_all(context) -> None:
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        config = load_config(context.config.userdata)
    except ConfigError as error:
        progress(f"Configuration error: {error}")
        raise
    context.suite_config = config
    context.run_state = {"notes_reported": 0}
    context.run_dir = _new_run_dir(config)
    report = check_all(config)
    context.prerequisites = report
    summary = report.summary()
    (context.run_dir / "prerequisites.txt").write_text(summary + "\n")
    progress(summary)
    context.stack = None
    if report.results["stigmer"].ok:
        context.stack = use_fixture(stigmer_stack, context, config, report, context.run_dir)
        _report_new_stack_notes(context)


def _report_new_stack_notes(context) -> None:
    notes = context.stack.info.notes
    for note in notes[context.run_state["notes_reported"]:]:
        progress(f"[stack] {note}")
    context.run_state["notes_reported"] = len(notes)


def before_feature(context, feature) -> None:
    return None


def before_scenario(context, scenario: Scenario) -> None:
    tags = list(scenario.effective_tags)
    missing = context.prerequisites.missing_for_tags(tags)
    if missing or context.stack is None:
        reason = "; ".join(result.skip_reason() for result in missing) or "no Stigmer stack"
        progress(f"SKIPPED {scenario.name}: {reason}")
        scenario.skip(reason=reason)
        return
    if EXECUTION_TAGS.intersection(tags):
        context.stack.ensure_execution_services()
        _report_new_stack_notes(context)
    context.log_offsets = log_sizes(_local_logs(context.stack))
    context.world = ScenarioWorld(context.suite_config, context.stack.info.server_address,
                                  scenario.name)


def _local_logs(stack: Stack) -> list[Path]:
    log_dir = getattr(stack, "log_dir", None)
    return sorted(log_dir.glob("*.log")) if log_dir and log_dir.exists() else []


def after_scenario(context, scenario: Scenario) -> None:
    world: ScenarioWorld | None = getattr(context, "world", None)
    if world is None:
        return
    failed = scenario.status.name in ("failed", "error", "hook_error")
    if failed or context.suite_config.keep_artifacts == "always":
        dest = (context.run_dir / "artifacts" / safe_name(scenario.feature.name)
                / safe_name(scenario.name))
        write_scenario_artifacts(
            dest, redactor=world.redactor,
            prerequisites=context.prerequisites.summary(),
            transcript=world.transcript(), cli_transcript=world.cli_transcript(),
            log_files=context.stack.log_files(), log_offsets=context.log_offsets,
        )
        progress(f"[artifacts] {scenario.name}: {dest}")
    world.close()
    context.world = None


def after_all(context) -> None:
    if getattr(context, "run_dir", None):
        progress(f"[report] results of this run: {context.run_dir}")
