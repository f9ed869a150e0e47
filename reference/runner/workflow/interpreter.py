"""Deterministic interpreter of a compiled workflow plan (see reference.workflow_dsl).

Task kinds: set_vars, http_call, switch_case, for_each, fork, try_catch, wait, raise_error,
agent_call. Side effects (activities, timers, progress reports, the clock) go through
:class:`Effects`, so the same code runs inside a Temporal workflow and in unit tests.

Semantics, briefly:

* the context (``.`` in expressions) starts empty; ``set_vars`` merges its variables into it;
  any task with ``export.as`` stores its output in the context under that name;
* tasks run in order; ``flow.then`` (or a switch case's ``then``) jumps to a task of the same
  list; ``continue`` goes on, ``exit`` leaves the current list, ``end`` ends the workflow;
* ``for_each`` runs ``do`` once per item with ``<each>`` and ``<each>_index`` in the context;
  its output is the list of each iteration's last output;
* ``fork`` runs its branches concurrently on copies of the context and joins them: the output
  maps branch name -> last output, context changes are merged in branch order
  (``compete``: the first branch to finish wins, the others are cancelled);
* ``try_catch`` runs ``try``; when a task fails, the error ``{message, task, type}`` is put in
  the context under ``catch.as`` (default ``error``) and ``catch.do`` runs;
* a failure nobody catches fails the execution with ``task "<name>" failed: <why>``.
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
    render,
    resolve,
    truthy,
    unavailable,
)

MAX_STEPS = 10_000
SECRETS_HERE = ("secrets ($secret) are only available to http_call and agent_call tasks, "
                "never to the workflow's own context")
TASK_TYPES = {"http_call": "WORKFLOW_TASK_API_CALL", "agent_call":
              "WORKFLOW_TASK_AGENT_INVOCATION", "switch_case": "WORKFLOW_TASK_CONDITIONAL",
              "fork": "WORKFLOW_TASK_PARALLEL", "set_vars": "WORKFLOW_TASK_TRANSFORM"}


class TaskFailed(Exception):
    """A task failed; ``task`` names it, ``kind`` classifies the error."""

    def __init__(self, task: str, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.task = task
        self.message = message
        self.kind = kind


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

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


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
    context: dict[str, Any] = field(default_factory=dict)
    steps: int = 0

    @property
    def execution_id(self) -> str:
        return str(self.params["execution_id"])

    def scope(self, context: dict[str, Any]) -> Scope:
        """What expressions see inside the workflow (no secrets)."""
        return Scope(context=context, variables={
            "env": dict(self.params.get("env", {})),
            "secret": unavailable(SECRETS_HERE),
            "input": dict(self.params.get("input", {})),
        })

    async def run(self) -> str:
        """Run the plan; returns the final phase name (as reported)."""
        if not await self.report({"phase": "EXECUTION_IN_PROGRESS"}):
            return "stopped"
        try:
            await self.block(self.params["plan"], self.context, "")
        except TaskFailed as failure:
            error = f'task "{failure.task}" failed: {failure.message}'
            await self.report({"phase": "EXECUTION_FAILED", "error": error,
                               "output": _struct(self.context)})
            return "EXECUTION_FAILED"
        except ExecutionStopped:
            return "stopped"
        await self.report({"phase": "EXECUTION_COMPLETED", "output": _struct(self.context)})
        return "EXECUTION_COMPLETED"

    async def report(self, update: dict[str, Any]) -> bool:
        """Send ``update``; raises :class:`ExecutionStopped` when the server refuses."""
        if not await self.effects.report({"execution_id": self.execution_id, **update}):
            raise ExecutionStopped(self.execution_id)
        return True

    # ---- lists of tasks -----------------------------------------------------------------

    async def block(self, tasks: list[dict[str, Any]], context: dict[str, Any],
                    prefix: str) -> Outcome:
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
            output, directive = await self.task(task, context, prefix)
            outcome.last = output
            target = directive or task.get("then") or "continue"
            if target == "end":
                outcome.end = True
                return outcome
            if target == "exit":
                return outcome
            i = i + 1 if target == "continue" else index_of[target]
        return outcome

    async def task(self, task: dict[str, Any], context: dict[str, Any],
                   prefix: str) -> tuple[Any, str]:
        """Run one task, reporting IN_PROGRESS then COMPLETED/FAILED."""
        task_id = f"{prefix}/{task['name']}" if prefix else task["name"]
        record = {"task_id": task_id, "task_name": task["name"],
                  "task_type": TASK_TYPES.get(task["kind"], "WORKFLOW_TASK_CUSTOM"),
                  "status": "WORKFLOW_TASK_IN_PROGRESS", "started_at": self.stamp(),
                  "metadata": {"kind": task["kind"]}}
        await self.report({"tasks": [record]})
        try:
            output, directive = await self.dispatch(task, context, task_id)
        except ExpressionError as error:
            failure = TaskFailed(task["name"], f"expression error: {error}", "expression")
            await self.finish(record, "WORKFLOW_TASK_FAILED", error=failure.message)
            raise failure from None
        except TaskFailed as failure:
            await self.finish(record, "WORKFLOW_TASK_FAILED", error=failure.message)
            raise
        if task.get("export"):
            context[task["export"]] = output
        await self.finish(record, "WORKFLOW_TASK_COMPLETED", output=output)
        return output, directive

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

    async def dispatch(self, task: dict[str, Any], context: dict[str, Any],
                       task_id: str) -> tuple[Any, str]:
        handler: Callable[..., Awaitable[tuple[Any, str]]] = getattr(self, f"_{task['kind']}")
        return await handler(task, task["config"], context, task_id)

    async def _set_vars(self, task: dict, config: dict, context: dict, task_id: str):
        values = {key: render(value, self.scope(context))
                  for key, value in config["variables"].items()}
        context.update(values)
        return values, ""

    async def _switch_case(self, task: dict, config: dict, context: dict, task_id: str):
        default = None
        for case in config["cases"]:
            if not case["when"]:
                default = default or case
                continue
            if truthy(render(case["when"], self.scope(context))):
                return {"case": case["name"], "then": case["then"]}, case["then"]
        if default is not None:
            return {"case": default["name"], "then": default["then"]}, default["then"]
        return {"case": None}, ""

    async def _for_each(self, task: dict, config: dict, context: dict, task_id: str):
        items = render(config["in"], self.scope(context))
        if isinstance(items, dict):
            items = list(items.values())
        if not isinstance(items, list):
            raise TaskFailed(task["name"], f"for: in must give a list, got {items!r}", "type")
        each, saved = config["each"], {k: context.get(k) for k in (config["each"],)}
        results = []
        for index, item in enumerate(items):
            context[each] = item
            context[f"{each}_index"] = index
            outcome = await self.block(config["do"], context, f"{task_id}[{index}]")
            results.append(outcome.last)
            if outcome.end:
                break
        for key in (each, f"{each}_index"):
            context.pop(key, None)
        context.update({k: v for k, v in saved.items() if v is not None})
        return results, ""

    async def _fork(self, task: dict, config: dict, context: dict, task_id: str):
        branches = config["branches"]
        copies = [copy.deepcopy(context) for _ in branches]
        runs = [self.block(b["do"], c, f"{task_id}/{b['name']}")
                for b, c in zip(branches, copies, strict=True)]
        if config.get("compete"):
            return await self._compete(branches, copies, runs, context)
        outcomes = await asyncio.gather(*runs)
        for branch_context in copies:
            _merge_changes(context, branch_context)
        return {b["name"]: o.last for b, o in zip(branches, outcomes, strict=True)}, ""

    async def _compete(self, branches: list, copies: list, runs: list, context: dict):
        tasks = [asyncio.ensure_future(run) for run in runs]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for other in pending:
            other.cancel()
        winner = next(i for i, t in enumerate(tasks) if t in done)
        outcome = tasks[winner].result()
        _merge_changes(context, copies[winner])
        return {branches[winner]["name"]: outcome.last}, ""

    async def _try_catch(self, task: dict, config: dict, context: dict, task_id: str):
        try:
            outcome = await self.block(config["try"], context, f"{task_id}/try")
            return outcome.last, ("end" if outcome.end else "")
        except TaskFailed as failure:
            catch = config["catch"]
            context[catch["as"]] = {"message": failure.message, "task": failure.task,
                                    "type": failure.kind}
            outcome = await self.block(catch["do"], context, f"{task_id}/catch")
            return outcome.last, ("end" if outcome.end else "")

    async def _wait(self, task: dict, config: dict, context: dict, task_id: str):
        if "until" in config:
            until = datetime.fromisoformat(config["until"].replace("Z", "+00:00"))
            seconds = max(0.0, (until - self.effects.now()).total_seconds())
        else:
            seconds = float(config["seconds"])
        await self.effects.sleep(seconds)
        return {"waited_seconds": seconds}, ""

    async def _raise_error(self, task: dict, config: dict, context: dict, task_id: str):
        message = render(config["message"], self.scope(context))
        raise TaskFailed(task["name"], str(message), config.get("error") or "error")

    async def _http_call(self, task: dict, config: dict, context: dict, task_id: str):
        return await self._activity(self.effects.http_call, task, config, context), ""

    async def _agent_call(self, task: dict, config: dict, context: dict, task_id: str):
        return await self._activity(self.effects.agent_call, task, config, context), ""

    async def _activity(self, call: Callable[[dict[str, Any]], Awaitable[Any]], task: dict,
                        config: dict, context: dict) -> Any:
        request = {"execution_id": self.execution_id, "org": self.params.get("org", ""),
                   "task": task["name"], "config": config, "context": context,
                   "env": self.params.get("env", {}), "input": self.params.get("input", {})}
        try:
            return await call(request)
        except ActivityFailure as failure:
            raise TaskFailed(task["name"], failure.message, failure.kind) from None


def _merge_changes(target: dict[str, Any], branch: dict[str, Any]) -> None:
    """Copy keys a branch added or changed into ``target``."""
    for key, value in branch.items():
        if target.get(key, _MISSING) != value:
            target[key] = value


_MISSING = object()


def _struct(value: Any) -> dict[str, Any]:
    """A JSON object for a ``google.protobuf.Struct`` field (non-objects are wrapped)."""
    return value if isinstance(value, dict) else {"value": value}


def scope_with_secrets(params: dict[str, Any], context: Any, secrets: dict[str, str]) -> Scope:
    """The scope activities evaluate in: the workflow's, plus ``$secret``."""
    return Scope(context=context, variables={
        "env": dict(params.get("env", {})), "secret": dict(secrets),
        "input": dict(params.get("input", {}))})


__all__ = ["ActivityFailure", "Effects", "ExecutionStopped", "Interpreter", "TaskFailed",
           "resolve", "scope_with_secrets"]
