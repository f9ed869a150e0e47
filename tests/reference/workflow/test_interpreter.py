"""The interpreter on fake effects: every task kind, flow control, failures, reports."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ai.stigmer.agentic.workflow.v1 import spec_pb2
from google.protobuf import json_format

from reference.runner.workflow.interpreter import ActivityFailure, Interpreter
from reference.workflow_dsl.validation import compile_tasks


def plan(*tasks: dict[str, Any]) -> list[dict[str, Any]]:
    body = json_format.ParseDict({"tasks": list(tasks)}, spec_pb2.WorkflowSpec())
    return compile_tasks(body.tasks)


def task(name: str, kind: str, **extra: Any) -> dict[str, Any]:
    meta = {k: extra.pop(k) for k in ("export", "flow") if k in extra}
    return {"name": name, "kind": kind, "taskConfig": extra, **meta}


def setv(name: str, **variables: str) -> dict[str, Any]:
    return task(name, "set_vars", variables=variables)


class FakeEffects:
    """Records reports and sleeps; HTTP and agent calls answer from dicts."""

    def __init__(self, http: dict[str, Any] | None = None, stop_after: int | None = None):
        self.http = http or {}
        self.reports: list[dict[str, Any]] = []
        self.slept: list[float] = []
        self.clock = datetime(2026, 1, 1, tzinfo=UTC)
        self.stop_after = stop_after
        self.requests: list[dict[str, Any]] = []

    async def http_call(self, request: dict[str, Any]) -> Any:
        self.requests.append(request)
        uri = request["config"]["uri"].replace("${ $env.BASE }", "")
        answer = self.http.get(uri)
        if answer is None:
            raise ActivityFailure(f"GET {uri} answered 500", "HttpError")
        await asyncio.sleep(answer.get("delay", 0))
        return {"status": 200, "body": answer["body"]}

    async def agent_call(self, request: dict[str, Any]) -> Any:
        return {"agent": request["config"]["agent"], "message": "Hello!"}

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock += timedelta(seconds=seconds)

    async def report(self, update: dict[str, Any]) -> bool:
        self.reports.append(update)
        return self.stop_after is None or len(self.reports) <= self.stop_after

    def now(self) -> datetime:
        return self.clock


def run(steps: list[dict[str, Any]], effects: FakeEffects | None = None,
        **params: Any) -> tuple[str, Interpreter, FakeEffects]:
    effects = effects or FakeEffects()
    interpreter = Interpreter({"execution_id": "wex-1", "plan": steps, "env": {"BASE": "b"},
                               "input": {"message": "hi"}, **params}, effects)
    return asyncio.run(interpreter.run()), interpreter, effects


def final(effects: FakeEffects) -> dict[str, Any]:
    return effects.reports[-1]


def test_set_and_export_build_the_context() -> None:
    phase, interp, effects = run(plan(
        setv("a", n="${ 2 }", who="${ $input.message }"),
        task("b", "set_vars", variables={"m": "${ .n * 10 }"}, export={"as": "b_out"}),
    ))
    assert phase == "EXECUTION_COMPLETED"
    assert interp.context == {"n": 2, "who": "hi", "m": 20, "b_out": {"m": 20}}
    assert final(effects)["output"] == interp.context
    statuses = [t["status"] for r in effects.reports for t in r.get("tasks", [])]
    assert statuses == ["WORKFLOW_TASK_IN_PROGRESS", "WORKFLOW_TASK_COMPLETED"] * 2


def test_switch_jumps_and_default_is_last_resort() -> None:
    steps = plan(
        setv("s", score="${ 55 }"),
        task("decide", "switch_case", cases=[{"name": "other", "then": "low"},
                                            {"name": "mid", "when": "${ .score > 50 }",
                                             "then": "mid"}]),
        {**setv("low", grade="low"), "flow": {"then": "end"}},
        setv("mid", grade="mid"),
    )
    _, interp, _ = run(steps)
    assert interp.context["grade"] == "mid"


def test_for_each_accumulates_and_cleans_up() -> None:
    _, interp, effects = run(plan(
        setv("zero", total="${ 0 }"),
        task("loop", "for_each", each="x", **{"in": "${ [1, 2, 3] }"},
             do=[setv("add", total="${ .total + .x * (.x_index + 1) }")]),
    ))
    assert interp.context == {"total": 14}
    ids = {t["task_id"] for r in effects.reports for t in r.get("tasks", [])}
    assert {"loop[0]/add", "loop[2]/add"} <= ids


def test_fork_runs_branches_concurrently_and_merges() -> None:
    effects = FakeEffects({"/1": {"body": "one", "delay": 0.05}, "/2": {"body": "two"}})
    steps = plan(task("both", "fork", branches=[
        {"name": "a", "do": [task("fa", "http_call", endpoint={"uri": "${ $env.BASE }/1"},
                                  export={"as": "a"})]},
        {"name": "b", "do": [task("fb", "http_call", endpoint={"uri": "${ $env.BASE }/2"},
                                  export={"as": "b"})]}]))
    _, interp, _ = run(steps, effects)
    assert interp.context["a"]["body"] == "one" and interp.context["b"]["body"] == "two"


def test_fork_compete_keeps_the_first_branch() -> None:
    effects = FakeEffects({"/slow": {"body": "slow", "delay": 0.2}, "/fast": {"body": "fast"}})
    steps = plan(task("race", "fork", compete=True, branches=[
        {"name": "s", "do": [task("fs", "http_call", endpoint={"uri": "${ $env.BASE }/slow"},
                                  export={"as": "got"})]},
        {"name": "f", "do": [task("ff", "http_call", endpoint={"uri": "${ $env.BASE }/fast"},
                                  export={"as": "got"})]}], export={"as": "winner"}))
    _, interp, _ = run(steps, effects)
    assert interp.context["got"]["body"] == "fast"
    assert list(interp.context["winner"]) == ["f"]


def test_try_catch_exposes_the_error() -> None:
    _, interp, _ = run(plan(task("guard", "try_catch", **{
        "try": [task("boom", "raise_error", error="oops", message="bad ${ 1 + 1 }")],
        "catch": {"as": "err", "do": [setv("recover", why="${ .err.message }")]}})))
    assert interp.context["why"] == "bad 2"
    assert interp.context["err"] == {"message": "bad 2", "task": "boom", "type": "oops"}


def test_uncaught_failure_fails_the_execution_naming_the_task() -> None:
    phase, _, effects = run(plan(task("fetch", "http_call", endpoint={"uri": "${ $env.BASE }/x"}),
                                 setv("never", a="1")))
    assert phase == "EXECUTION_FAILED"
    assert final(effects)["error"] == 'task "fetch" failed: GET /x answered 500'
    assert not any(t["task_name"] == "never" for r in effects.reports for t in r.get("tasks", []))


def test_expression_errors_fail_the_task_and_secrets_stay_out() -> None:
    phase, _, effects = run(plan(setv("peek", s="${ $secret.TOKEN }")))
    assert phase == "EXECUTION_FAILED"
    assert "only available to http_call and agent_call" in final(effects)["error"]


def test_wait_uses_durable_sleep() -> None:
    _, _, effects = run(plan(task("nap", "wait", duration={"minutes": 1, "milliseconds": 500})))
    assert effects.slept == [60.5]


def test_wait_until_a_timestamp() -> None:
    _, _, effects = run(plan(task("nap", "wait", until="2026-01-01T00:00:10Z")))
    assert effects.slept == [10.0]


def test_flow_then_loops_are_bounded() -> None:
    steps = plan({**setv("a", x="1"), "flow": {"then": "a"}})
    phase, _, effects = run(steps)
    assert phase == "EXECUTION_FAILED" and "task steps" in final(effects)["error"]


def test_stops_when_the_server_says_the_execution_is_over() -> None:
    phase, _, effects = run(plan(setv("a", x="1"), setv("b", y="2")), FakeEffects(stop_after=2))
    assert phase == "stopped"
    assert len(effects.reports) == 3


def test_agent_call_output_is_exported() -> None:
    _, interp, _ = run(plan(task("ask", "agent_call", agent="greeter", message="hi",
                                       export={"as": "said"})), org="o1")
    assert interp.context["said"]["message"] == "Hello!"


@pytest.mark.parametrize("items", ["${ 3 }", "${ 'text' }"])
def test_for_each_needs_a_list(items: str) -> None:
    phase, _, effects = run(plan(task("loop", "for_each", **{"in": items},
                                      do=[setv("x", a="1")])))
    assert phase == "EXECUTION_FAILED" and "in must give a list" in final(effects)["error"]
