"""The Temporal worker: connect (with retries), poll ``agent_execution_runner``, shut down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from datetime import timedelta

from temporalio.api.enums.v1 import TaskQueueKind, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)
from temporalio.worker import Worker

from .activities import ExecuteGraphton
from .backend import SdkBackend
from .config import RunnerConfig
from .llm import OllamaChatModel
from .ready_file import ReadyFile
from .threads import ensure_thread
from .workflow.worker import WorkflowWorkerHost

log = logging.getLogger(__name__)

READY_LINE = "worker ready on task queue {task_queue}"
HEARTBEAT_THROTTLE = timedelta(seconds=2)  # cancellation reaches a streaming activity quickly


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def make_runtime() -> Runtime:
    """A Temporal runtime whose core (Rust) warnings go through Python logging."""
    return Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
        forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
    )))


async def connect_temporal(
    config: RunnerConfig, stop: asyncio.Event, *, max_delay_s: float = 5.0,
    runtime: Runtime | None = None,
) -> Client | None:
    """Connect, retrying with backoff until it works or ``stop`` is set (then ``None``)."""
    delay, attempt = 0.5, 0
    while not stop.is_set():
        attempt += 1
        try:
            return await Client.connect(
                config.temporal_address,
                namespace=config.temporal_namespace,
                connect_timeout=timedelta(seconds=5),
                runtime=runtime,
            )
        except Exception as exc:
            log.warning(
                "Temporal at %s not reachable (attempt %d): %s; retrying in %.1fs",
                config.temporal_address, attempt, exc, delay,
            )
        await _sleep_or_stop(stop, delay)
        delay = min(delay * 2, max_delay_s)
    return None


async def wait_until_polling(
    client: Client, config: RunnerConfig, identity: str, timeout_s: float = 15.0
) -> bool:
    """True once Temporal lists this worker among the task queue's activity pollers."""
    request = DescribeTaskQueueRequest(
        namespace=config.temporal_namespace,
        task_queue=TaskQueue(name=config.task_queue, kind=TaskQueueKind.TASK_QUEUE_KIND_NORMAL),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        try:
            response = await client.workflow_service.describe_task_queue(request)
            if any(p.identity == identity for p in response.pollers):
                return True
        except Exception as exc:
            log.debug("describe_task_queue failed: %s", exc)
        await asyncio.sleep(0.2)
    return False


async def _announce_ready(
    client: Client, config: RunnerConfig, identity: str, ready: ReadyFile
) -> None:
    if not await wait_until_polling(client, config, identity):
        log.warning("Temporal does not list this worker as a poller yet; marking ready anyway")
    ready.mark()
    log.info(READY_LINE.format(task_queue=config.task_queue))


def build_worker(client: Client, config: RunnerConfig, activity: ExecuteGraphton,
                 identity: str) -> Worker:
    """The worker hosting ``EnsureThread`` and ``ExecuteGraphton`` on the runner task queue."""
    return Worker(
        client,
        task_queue=config.task_queue,
        activities=[ensure_thread, activity.run],
        max_concurrent_activities=config.max_concurrent,
        identity=identity,
        graceful_shutdown_timeout=timedelta(seconds=config.shutdown_grace_s),
        default_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
        max_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
    )


async def serve(config: RunnerConfig, stop: asyncio.Event) -> int:
    """Run the worker until ``stop`` is set; returns the process exit code."""
    ready = ReadyFile(config.ready_file)
    ready.clear()
    backend = SdkBackend(config.backend_endpoint, config.api_key)
    model = OllamaChatModel(
        config.ollama_base_url,
        temperature=config.temperature,
        max_tokens=config.max_tokens,
        timeout_s=config.llm_timeout_s,
    )
    workflows = WorkflowWorkerHost(config.backend_endpoint, config.api_key)
    try:
        client = await connect_temporal(config, stop, runtime=make_runtime())
        if client is None:
            return 0
        identity = f"agent-runner@{socket.gethostname()}/{os.getpid()}"
        worker = build_worker(client, config, ExecuteGraphton(config, backend, model), identity)
        run_task = asyncio.create_task(worker.run())
        workflows.start(client, identity)
        stop_task = asyncio.create_task(stop.wait())
        ready_task = asyncio.create_task(_announce_ready(client, config, identity, ready))
        done, _ = await asyncio.wait({run_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
        ready_task.cancel()
        stop_task.cancel()
        ready.clear()
        if run_task in done:
            log.error("worker stopped unexpectedly: %s", run_task.exception())
            return 1
        log.info("shutting down (waiting up to %gs for running executions)",
                 config.shutdown_grace_s)
        await worker.shutdown()
        with contextlib.suppress(asyncio.CancelledError):
            await run_task
        log.info("worker stopped")
        return 0
    finally:
        ready.clear()
        await workflows.stop()
        backend.close()
