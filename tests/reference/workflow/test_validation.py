"""Workflow validation: problems name the task and field; a valid spec compiles to a plan."""

from __future__ import annotations

from typing import Any

import pytest
from ai.stigmer.agentic.workflow.v1 import spec_pb2
from google.protobuf import json_format

from reference.workflow_dsl.validation import WorkflowInvalid, compile_tasks, validate_spec

DOC = {"dsl": "1.0.0", "namespace": "t", "name": "w", "version": "1.0.0"}


def spec(*tasks: dict[str, Any], document: dict | None = DOC) -> spec_pb2.WorkflowSpec:
    body: dict[str, Any] = {"tasks": list(tasks)}
    if document is not None:
        body["document"] = document
    return json_format.ParseDict(body, spec_pb2.WorkflowSpec())


def task(name: str, kind: str, **config: Any) -> dict[str, Any]:
    return {"name": name, "kind": kind, "taskConfig": config}


def problems_of(workflow: spec_pb2.WorkflowSpec) -> list[str]:
    with pytest.raises(WorkflowInvalid) as caught:
        validate_spec(workflow)
    return caught.value.problems


def test_valid_spec_compiles_to_a_plain_plan() -> None:
    plan = validate_spec(spec(
        task("start", "set_vars", variables={"a": "1"}),
        task("fetch", "http_call", endpoint={"uri": '${ $env.BASE + "/x" }'}),
        task("loop", "for_each", each="i", **{"in": "${ $data.xs }"},
             do=[task("inner", "set_vars", variables={"v": "${ [$i, $index] }"})]),
    ))
    assert [step["name"] for step in plan] == ["start", "fetch", "loop"]
    assert plan[1]["config"]["method"] == "GET"
    assert plan[2]["config"]["do"][0]["config"] == {"variables": {"v": "${ [$i, $index] }"}}


@pytest.mark.parametrize(("tasks", "expected"), [
    ([task("a", "set_vars", variables={"x": "1"}), task("b", "wait", duration={"seconds": 1}),
      task("fetch", "http_call", method="GET")],
     'tasks[2] "fetch": http call needs endpoint.uri'),
    ([task("a", "grpc_call", service="x")], 'tasks[0] "a": unknown or unsupported task kind'),
    ([{"name": "a", "taskConfig": {}}], 'tasks[0] "a": kind is required'),
    ([task("a", "set_vars", variables={"x": "1"}), task("a", "set_vars", variables={"y": "1"})],
     'tasks[1] "a": duplicate task name (also tasks[0])'),
    ([task("s", "switch_case", cases=[{"when": "${ true }", "then": "nowhere"}])],
     "cases[0].then refers to undefined task 'nowhere'"),
    ([{**task("a", "set_vars", variables={"x": "1"}), "flow": {"then": "ghost"}}],
     "flow.then refers to undefined task 'ghost'"),
    ([task("bad-name", "set_vars", variables={"x": "1"})], "name must be letters"),
    ([task("a", "http_call", endpoint={"uri": "ftp://x"})], "must be an http(s) URL"),
    ([task("a", "set_vars", variables={"x": "${ .y == }"})],
     'tasks[0] "a": invalid expression in taskConfig.variables.x'),
    ([task("a", "set_vars", variables={"x": "${ $secret.TOKEN }"})],
     'tasks[0] "a": invalid expression in taskConfig.variables.x: jq: error: $secret is not '
     'defined'),
    ([task("a", "set_vars", variables={"x": "${ $item }"})], "$item is not defined"),
    ([{**task("a", "set_vars", variables={"x": "1"}), "export": {"as": "${ {a: } }"}}],
     'tasks[0] "a": invalid expression in export.as'),
    ([task("l", "for_each", each="x", **{"in": ".xs"}, do=[task("i", "wait", duration={})])],
     "in must be a runtime expression"),
    ([task("a", "http_call", endpoint={"uri": "${ $env.BASE }/x"})],
     "must be an http(s) URL, got '${ $env.BASE }/x'"),
    ([task("t", "try_catch", **{"try": [task("x", "raise_error", message="m")],
                                "catch": {"as": "oops", "do": [
                                    task("y", "set_vars", variables={"a": "${ $error }"})]}})],
     "$error is not defined"),
    ([task("a", "wait", bogus=1)], 'tasks[0] "a": invalid task_config'),
    ([task("f", "fork", branches=[{"name": "x", "do": []}])], "branches[0] 'x' needs"),
    ([task("l", "for_each", do=[task("i", "set_vars", variables={"a": "1"})])],
     "for needs in"),
    ([task("t", "try_catch", **{"try": [task("x", "raise_error", message="m")],
                                "catch": {"do": [task("x", "set_vars", variables={"a": "1"})]}})],
     'tasks[0].catch.do[0] "x": duplicate task name'),
    ([task("c", "agent_call", message="hi")], "agent call needs agent"),
])
def test_problems_point_at_the_task(tasks: list[dict], expected: str) -> None:
    problems = problems_of(spec(*tasks))
    assert any(expected in p for p in problems), problems


def test_document_and_tasks_are_required() -> None:
    problems = problems_of(spec(document=None))
    assert "spec.document is required" in problems[0]
    assert any("at least one task" in p for p in problems)


def test_nested_paths_are_reported() -> None:
    with pytest.raises(WorkflowInvalid, match=r'tasks\[0\]\.do\[0\] "inner": http call needs'):
        compile_tasks(spec(task("loop", "for_each", **{"in": "${ $data.x }"},
                                do=[task("inner", "http_call")])).tasks)
