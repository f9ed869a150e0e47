"""Validate a workflow's tasks against the official task configs and compile them into a
plain, JSON-able plan the runner's interpreter executes.

Problems are reported with the task's position and name, e.g.
``tasks[2] "fetch": http call needs endpoint.uri``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

from ai.stigmer.agentic.workflow.v1 import enum_pb2, spec_pb2
from ai.stigmer.agentic.workflow.v1.tasks import (
    agent_call_pb2,
    for_pb2,
    fork_pb2,
    http_call_pb2,
    raise_pb2,
    set_pb2,
    switch_pb2,
    try_pb2,
    wait_pb2,
)
from google.protobuf import json_format
from google.protobuf.message import Message

from .expressions import check_templates, is_expression

NESTED = {"for_each": ("do",), "try_catch": ("try", "catch"), "fork": ("branches",)}
JQ_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")

Kind = enum_pb2.WorkflowTaskKind
CONFIGS: dict[int, type[Message]] = {
    Kind.set_vars: set_pb2.SetTaskConfig,
    Kind.http_call: http_call_pb2.HttpCallTaskConfig,
    Kind.switch_case: switch_pb2.SwitchTaskConfig,
    Kind.for_each: for_pb2.ForTaskConfig,
    Kind.fork: fork_pb2.ForkTaskConfig,
    Kind.try_catch: try_pb2.TryTaskConfig,
    Kind.wait: wait_pb2.WaitTaskConfig,
    Kind.raise_error: raise_pb2.RaiseTaskConfig,
    Kind.agent_call: agent_call_pb2.AgentCallTaskConfig,
}
SUPPORTED = ", ".join(Kind.Name(kind) for kind in CONFIGS)
FLOW_DIRECTIVES = ("end", "exit", "continue")
DSL_VERSION = "1.0.0"
TASK_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")


class WorkflowInvalid(ValueError):
    """The workflow's tasks are invalid; ``problems`` lists every finding."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def validate_spec(spec: spec_pb2.WorkflowSpec) -> list[dict[str, Any]]:
    """Check the document header and the tasks (the protos' rules plus ours); the plan."""
    problems: list[str] = []
    if not spec.HasField("document"):
        problems.append("spec.document is required (dsl 1.0.0, namespace, name, version)")
    else:
        doc = spec.document
        problems += [f"spec.document.{f} is required" for f in ("namespace", "name", "version")
                     if not getattr(doc, f).strip()]
        if doc.dsl and doc.dsl != DSL_VERSION:
            problems.append(f"spec.document.dsl must be {DSL_VERSION}, got {doc.dsl!r}")
    plan: list[dict[str, Any]] = []
    try:
        plan = compile_tasks(spec.tasks)
    except WorkflowInvalid as exc:
        problems += exc.problems
    if problems:
        raise WorkflowInvalid(problems)
    return plan


def compile_tasks(tasks: Sequence[spec_pb2.WorkflowTask]) -> list[dict[str, Any]]:
    """The plan of ``tasks``; raises :class:`WorkflowInvalid` listing every problem."""
    compiler = _Compiler()
    if not tasks:
        compiler.problems.append("spec.tasks: a workflow needs at least one task")
        raise WorkflowInvalid(compiler.problems)
    plan = compiler.block(tasks, "tasks")
    if compiler.problems:
        raise WorkflowInvalid(compiler.problems)
    return plan


class _Compiler:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.names: dict[str, str] = {}
        self.variables: tuple[str, ...] = ()  # loop / catch variables in scope

    def block(self, tasks: Sequence[spec_pb2.WorkflowTask], path: str) -> list[dict[str, Any]]:
        plan = [self.task(task, f"{path}[{i}]") for i, task in enumerate(tasks)]
        names = {step["name"] for step in plan}
        for step, where in zip(plan, (f"{path}[{i}]" for i in range(len(plan))), strict=True):
            targets = [("flow.then", step["then"])] if step["then"] else []
            if step["kind"] == "switch_case":
                targets += [(f"cases[{i}].then", case["then"])
                            for i, case in enumerate(step["config"]["cases"])]
            for field, target in targets:
                if target and target not in names and target not in FLOW_DIRECTIVES:
                    self.fail(where, step["name"],
                              f"{field} refers to undefined task {target!r} "
                              f"(tasks here: {', '.join(sorted(names))}; or end/exit/continue)")
        return plan

    def fail(self, where: str, name: str, problem: str) -> None:
        self.problems.append(f'{where} "{name}": {problem}' if name else f"{where}: {problem}")

    def task(self, task: spec_pb2.WorkflowTask, where: str) -> dict[str, Any]:
        name = task.name.strip()
        step: dict[str, Any] = {"name": name, "kind": "", "config": {},
                                "export": getattr(task.export, "as"), "then": task.flow.then}
        if not name:
            self.fail(where, "", "name is required")
        elif not TASK_NAME.match(name):
            self.fail(where, name, "name must be letters, digits and underscores, not starting "
                                   "with a digit (^[a-zA-Z_][a-zA-Z0-9_]*$)")
        elif name in self.names:
            self.fail(where, name, f"duplicate task name (also {self.names[name]})")
        else:
            self.names[name] = where
        if task.kind == Kind.workflow_task_kind_unspecified:
            self.fail(where, name, f"kind is required (supported: {SUPPORTED})")
            return step
        if task.kind not in CONFIGS:
            label = Kind.Name(task.kind) if task.kind in Kind.values() else str(task.kind)
            self.fail(where, name, f"unknown or unsupported task kind {label} "
                                   f"(supported: {SUPPORTED})")
            return step
        step["kind"] = Kind.Name(task.kind)
        raw = json_format.MessageToDict(task.task_config)
        config = CONFIGS[task.kind]()
        try:
            json_format.ParseDict(raw, config)
        except json_format.ParseError as error:
            problem = str(error).split("\n")[0].replace("ai.stigmer.agentic.workflow.v1.", "")
            self.fail(where, name, f"invalid task_config: {problem}")
            return step
        own = {k: v for k, v in raw.items() if k not in NESTED.get(step["kind"], ())}
        for problem in check_templates(own, "taskConfig", self.variables):
            self.fail(where, name, f"invalid expression in {problem}")
        for problem in check_templates(step["export"], "export.as", self.variables):
            self.fail(where, name, f"invalid expression in {problem}")
        step["config"] = self.config(task.kind, config, where, name)
        return step

    def scoped(self, names: tuple[str, ...], tasks: Sequence[spec_pb2.WorkflowTask],
               path: str) -> list[dict[str, Any]]:
        """Compile ``tasks`` with the extra expression variables ``names`` in scope."""
        saved = self.variables
        self.variables = (*saved, *names)
        try:
            return self.block(tasks, path)
        finally:
            self.variables = saved

    def config(self, kind: int, config: Any, where: str, name: str) -> dict[str, Any]:
        plain = json_format.MessageToDict(config, preserving_proto_field_name=True)
        check = getattr(self, f"_{Kind.Name(kind)}")
        return check(config, plain, where, name)

    # ---- per kind: check and normalize --------------------------------------------------

    def _set_vars(self, config: Any, plain: dict, where: str, name: str) -> dict:
        if not config.variables:
            self.fail(where, name, "set needs at least one entry in variables")
        return {"variables": dict(config.variables)}

    def _http_call(self, config: Any, plain: dict, where: str, name: str) -> dict:
        uri = config.endpoint.uri.strip()
        method = (config.method or "GET").upper()
        if not uri:
            self.fail(where, name, "http call needs endpoint.uri")
        elif not is_expression(uri) and urlparse(uri).scheme not in ("http", "https"):
            self.fail(where, name, f"endpoint.uri must be an http(s) URL, got {uri!r}")
        if method not in HTTP_METHODS:
            self.fail(where, name, f"method {config.method!r} is not one of "
                                   f"{', '.join(HTTP_METHODS)}")
        return {"method": method, "uri": uri, "headers": dict(config.headers),
                "body": plain.get("body"), "timeout_seconds": config.timeout_seconds or 30}

    def _switch_case(self, config: Any, plain: dict, where: str, name: str) -> dict:
        if not config.cases:
            self.fail(where, name, "switch needs at least one case")
        defaults = 0
        for index, case in enumerate(config.cases):
            if not case.then:
                self.fail(where, name, f"cases[{index}] needs then (a task name or end)")
            defaults += not case.when.strip()
        if defaults > 1:
            self.fail(where, name, "switch has more than one default case (a case without when)")
        return {"cases": [{"name": c.name or f"case{i}", "when": c.when.strip(), "then": c.then}
                          for i, c in enumerate(config.cases)]}

    def _for_each(self, config: Any, plain: dict, where: str, name: str) -> dict:
        if not getattr(config, "in").strip():
            self.fail(where, name, "for needs in (an expression giving a list)")
        if not config.do:
            self.fail(where, name, "for needs at least one task in do")
        each = config.each or "item"
        if not JQ_NAME.match(each):
            self.fail(where, name, f"each must be a variable name (^[a-zA-Z_][a-zA-Z0-9_]*$), "
                                   f"got {each!r}")
        elif not is_expression(getattr(config, "in")):
            self.fail(where, name, "in must be a runtime expression giving a list, "
                                   "e.g. \"${ $data.items }\"")
        return {"each": each, "in": getattr(config, "in"),
                "do": self.scoped((each, "index"), config.do, f"{where}.do")}

    def _fork(self, config: Any, plain: dict, where: str, name: str) -> dict:
        if not config.branches:
            self.fail(where, name, "fork needs at least one branch")
        seen: set[str] = set()
        branches = []
        for index, branch in enumerate(config.branches):
            label = branch.name or f"branch{index}"
            if label in seen:
                self.fail(where, name, f"duplicate branch name {label!r}")
            seen.add(label)
            if not branch.do:
                self.fail(where, name, f"branches[{index}] {label!r} needs at least one task")
            branches.append({"name": label,
                             "do": self.block(branch.do, f"{where}.branches[{index}].do")})
        return {"branches": branches, "compete": config.compete}

    def _try_catch(self, config: Any, plain: dict, where: str, name: str) -> dict:
        attempt = getattr(config, "try")
        catch = config.catch
        if not attempt:
            self.fail(where, name, "try needs at least one task in try")
        label = getattr(catch, "as") or "error"
        if not JQ_NAME.match(label):
            self.fail(where, name, f"catch.as must be a variable name, got {label!r}")
        return {"try": self.block(attempt, f"{where}.try"),
                "catch": {"as": label,
                          "do": self.scoped((label,), catch.do, f"{where}.catch.do")}}

    def _wait(self, config: Any, plain: dict, where: str, name: str) -> dict:
        kind = config.WhichOneof("wait_type")
        if kind is None:
            self.fail(where, name, "wait needs duration or until")
            return {"seconds": 0.0}
        if kind == "until":
            return {"until": config.until.ToJsonString()}
        d = config.duration
        seconds = (d.days * 86400 + d.hours * 3600 + d.minutes * 60 + d.seconds
                   + d.milliseconds / 1000)
        return {"seconds": seconds}

    def _raise_error(self, config: Any, plain: dict, where: str, name: str) -> dict:
        if not config.message.strip():
            self.fail(where, name, "raise needs message")
        return {"error": config.error or "error", "message": config.message}

    def _agent_call(self, config: Any, plain: dict, where: str, name: str) -> dict:
        if not config.agent.strip():
            self.fail(where, name, "agent call needs agent (the agent's name or slug)")
        if not config.message.strip():
            self.fail(where, name, "agent call needs message")
        return {"agent": config.agent.strip(), "message": config.message,
                "env": dict(config.env), "model": config.run_config.model_name.strip()}
