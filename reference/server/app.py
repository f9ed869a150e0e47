"""Wiring and lifecycle: build the services, serve gRPC, shut down cleanly on a signal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio

from . import config as config_module
from .activities import ExecutionActivities, RunnerPresenceActivities
from .agents import AgentService
from .auth import ApiKeyInterceptor
from .config import Config
from .execution_contexts import ExecutionContextService
from .executions import ExecutionService
from .instances import InstanceService
from .mcp_servers import McpServerService
from .pubsub import Broker
from .request_guard import RequestGuardInterceptor
from .request_validation import RequestValidationInterceptor
from .rpc import agent_executions, agent_instances, agents, search, sessions, workflows
from .rpc import execution_contexts as execution_contexts_rpc
from .rpc import mcp_servers as mcp_servers_rpc
from .rpc import skills as skills_rpc
from .rpc.common import UnknownMethodHandler
from .search import SearchService
from .sessions import SessionService
from .skills import SkillService
from .store import Store
from .temporal_engine import NoEngine, TemporalEngine, WorkflowEngine
from .workflow_definitions import WorkflowService
from .workflow_executions import WorkflowExecutionService

log = logging.getLogger("reference.server")


class BindError(RuntimeError):
    """A configured host/port could not be bound."""


def address(host: str, port: int) -> str:
    """``host:port`` (IPv6 hosts in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class ServerApp:
    """The whole server: store, services, Temporal engine and the gRPC server."""

    def __init__(self, config: Config, engine: WorkflowEngine | None = None) -> None:
        self.config = config
        self.store = Store(config.db_path)
        self.broker = Broker(asyncio.get_running_loop())
        self.engine: WorkflowEngine = engine or NoEngine()
        if engine is None and config.temporal_address:
            self.engine = TemporalEngine(
                config.temporal_address, config.temporal_namespace,
                config.runner_schedule_timeout_s, activities=[],
                heartbeat_s=config.runner_heartbeat_timeout_s,
                run_timeout_s=config.runner_run_timeout_s,
            )
        self.executions = ExecutionService(self.store, self.broker, self.engine)
        if isinstance(self.engine, TemporalEngine):
            self.engine.add_activities([
                ExecutionActivities(self.executions).mark_failed,
                RunnerPresenceActivities(self.engine).runners_polling,
            ])
        self.workflow_executions = WorkflowExecutionService(
            self.store, self.broker, self.engine, config.runner_schedule_timeout_s)
        self.health = health_aio.HealthServicer()
        self.server = self._grpc_server()
        self.port = 0

    def _grpc_server(self) -> grpc.aio.Server:
        server = grpc.aio.server(
            interceptors=[
                ApiKeyInterceptor(self.config.api_key),
                RequestGuardInterceptor(self.config.max_message_bytes),
                RequestValidationInterceptor(),
            ],
            options=[
                ("grpc.max_receive_message_length", self.config.max_message_bytes * 4),
                ("grpc.so_reuseport", 0),
            ],
        )
        agents.register(server, AgentService(self.store))
        agent_instances.register(server, InstanceService(self.store))
        sessions.register(server, SessionService(self.store))
        agent_executions.register(server, self.executions)
        execution_contexts_rpc.register(server, ExecutionContextService(self.store))
        search.register(server, SearchService(self.store))
        workflows.register(server, WorkflowService(self.store), self.workflow_executions)
        skills_rpc.register(server, SkillService(self.store))
        mcp_servers_rpc.register(server, McpServerService(self.store))
        if self.config.health_service:
            health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        server.add_generic_rpc_handlers((UnknownMethodHandler(),))
        return server

    async def start(self) -> int:
        """Bind every host on one port, start serving; returns the port."""
        port = self.config.port
        for host in self.config.hosts:
            try:
                bound = self.server.add_insecure_port(address(host, port))
            except RuntimeError as exc:
                raise BindError(f"cannot bind {address(host, port)}: {exc}") from exc
            if bound == 0:
                raise BindError(f"cannot bind {address(host, port)}")
            port = bound
        self.port = port
        await self.server.start()
        await self.health.set("", health_pb2.HealthCheckResponse.SERVING)
        await self.engine.start()
        return port

    async def stop(self) -> None:
        """Stop serving (streams end), stop the worker, close the store."""
        with contextlib.suppress(Exception):
            await self.health.enter_graceful_shutdown()
        self.broker.close()
        await self.workflow_executions.close()
        await self.server.stop(grace=3)
        await self.engine.stop()
        self.store.close()


async def serve(config: Config) -> None:
    """Run the server until SIGINT/SIGTERM."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    app = ServerApp(config)
    try:
        port = await app.start()
        log.info("database %s; auth %s; temporal %s; health service %s", config.db_path,
                 "api-key" if config.api_key else "off (local mode)",
                 config.temporal_address or "not configured",
                 "on" if config.health_service else "off")
        log.info("listening on %s", address(config.hosts[0], port))
        await stop.wait()
        log.info("shutting down")
    finally:
        await app.stop()
        log.info("stopped")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m reference.server``."""
    config = config_module.parse(argv)
    logging.basicConfig(
        level=config.log_level, stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        asyncio.run(serve(config))
    except BindError as exc:
        log.error("%s", exc)
        return 2
    return 0
