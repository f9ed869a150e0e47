"""The only module that knows behave: hook implementations over the plain harness."""

from __future__ import annotations

import atexit
import signal
from collections.abc import Iterator
from pathlib import Path

from behave import fixture, use_fixture
from behave.model import Scenario

from harness.behave.html_report import HtmlReport
from harness.checks.prerequisites import PrerequisiteReport, check_all, check_contract
from harness.checks.secret_scan import record_masked
from harness.config import ConfigError, SuiteConfig, load_config
from harness.doubles.fixture_http import FixtureHttpServer
from harness.reporting.notes import ScenarioNotes
from harness.reporting.progress import ProgressLog, phase
from harness.reporting.run_dir import relocate, result_roots, run_directory
from harness.reporting.run_end import finish_run
from harness.runs.leaks import LeakError, LeakGuard
from harness.scenario.artifacts import log_sizes, safe_name, write_scenario_artifacts, write_text
from harness.scenario.watchdog import Watchdog
from harness.scenario.world import ScenarioWorld
from harness.secrets import (
    redact_tree,
    register_config_secrets,
    run_redactor,
)
from harness.stack.build import build_stack
from harness.stack.runners import runner_skip_reason
from harness.stack.stack import Stack
from harness.teardown import exit_if_signalled, hold_until_exit

EXECUTION_TAGS = {"requires-temporal", "requires-llm"}
HANG_DUMP = "hang-stacks.txt"


class TargetStop(RuntimeError):
    """The target cannot be tested at all (unreachable, or another API generation)."""



#: Progress lines for long phases: stderr, unbuffered, outside behave's capture; and
#: ``<run>/progress.log`` once the run directory is known.
progress = ProgressLog()


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _new_run_dir(context, config: SuiteConfig) -> Path:
    """This run's results directory (see harness.reporting.run_dir); JUnit goes there too."""
    run_dir = run_directory(config.results_path)
    progress.attach(run_dir / "progress.log")
    if context.config.junit_directory:
        context.config.junit_directory = str(relocate(
            context.config.junit_directory, run_dir, result_roots(config.results_path)))
    return run_dir


@fixture
def stigmer_stack(context, config: SuiteConfig, report: PrerequisiteReport,
                  run_dir: Path) -> Iterator[Stack]:
    """The stack for the whole run: started once, stopped for sure (also on Ctrl-C)."""
    stack = build_stack(config, report, run_dir, progress)
    atexit.register(stack.stop)
    try:
        with phase(progress, f"[stack] starting ({stack.info.provider})"):
            stack.start()
        yield stack
    finally:
        _stop_stack(context, stack, run_dir)


def _stop_stack(context, stack: Stack, run_dir: Path) -> None:
    """Stop the stack and mask the secrets in its copied logs (once: after_all does it, the
    fixture's clean-up then has nothing left to do)."""
    if context.run_state.get("stack_stopped"):
        return
    with phase(progress, "[stack] stopping"):
        stack.stop()
    record_masked(run_dir, redact_tree(run_dir / "logs"))
    context.run_state["stack_stopped"] = True


@fixture
def fixture_http(context, stack: Stack) -> Iterator[FixtureHttpServer]:
    """The fixture JSON API workflows call, on the addresses the agent-runner can reach."""
    server = FixtureHttpServer(stack.info.host_addresses).start()
    try:
        yield server
    finally:
        server.stop()


def before_all(context) -> None:
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        config = load_config(context.config.userdata)
    except ConfigError as error:
        progress(f"Configuration error: {error}")
        raise
    context.suite_config = config
    context.watchdog = Watchdog(config.scenario_timeout)
    context.run_state = {"notes_reported": 0}
    context.run_dir = _new_run_dir(context, config)
    context.leak_guard = LeakGuard.begin(context.run_dir, config.results_path,
                                         config.compose_project_prefix, progress)
    register_config_secrets(config)
    context.scenario_notes = ScenarioNotes()
    context.html_report = HtmlReport.of(context)
    report = check_all(config)
    context.prerequisites = report
    _write_summary(context, report)
    _stop_if_untestable(context, report)
    context.stack = None
    if report.results["stigmer"].ok:
        context.stack = use_fixture(stigmer_stack, context, config, report, context.run_dir)
        if config.target != "external":  # the embedded server's contract, now it is up
            report.results["contract"] = check_contract(config, context.stack.info.server_address)
            progress(f"[stack] contract: {report.results['contract'].detail}")
            (context.run_dir / "prerequisites.txt").write_text(report.summary() + "\n")
            _stop_if_untestable(context, report)
        context.fixture_http = use_fixture(fixture_http, context, context.stack)
        _report_new_stack_notes(context)


def _write_summary(context, report: PrerequisiteReport) -> None:
    summary = report.summary()
    (context.run_dir / "prerequisites.txt").write_text(summary + "\n")
    progress(summary)


def _stop_if_untestable(context, report: PrerequisiteReport) -> None:
    """One clear line and a stopped run (nothing left running) when no scenario can run."""
    reason = report.stop_reason()
    if reason is None:
        return
    stack = getattr(context, "stack", None)
    if stack is not None:
        stack.stop()
    progress(f"STOPPED: {reason}")
    raise TargetStop(reason)


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
    profile_reason = context.suite_config.target_profile.skip_reason(tags)
    runner_reason = runner_skip_reason(context.suite_config.runner, tags)
    if missing or context.stack is None or profile_reason or runner_reason:
        reason = ("; ".join(result.skip_reason() for result in missing) or profile_reason
                  or runner_reason or "no Stigmer stack")
        progress(f"SKIPPED {scenario.name}: {reason}")
        scenario.skip(reason=reason)
        context.html_report.before_scenario_finished("skipped")
        return
    context.watchdog.arm(scenario.name)  # disarmed first thing in after_scenario
    if EXECUTION_TAGS.intersection(tags):
        _ensure_execution_services(context)
    context.log_offsets = log_sizes(_local_logs(context.stack))
    context.world = ScenarioWorld(context.suite_config, context.stack.info.server_address,
                                  scenario.name)
    context.world.fixture_api_url = context.fixture_http.url(context.stack.info.runner_host)
    context.world.start_execution_services = lambda: _start_services_late(context, scenario)
    context.html_report.before_scenario_finished("passed")


def _ensure_execution_services(context) -> None:
    """Started (and timed) the first time a scenario needs them; later calls are free."""
    if context.run_state.get("services_started"):
        context.stack.ensure_execution_services()
        return
    with phase(progress, "[stack] execution services (LLM, Temporal, agent-runner)"):
        context.stack.ensure_execution_services()
    context.run_state["services_started"] = True
    _report_new_stack_notes(context)


def _start_services_late(context, scenario: Scenario) -> bool:
    """A scenario whose tags do not say it runs executions ran one and Stigmer answered
    UNAVAILABLE: bring the execution services up now (True), or say how to tag it."""
    if context.run_state.get("services_started"):
        return False
    missing = context.prerequisites.missing_for_tags(sorted(EXECUTION_TAGS))
    if missing:
        raise AssertionError(
            f"the scenario {scenario.name!r} runs an execution, which needs Temporal, the "
            f"agent-runner and a model, and they cannot run here ("
            + "; ".join(result.skip_reason() for result in missing)
            + "): tag it @requires-temporal (and @requires-llm when it needs a model's "
            "answer) so that it is skipped where they are missing")
    progress(f"[stack] {scenario.name}: runs an execution without @requires-temporal; "
             "starting the execution services for it")
    _ensure_execution_services(context)
    return True


def _local_logs(stack: Stack) -> list[Path]:
    log_dir = Path(stack.info.log_dir) if stack.info.log_dir else None
    return sorted(log_dir.glob("*.log")) if log_dir and log_dir.exists() else []


def after_scenario(context, scenario: Scenario) -> None:
    hang_dump = context.watchdog.disarm() if getattr(context, "watchdog", None) else None
    if scenario.status.name == "skipped" and getattr(scenario, "skip_reason", None):
        # Skipped here or by a step: the living docs say why.
        context.scenario_notes.skipped(scenario.feature.name, scenario.name,
                                       str(scenario.skip_reason))
    world: ScenarioWorld | None = getattr(context, "world", None)
    if world is None:
        if hang_dump:  # stopped by the watchdog before the scenario's world existed
            write_text(_artifact_dir(context, scenario) / HANG_DUMP, hang_dump, run_redactor())
        context.html_report.after_scenario_finished(scenario.status.name)
        return
    failed = scenario.status.name in ("failed", "error", "hook_error") or bool(hang_dump)
    if failed or context.suite_config.keep_artifacts == "always":
        dest = _artifact_dir(context, scenario)
        written = write_scenario_artifacts(
            dest, redactor=world.redactor,
            prerequisites=context.prerequisites.summary(),
            transcript=world.transcript(), cli_transcript=world.cli_transcript(),
            log_files=context.stack.log_files(), log_offsets=context.log_offsets,
        )
        if hang_dump:
            written.append(write_text(dest / HANG_DUMP, hang_dump, world.redactor))
        context.html_report.attach_artifacts(dest, written)
        context.scenario_notes.artifacts_at(scenario.feature.name, scenario.name,
                                            dest.relative_to(context.run_dir).as_posix())
        progress(f"[artifacts] {scenario.name}: {dest}")
    world.close()
    context.world = None
    context.html_report.after_scenario_finished("passed")  # this hook did its job


def _artifact_dir(context, scenario: Scenario) -> Path:
    return (context.run_dir / "artifacts" / safe_name(scenario.feature.name)
            / safe_name(scenario.name))


def after_all(context) -> None:
    """The run's final teardown: from its first line to the process's end a signal only sets
    the exit status (harness.teardown.hold_until_exit), so the clean-ups behave runs after this
    hook (the fixtures', now no-ops) cannot be cut short either."""
    hold_until_exit()
    if getattr(context, "watchdog", None):
        context.watchdog.disarm()  # e.g. when an aborted scenario never reached after_scenario
    leaks = _stop_and_find_leaks(context)
    if getattr(context, "run_dir", None):
        finish_run(context.run_dir, context.scenario_notes, context.config.paths, progress)
        progress(f"[report] results of this run: {context.run_dir}")
    if leaks:
        raise LeakError("this run left processes or containers behind (now removed): "
                        + "; ".join(leaks))
    exit_if_signalled()


def _stop_and_find_leaks(context) -> list[str]:
    """Stop the stack now (its fixture cleanup, after after_all, is then a no-op) and list
    whatever the run started that survived (harness.runs.leaks); a non-empty list fails the run."""
    guard = getattr(context, "leak_guard", None)
    if guard is None:
        return []
    if getattr(context, "fixture_http", None) is not None:
        context.fixture_http.stop()
    if getattr(context, "stack", None) is not None:
        _stop_stack(context, context.stack, context.run_dir)
    return guard.verify(progress)
