"""Deterministic interpreter of a compiled workflow plan (see reference.workflow_dsl).

Task kinds: set_vars, http_call, switch_case, for_each, fork, try_catch, wait, raise_error,
agent_call. Side effects (activities, timers, progress reports, the clock) go through
:class:`Effects`, so the same code runs inside a Temporal workflow and in unit tests.

State and expressions (jq, see :mod:`reference.workflow_dsl.expressions`), as in zigflow:

* ``$input`` is ``{"message": <trigger message>}``; ``$env`` the non-secret runtime values
  (secrets are ``$env`` entries only the call activities resolve, see activities.py);
* ``set_vars`` evaluates its variables with ``.`` = null and merges them into ``$data``;
  a call task (``http_call``, ``agent_call``) stores its result in ``$data.<task name>``;
* ``$output`` (and ``.`` in every other task) is the previous task's output;
* ``export.as`` is itself an expression, evaluated with ``.`` = the task's output; its value
  becomes the new ``$context``;
* tasks run in order; ``flow.then`` (or a switch case's ``then``) jumps to a task of the same
  list; ``continue`` goes on, ``exit`` leaves the current list, ``end`` ends the workflow;
* ``for_each`` runs ``do`` once per item with ``$<each>`` (default ``$item``) and ``$index``;
  its output is the list of each iteration's last output;
* ``fork`` runs its branches concurrently on copies of the state and joins them: the output
  maps branch name -> last output, ``$data`` changes are merged in branch order
  (``compete``: the first branch to finish wins, the others are cancelled);
* ``try_catch`` runs ``try``; when a task fails, the error ``{type, status, title, detail,
  instance}`` (Serverless Workflow's error fields; ``instance`` = the failed task's id) is
  the variable ``$<catch.as>`` (default ``$error``) while ``catch.do`` runs;
* a failure nobody catches fails the execution with ``task "<name>" failed: <why>``;
* the execution's result (``status.output``) is ``$data``.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from reference.workflow_dsl.expressions import (
    ExpressionError,
    Scope,
    resolve,
    truthy,
)

MAX_STEPS = 10_000
TASK_TYPES = {"http_call": "WORKFLOW_TASK_API_CALL", "agent_call":
              "WORKFLOW_TASK_AGENT_INVOCATION", "switch_case": "WORKFLOW_TASK_CONDITIONAL",
              "fork": "WORKFLOW_TASK_PARALLEL", "set_vars": "WORKFLOW_TASK_TRANSFORM"}
ERROR_TYPES = "https://serverlessworkflow.io/spec/1.0.0/errors/"
#: failure kinds -> (Serverless Workflow error type, status)
ERROR_KINDS = {"HttpError": ("communication", 500), "HttpConnectError": ("communication", 503),
               "HostNotAllowed": ("authorization", 403), "expression": ("expression", 400),
               "timeout": ("timeout", 408), "type": ("validation", 400)}


class TaskFailed(Exception):
    """A task failed; ``task`` names it, ``kind`` classifies the error, ``task_id`` is where."""

    def __init__(self, task: str, message: str, kind: str = "error", *, task_id: str = "",
                 status: int | None = None) -> None:
        super().__init__(message)
        self.task = task
        self.message = message
        self.kind = kind
        self.task_id = task_id or task
        self.status = status

    def as_error(self) -> dict[str, Any]:
        """The error as a workflow sees it in ``catch`` (Serverless Workflow's fields)."""
        kind, status = ERROR_KINDS.get(self.kind, (self.kind or "runtime", 500))
        url_kind = kind if kind.replace("-", "").isalnum() else "runtime"
        return {"type": ERROR_TYPES + url_kind, "status": self.status or status,
                "title": f"{self.kind} in task {self.task}", "detail": self.message,
                "instance": self.task_id}


class ExecutionStopped(Exception):
    """The server says the execution is already final (cancelled, failed by a watchdog)."""


class Effects(Protocol):
    """The side effects the interpreter needs."""

    async def http_call(self, request: dict[str, Any]) -> Any:
        """Run an HTTP call (raises TaskFailed-compatible errors via ``ActivityFailure``)."""

    async def agent_call(self, request: dict[str, Any]) -> Any:
        """Run an agent and return its answer."""

    async def sleep(self, seconds: float) -> None:
        """A durable timer."""

    async def report(self, update: dict[str, Any]) -> bool:
        """Send a status update; False when the execution is already final."""

    def now(self) -> datetime:
        """The (deterministic) current time."""


class ActivityFailure(Exception):
    """Raised by Effects when an activity failed; the interpreter turns it into TaskFailed."""

    def __init__(self, message: str, kind: str = "error", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.status = status


@dataclass
class State:
    """What expressions read besides ``$input``/``$env``; forks work on copies."""

    data: dict[str, Any] = field(default_factory=dict)
    context: Any = field(default_factory=dict)
    output: Any = None
    extra: dict[str, Any] = field(default_factory=dict)  # loop item/index, caught error

    def copy(self) -> State:
        return copy.deepcopy(self)

    def variables(self) -> dict[str, Any]:
        return {"data": self.data, "context": self.context, "output": self.output,
                **self.extra}


@dataclass
class Outcome:
    """How a list of tasks ended: ``end`` stops the workflow; ``last`` is the last output."""

    end: bool = False
    last: Any = None


@dataclass
class Interpreter:
    """Runs one execution's plan."""

    params: dict[str, Any]
    effects: Effects
    state: State = field(default_factory=State)
    steps: int = 0

    @property
    def execution_id(self) -> str:
        return str(self.params["execution_id"])

    def scope(self, state: State, dot: Any) -> Scope:
        """What expressions see inside the workflow (secret values never)."""
        return Scope(dot=dot, now=self.effects.now().timestamp(), variables={
            **state.variables(), "env": dict(self.params.get("env", {})),
            "input": dict(self.params.get("input", {}))})

    async def run(self) -> str:
        """Run the plan; returns the final phase name (as reported)."""
        if not await self.report({"phase": "EXECUTION_IN_PROGRESS"}):
            return "stopped"
        try:
            await self.block(self.params["plan"], self.state, "")
        except TaskFailed as failure:
            error = f'task "{failure.task}" failed: {failure.message}'
            await self.report({"phase": "EXECUTION_FAILED", "error": error,
                               "output": _struct(self.state.data)})
            return "EXECUTION_FAILED"
        except ExecutionStopped:
            return "stopped"
        await self.report({"phase": "EXECUTION_COMPLETED", "output": _struct(self.state.data)})
        return "EXECUTION_COMPLETED"

    async def report(self, update: dict[str, Any]) -> bool:
        """Send ``update``; raises :class:`ExecutionStopped` when the server refuses."""
        if not await self.effects.report({"execution_id": self.execution_id, **update}):
            raise ExecutionStopped(self.execution_id)
        return True

    # ---- lists of tasks -----------------------------------------------------------------

    async def block(self, tasks: list[dict[str, Any]], state: State, prefix: str) -> Outcome:
        """Run a list of tasks with flow control; see the module docstring."""
        index_of = {task["name"]: i for i, task in enumerate(tasks)}
        outcome = Outcome()
        i = 0
        while i < len(tasks):
            self.steps += 1
            if self.steps > MAX_STEPS:
                raise TaskFailed(tasks[i]["name"], f"more than {MAX_STEPS} task steps "
                                 "(a flow.then or switch loop that never ends?)", "loop")
            task = tasks[i]
            output, directive = await self.task(task, state, prefix)
            outcome.last = output
            target = directive or task.get("then") or "continue"
            if target == "end":
                outcome.end = True
                return outcome
            if target == "exit":
                return outcome
            i = i + 1 if target == "continue" else index_of[target]
        return outcome

    async def task(self, task: dict[str, Any], state: State,
                   prefix: str) -> tuple[Any, str]:
        """Run one task, reporting IN_PROGRESS then COMPLETED/FAILED."""
        task_id = f"{prefix}/{task['name']}" if prefix else task["name"]
        record = {"task_id": task_id, "task_name": task["name"],
                  "task_type": TASK_TYPES.get(task["kind"], "WORKFLOW_TASK_CUSTOM"),
                  "status": "WORKFLOW_TASK_IN_PROGRESS", "started_at": self.stamp(),
                  "metadata": {"kind": task["kind"]}}
        await self.report({"tasks": [record]})
        try:
            output, directive = await self.dispatch(task, state, task_id)
            if task.get("export"):
                state.context = self.evaluate(task["export"], state, output, "export.as")
        except ExpressionError as error:
            failure = TaskFailed(task["name"], f"expression error in {error}", "expression",
                                 task_id=task_id)
            await self.finish(record, "WORKFLOW_TASK_FAILED", error=failure.message)
            raise failure from None
        except TaskFailed as failure:
            await self.finish(record, "WORKFLOW_TASK_FAILED", error=failure.message)
            raise
        state.output = output
        await self.finish(record, "WORKFLOW_TASK_COMPLETED", output=output)
        return output, directive

    def evaluate(self, value: Any, state: State, dot: Any, where: str) -> Any:
        """``value`` with its whole-string expressions evaluated (``where`` names the field)."""
        return resolve(value, self.scope(state, dot), where)

    async def finish(self, record: dict[str, Any], status: str, *, output: Any = None,
                     error: str = "") -> None:
        done = {**record, "status": status, "completed_at": self.stamp()}
        if error:
            done["error"] = error
        if output is not None:
            done["output"] = _struct(output)
        await self.report({"tasks": [done]})

    def stamp(self) -> str:
        return self.effects.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")

    # ---- the task kinds -----------------------------------------------------------------

    async def dispatch(self, task: dict[str, Any], state: State,
                       task_id: str) -> tuple[Any, str]:
        handler: Callable[..., Awaitable[tuple[Any, str]]] = getattr(self, f"_{task['kind']}")
        return await handler(task, task["config"], state, task_id)

    async def _set_vars(self, task: dict, config: dict, state: State, task_id: str):
        values = self.evaluate(config["variables"], state, None, "taskConfig.variables")
        state.data.update(values)
        return values, ""

    async def _switch_case(self, task: dict, config: dict, state: State, task_id: str):
        default = None
        for index, case in enumerate(config["cases"]):
            if not case["when"]:
                default = default or case
                continue
            where = f"taskConfig.cases[{index}].when"
            if truthy(self.evaluate(case["when"], state, state.output, where)):
                return {"case": case["name"], "then": case["then"]}, case["then"]
        if default is not None:
            return {"case": default["name"], "then": default["then"]}, default["then"]
        return {"case": None}, ""

    async def _for_each(self, task: dict, config: dict, state: State, task_id: str):
        items = self.evaluate(config["in"], state, state.output, "taskConfig.in")
        if isinstance(items, dict):
            items = list(items.values())
        if not isinstance(items, list):
            raise TaskFailed(task["name"], f"taskConfig.in must give a list, got {items!r}",
                             "type", task_id=task_id)
        saved = dict(state.extra)
        results = []
        try:
            for index, item in enumerate(items):
                state.extra = {**saved, config["each"]: item, "index": index}
                outcome = await self.block(config["do"], state, f"{task_id}[{index}]")
                results.append(outcome.last)
                if outcome.end:
                    break
        finally:
            state.extra = saved
        return results, ""

    async def _fork(self, task: dict, config: dict, state: State, task_id: str):
        branches = config["branches"]
        copies = [state.copy() for _ in branches]
        runs = [self.block(b["do"], c, f"{task_id}/{b['name']}")
                for b, c in zip(branches, copies, strict=True)]
        if config.get("compete"):
            return await self._compete(branches, copies, runs, state)
        outcomes = await asyncio.gather(*runs)
        for branch_state in copies:
            _merge_changes(state.data, branch_state.data)
        return {b["name"]: o.last for b, o in zip(branches, outcomes, strict=True)}, ""

    async def _compete(self, branches: list, copies: list, runs: list, state: State):
        tasks = [asyncio.ensure_future(run) for run in runs]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for other in pending:
            other.cancel()
        winner = next(i for i, t in enumerate(tasks) if t in done)
        outcome = tasks[winner].result()
        _merge_changes(state.data, copies[winner].data)
        return {branches[winner]["name"]: outcome.last}, ""

    async def _try_catch(self, task: dict, config: dict, state: State, task_id: str):
        try:
            outcome = await self.block(config["try"], state, f"{task_id}/try")
            return outcome.last, ("end" if outcome.end else "")
        except TaskFailed as failure:
            catch = config["catch"]
            saved = dict(state.extra)
            state.extra = {**saved, catch["as"]: failure.as_error()}
            try:
                outcome = await self.block(catch["do"], state, f"{task_id}/catch")
            finally:
                state.extra = saved
            return outcome.last, ("end" if outcome.end else "")

    async def _wait(self, task: dict, config: dict, state: State, task_id: str):
        if "until" in config:
            until = datetime.fromisoformat(config["until"].replace("Z", "+00:00"))
            seconds = max(0.0, (until - self.effects.now()).total_seconds())
        else:
            seconds = float(config["seconds"])
        await self.effects.sleep(seconds)
        return {"waited_seconds": seconds}, ""

    async def _raise_error(self, task: dict, config: dict, state: State, task_id: str):
        message = self.evaluate(config["message"], state, state.output, "taskConfig.message")
        raise TaskFailed(task["name"], str(message), config.get("error") or "error",
                         task_id=task_id)

    async def _http_call(self, task: dict, config: dict, state: State, task_id: str):
        return await self._activity(self.effects.http_call, task, config, state, task_id), ""

    async def _agent_call(self, task: dict, config: dict, state: State, task_id: str):
        return await self._activity(self.effects.agent_call, task, config, state, task_id), ""

    async def _activity(self, call: Callable[[dict[str, Any]], Awaitable[Any]], task: dict,
                        config: dict, state: State, task_id: str) -> Any:
        request = {"execution_id": self.execution_id, "org": self.params.get("org", ""),
                   "task": task["name"], "config": config, "dot": state.output,
                   "variables": state.variables(), "env": self.params.get("env", {}),
                   "input": self.params.get("input", {}), "now": self.effects.now().timestamp()}
        try:
            result = await call(request)
        except ActivityFailure as failure:
            raise TaskFailed(task["name"], failure.message, failure.kind, task_id=task_id,
                             status=failure.status) from None
        state.data[task["name"]] = result
        return result


def _merge_changes(target: dict[str, Any], branch: dict[str, Any]) -> None:
    """Copy keys a branch added or changed into ``target``."""
    for key, value in branch.items():
        if target.get(key, _MISSING) != value:
            target[key] = value


_MISSING = object()


def _struct(value: Any) -> dict[str, Any]:
    """A JSON object for a ``google.protobuf.Struct`` field (non-objects are wrapped)."""
    return value if isinstance(value, dict) else {"value": value}


def activity_scope(request: dict[str, Any], secrets: dict[str, str]) -> Scope:
    """The scope activities evaluate in: the workflow's, with secrets resolved in ``$env``."""
    return Scope(dot=request.get("dot"), now=request.get("now"), variables={
        **dict(request.get("variables") or {}),
        "env": {**dict(request.get("env", {})), **secrets},
        "input": dict(request.get("input", {}))})


__all__ = ["ActivityFailure", "Effects", "ExecutionStopped", "Interpreter", "State",
           "TaskFailed", "activity_scope", "resolve"]
