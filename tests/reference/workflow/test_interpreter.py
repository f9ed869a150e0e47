"""The interpreter on fake effects: every task kind, flow control, failures, reports."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ai.stigmer.agentic.workflow.v1 import spec_pb2
from google.protobuf import json_format

from reference.runner.workflow.interpreter import ActivityFailure, Interpreter, activity_scope
from reference.workflow_dsl.expressions import resolve
from reference.workflow_dsl.validation import compile_tasks

URI = "${ $env.BASE + "


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

    def __init__(self, http: dict[str, Any] | None = None, stop_after: int | None = None,
                 status: int = 500):
        self.http = http or {}
        self.status = status
        self.running = 0
        self.concurrent = 0
        self.reports: list[dict[str, Any]] = []
        self.slept: list[float] = []
        self.clock = datetime(2026, 1, 1, tzinfo=UTC)
        self.stop_after = stop_after
        self.requests: list[dict[str, Any]] = []

    async def http_call(self, request: dict[str, Any]) -> Any:
        self.requests.append(request)
        uri = resolve(request["config"]["uri"], activity_scope(request, {}))
        answer = self.http.get(uri.removeprefix("b"))
        if answer is None:
            raise ActivityFailure(f"GET {uri} answered {self.status}", "HttpError", self.status)
        self.running += 1
        self.concurrent = max(self.concurrent, self.running)
        await asyncio.sleep(answer.get("delay", 0))
        self.running -= 1
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


def test_set_fills_data_and_export_as_is_an_expression() -> None:
    phase, interp, effects = run(plan(
        setv("a", n="${ 2 }", who="${ $input.message }", dot="${ . }", text="x ${ 1 }"),
        task("b", "set_vars", variables={"m": "${ $data.n * 10 }"},
             export={"as": "${ $context + {b_out: .} }"}),
        setv("c", seen="${ $context.b_out.m }", prev="${ $output.m }"),
    ))
    assert phase == "EXECUTION_COMPLETED"
    assert interp.state.data == {"n": 2, "who": "hi", "dot": None, "text": "x ${ 1 }",
                                 "m": 20, "seen": 20, "prev": 20}
    assert interp.state.context == {"b_out": {"m": 20}}
    assert final(effects)["output"] == interp.state.data
    statuses = [t["status"] for r in effects.reports for t in r.get("tasks", [])]
    assert statuses == ["WORKFLOW_TASK_IN_PROGRESS", "WORKFLOW_TASK_COMPLETED"] * 3


def test_switch_jumps_and_default_is_last_resort() -> None:
    steps = plan(
        setv("s", score="${ $input.message | length }"),
        task("decide", "switch_case", cases=[{"name": "other", "then": "low"},
                                            {"name": "mid", "when": "${ $data.score > 1 }",
                                             "then": "mid"}]),
        {**setv("low", grade="low"), "flow": {"then": "end"}},
        setv("mid", grade="mid"),
    )
    _, interp, effects = run(steps)
    assert interp.state.data["grade"] == "mid"
    assert "low" not in {t["task_name"] for r in effects.reports for t in r.get("tasks", [])}
    _, interp, _ = run(steps, input={"message": "x"})
    assert interp.state.data["grade"] == "low"


def test_for_each_binds_item_and_index_in_order() -> None:
    _, interp, effects = run(plan(
        setv("zero", total="${ 0 }", seen="${ [] }"),
        task("loop", "for_each", each="x", **{"in": "${ [1, 2, 3] }"},
             do=[setv("add", total="${ $data.total + $x * ($index + 1) }",
                      seen="${ $data.seen + [$x] }")]),
    ))
    assert interp.state.data["total"] == 14 and interp.state.data["seen"] == [1, 2, 3]
    assert interp.state.extra == {}
    ids = [t["task_id"] for r in effects.reports for t in r.get("tasks", [])]
    assert ids.index("loop[0]/add") < ids.index("loop[2]/add")


def test_fork_runs_branches_concurrently_and_merges() -> None:
    effects = FakeEffects({"/1": {"body": "one", "delay": 0.05}, "/2": {"body": "two"}})
    steps = plan(task("both", "fork", branches=[
        {"name": "a", "do": [task("fa", "http_call", endpoint={"uri": URI + '"/1" }'})]},
        {"name": "b", "do": [task("fb", "http_call", endpoint={"uri": URI + '"/2" }'})]}]))
    _, interp, _ = run(steps, effects)
    assert interp.state.data["fa"]["body"] == "one" and interp.state.data["fb"]["body"] == "two"
    assert effects.concurrent == 2


def test_fork_compete_keeps_the_first_branch() -> None:
    effects = FakeEffects({"/slow": {"body": "slow", "delay": 0.2}, "/fast": {"body": "fast"}})
    steps = plan(task("race", "fork", compete=True, branches=[
        {"name": "s", "do": [task("fs", "http_call", endpoint={"uri": URI + '"/slow" }'})]},
        {"name": "f", "do": [task("ff", "http_call", endpoint={"uri": URI + '"/fast" }'})]}],
        export={"as": "${ {winner: .} }"}))
    _, interp, _ = run(steps, effects)
    assert interp.state.data["ff"]["body"] == "fast" and "fs" not in interp.state.data
    assert list(interp.state.context["winner"]) == ["f"]


def test_try_catch_exposes_the_error_fields() -> None:
    _, interp, _ = run(plan(task("guard", "try_catch", **{
        "try": [task("boom", "raise_error", error="oops", message='${ "bad \\(1 + 1)" }')],
        "catch": {"as": "err", "do": [setv("recover", why="${ $err.detail }",
                                           where="${ $err.instance }", all="${ $err }")]}})))
    assert interp.state.data["why"] == "bad 2"
    assert interp.state.data["where"] == "guard/try/boom"
    assert set(interp.state.data["all"]) == {"type", "status", "title", "detail", "instance"}
    assert interp.state.extra == {}


def test_a_caught_http_error_keeps_its_status() -> None:
    effects = FakeEffects(status=503)
    _, interp, _ = run(plan(task("guard", "try_catch", **{
        "try": [task("call", "http_call", endpoint={"uri": URI + '"/x" }'})],
        "catch": {"do": [setv("keep", status="${ $error.status }", kind="${ $error.type }")]}})),
        effects)
    assert interp.state.data["status"] == 503
    assert interp.state.data["kind"].endswith("/errors/communication")


def test_uncaught_failure_fails_the_execution_naming_the_task() -> None:
    phase, _, effects = run(plan(task("fetch", "http_call", endpoint={"uri": URI + '"/x" }'}),
                                 setv("never", a="1")))
    assert phase == "EXECUTION_FAILED"
    assert final(effects)["error"] == 'task "fetch" failed: GET b/x answered 500'
    assert not any(t["task_name"] == "never" for r in effects.reports for t in r.get("tasks", []))


def test_expression_errors_name_the_task_and_the_field() -> None:
    phase, _, effects = run(plan(setv("peek", s="${ $data.x | error(\"nope\") }")))
    assert phase == "EXECUTION_FAILED"
    error = final(effects)["error"]
    assert error.startswith('task "peek" failed: expression error in taskConfig.variables.s')
    assert "nope" in error


def test_secrets_are_not_in_the_workflows_env() -> None:
    _, interp, _ = run(plan(setv("peek", s="${ $env.TOKEN }", b="${ $env.BASE }")),
                       secret_names=["TOKEN"])
    assert interp.state.data == {"s": None, "b": "b"}


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


def test_agent_call_output_is_in_data_and_can_be_exported() -> None:
    _, interp, _ = run(plan(task("ask", "agent_call", agent="greeter", message="hi",
                                 export={"as": "${ {said: .message} }"})), org="o1")
    assert interp.state.data["ask"]["message"] == "Hello!"
    assert interp.state.context == {"said": "Hello!"}


@pytest.mark.parametrize("items", ["${ 3 }", '${ "text" }'])
def test_for_each_needs_a_list(items: str) -> None:
    phase, _, effects = run(plan(task("loop", "for_each", **{"in": items},
                                      do=[setv("x", a="1")])))
    assert phase == "EXECUTION_FAILED" and "must give a list" in final(effects)["error"]


def test_now_in_an_expression_is_the_workflow_clock() -> None:
    _, interp, _ = run(plan(setv("stamp", at="${ now | todate }")))
    assert interp.state.data["at"] == "2026-01-01T00:00:00Z"
