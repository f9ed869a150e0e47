"""Tiny gRPC servers that answer like other Stigmer generations (for probe tests).

Each serves a set of method paths with NOT_FOUND (the method exists, the resource does not)
and answers UNIMPLEMENTED for every other method, as a server without that service does.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent import futures

import grpc

from harness.processes import free_port

AGENT = "/ai.stigmer.agentic.agent.v1.AgentQueryController/getByReference"
EXECUTION = "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController/get"
SEARCH = "/ai.stigmer.search.v1.SearchService/search"
RUN = "/ai.stigmer.agentic.run.v1.RunQueryController/get"

G1_METHODS = (AGENT, EXECUTION)  # January 2026: no SearchService
G3_METHODS = (RUN, "/ai.stigmer.agentic.agent.v1.AgentQueryController/get")


class _Answers(grpc.GenericRpcHandler):
    def __init__(self, served: Iterable[str]) -> None:
        self.served = frozenset(served)

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        if details.method.startswith("/grpc.reflection."):
            return None  # left to the reflection service, when one is added
        code = (grpc.StatusCode.NOT_FOUND if details.method in self.served
                else grpc.StatusCode.UNIMPLEMENTED)

        def answer(request: bytes, context: grpc.ServicerContext) -> bytes:
            context.abort(code, f"{details.method}: {code.name.lower()}")

        return grpc.unary_unary_rpc_method_handler(answer)


class FakeStigmer:
    """A loopback gRPC server serving ``methods``; optionally lists ``reflected`` services."""

    def __init__(self, methods: Iterable[str], reflected: Iterable[str] | None = None,
                 pool: object | None = None) -> None:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        if reflected is not None:
            from grpc_reflection.v1alpha import reflection

            reflection.enable_server_reflection([*reflected, reflection.SERVICE_NAME],
                                                self.server, pool=pool)
        self.server.add_generic_rpc_handlers((_Answers(methods),))
        self.server.add_insecure_port(self.address)

    def __enter__(self) -> FakeStigmer:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop(grace=None).wait(5)


def january_reference_pool() -> object:
    """A descriptor pool with ApiResourceReference numbered as the January 2026 server has it."""
    from google.protobuf import descriptor_pb2, descriptor_pool

    field = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(
        name="ai/stigmer/commons/apiresource/io.proto", package="ai.stigmer.commons.apiresource",
        syntax="proto3")
    message = proto.message_type.add(name="ApiResourceReference")
    for number, (name, kind) in enumerate([("scope", field.TYPE_INT32),
                                           ("org", field.TYPE_STRING),
                                           ("kind", field.TYPE_INT32),
                                           ("slug", field.TYPE_STRING)], 1):
        message.field.add(name=name, number=number, type=kind, label=field.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return pool
