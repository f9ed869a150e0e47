"""Activities of the workflow interpreter: HTTP calls, agent calls and progress reports.

Secrets: the real DSL has no secret variable; a secret is a runtime value read as
``$env.NAME`` like any other. Task configs reach the activities unevaluated; each activity
loads the execution's secret runtime values from the server, evaluates the config with them
in ``$env`` and masks them in what it returns, so secret values never enter Temporal's
history nor the execution status. Inside the workflow itself (set, switch, ...) ``$env``
holds only the non-secret values.
"""

from __future__ import annotations

import asyncio
import base64
import html
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus

import httpx
from ai.stigmer.agentic.agentexecution.v1 import enum_pb2 as agent_enum
from ai.stigmer.agentic.agentexecution.v1 import io_pb2 as agent_io
from ai.stigmer.agentic.workflowexecution.v1 import io_pb2
from google.protobuf import json_format
from stigmer import (
    AgentExecutionInput,
    EnvVarInput,
    ErrorCode,
    ExecutionConfigInput,
    ResourceRef,
    StigmerClient,
    StigmerError,
)
from temporalio import activity
from temporalio.exceptions import ApplicationError

from reference.workflow_dsl.expressions import ExpressionError, resolve, to_text

from .http_guard import HostNotAllowed, check_url
from .interpreter import activity_scope

log = logging.getLogger(__name__)
T = TypeVar("T")

HTTP_ACTIVITY = "WorkflowHttpCall"
AGENT_ACTIVITY = "WorkflowAgentCall"
REPORT_ACTIVITY = "ReportWorkflowProgress"
MASK = "********"
TERMINAL_AGENT_PHASES = {agent_enum.EXECUTION_COMPLETED, agent_enum.EXECUTION_FAILED,
                         agent_enum.EXECUTION_CANCELLED, agent_enum.EXECUTION_TERMINATED}
POLL_S = 0.5


def fail(message: str, kind: str, status: int | None = None) -> ApplicationError:
    """A non-retryable task failure the interpreter shows as the task's error."""
    details = [{"status": status}] if status is not None else []
    return ApplicationError(message, *details, type=kind, non_retryable=True)


def encoded_forms(secret: str) -> set[str]:
    """``secret`` as it may appear in text: raw, JSON-/HTML-escaped, URL-encoded, base64."""
    raw = secret.encode()
    forms = {secret, json.dumps(secret)[1:-1], html.escape(secret), quote(secret, safe=""),
             quote_plus(secret), base64.b64encode(raw).decode().rstrip("="),
             base64.urlsafe_b64encode(raw).decode().rstrip("=")}
    return {form for form in forms if form}


def redact(value: Any, secrets: dict[str, str]) -> Any:
    """``value`` with every secret value (in any of its encoded forms) replaced by a mask."""
    hidden = sorted({form for s in secrets.values() if len(s) >= 3
                     for form in encoded_forms(s)}, key=len, reverse=True)
    if not hidden:
        return value
    if isinstance(value, str):
        for secret in hidden:
            value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {k: redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secrets) for v in value]
    return value


class WorkflowActivities:
    """The activities, bound to one SDK client and an HTTP client."""

    def __init__(self, endpoint: str, api_key: str) -> None:
        self._endpoint = endpoint
        self._client = StigmerClient(api_key, base_url=endpoint, insecure=True)

    def close(self) -> None:
        """Release the gRPC channel."""
        self._client.close()

    async def _sdk(self, what: str, fn: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(fn)
        except StigmerError as exc:
            raise fail(f"Stigmer backend failed to {what}: {exc}", "BackendError") from exc

    async def _secrets(self, execution_id: str) -> dict[str, str]:
        execution = await self._sdk(f"load workflow execution {execution_id}",
                                    lambda: self._client.workflow_executions.get(execution_id))
        return {k: v.value for k, v in execution.spec.runtime_env.items() if v.is_secret}

    async def _render(self, request: dict[str, Any], value: Any) -> tuple[Any, dict[str, str]]:
        secrets = await self._secrets(request["execution_id"])
        try:
            return resolve(value, activity_scope(request, secrets), "taskConfig"), secrets
        except ExpressionError as exc:
            raise fail(redact(f"expression error in {exc}", secrets), "expression") from None

    # ---- http_call ----------------------------------------------------------------------

    @activity.defn(name=HTTP_ACTIVITY)
    async def http_call(self, request: dict[str, Any]) -> Any:
        """Call an HTTP endpoint on loopback / the host gateway; 2xx -> {status, body}."""
        config, secrets = await self._render(request, request["config"])
        url = to_text(config["uri"])
        try:
            check_url(url)
        except HostNotAllowed as exc:
            raise fail(str(exc), "HostNotAllowed") from exc
        method = config["method"]
        headers = {k: to_text(v) for k, v in (config.get("headers") or {}).items()}
        body = config.get("body")
        try:
            async with httpx.AsyncClient(timeout=float(config["timeout_seconds"]),
                                         follow_redirects=False, trust_env=False) as client:
                response = await client.request(method, url, headers=headers,
                                                json=body if body is not None else None)
        except httpx.HTTPError as exc:
            shown = redact(url, secrets)
            raise fail(f"{method} {shown} failed: {type(exc).__name__}: {exc}",
                       "HttpConnectError") from exc
        parsed = _body(response)
        if response.status_code >= 300:
            raise fail(redact(f"{method} {url} answered {response.status_code} "
                              f"{response.reason_phrase}", secrets), "HttpError",
                       status=response.status_code)
        activity.logger.info("http_call %s %s -> %d", method, redact(url, secrets),
                             response.status_code)
        return redact({"status": response.status_code, "body": parsed,
                       "headers": {"content-type": response.headers.get("content-type", "")}},
                      secrets)

    # ---- agent_call ---------------------------------------------------------------------

    @activity.defn(name=AGENT_ACTIVITY)
    async def agent_call(self, request: dict[str, Any]) -> Any:
        """Run an agent (by slug, in the workflow's org) and return its last AI message."""
        config = request["config"]
        rendered, secrets = await self._render(
            request, {"message": config["message"], "env": config.get("env") or {}})
        org, slug = request["org"], config["agent"]
        agent = await self._find_agent(org, slug)
        env = {key: EnvVarInput(value=to_text(value),
                                is_secret=any(s in to_text(value) for s in secrets.values()))
               for key, value in rendered["env"].items()}
        execution = await self._sdk("start the agent", lambda: (
            self._client.agent_executions.create(AgentExecutionInput(
                name=f"{request['task']}-{request['execution_id']}"[:60], org=org,
                agent_id=agent.metadata.id, message=to_text(rendered["message"]),
                runtime_env=env, execution_config=(
                    ExecutionConfigInput(model_name=config["model"])
                    if config.get("model") else None)))))
        execution_id = execution.metadata.id
        activity.logger.info("agent_call %s started agent execution %s", slug, execution_id)
        try:
            final = await self._wait_agent(execution_id)
        except asyncio.CancelledError:
            await asyncio.to_thread(self._cancel_agent, execution_id)
            raise
        phase = agent_enum.ExecutionPhase.Name(final.status.phase).removeprefix("EXECUTION_")
        answer = next((m.content for m in reversed(final.status.messages)
                       if m.type == agent_enum.MESSAGE_AI), "")
        if final.status.phase != agent_enum.EXECUTION_COMPLETED:
            why = final.status.error or phase
            raise fail(f"agent {slug!r} execution {execution_id} ended {phase}: {why}",
                       "AgentFailed")
        return redact({"agent": slug, "execution_id": execution_id, "phase": phase,
                       "message": answer}, secrets)

    async def _find_agent(self, org: str, slug: str) -> Any:
        try:
            return await asyncio.to_thread(
                self._client.agents.get_by_reference, ResourceRef(org=org, slug=slug))
        except StigmerError as exc:
            if exc.code == ErrorCode.NOT_FOUND:
                raise fail(f"agent {slug!r} not found in organization {org!r}",
                           "AgentNotFound") from exc
            raise fail(f"Stigmer backend failed to load agent {slug!r}: {exc}",
                       "BackendError") from exc

    async def _wait_agent(self, execution_id: str) -> Any:
        while True:
            execution = await self._sdk(f"read agent execution {execution_id}",
                                        lambda: self._client.agent_executions.get(execution_id))
            activity.heartbeat(execution.status.phase)
            if execution.status.phase in TERMINAL_AGENT_PHASES:
                return execution
            await asyncio.sleep(POLL_S)

    def _cancel_agent(self, execution_id: str) -> None:
        try:
            self._client.agent_executions.cancel(agent_io.CancelAgentExecutionInput(
                id=execution_id, reason="the calling workflow was cancelled"))
        except StigmerError as exc:
            log.info("agent execution %s not cancelled: %s", execution_id, exc)

    # ---- progress -----------------------------------------------------------------------

    @activity.defn(name=REPORT_ACTIVITY)
    async def report(self, update: dict[str, Any]) -> bool:
        """Send a status update; False when the execution is already final."""
        body = {k: v for k, v in update.items() if k != "execution_id"}
        request = io_pb2.WorkflowExecutionUpdateStatusInput(execution_id=update["execution_id"])
        json_format.ParseDict(body, request.status)
        try:
            await asyncio.to_thread(self._client.workflow_executions.update_status, request)
        except StigmerError as exc:
            if exc.code in (ErrorCode.FAILED_PRECONDITION, ErrorCode.NOT_FOUND):
                return False
            raise
        return True

    def all(self) -> list[Callable[..., Any]]:
        """Every activity, for the worker."""
        return [self.http_call, self.agent_call, self.report]


def _body(response: httpx.Response) -> Any:
    text = response.text
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text
