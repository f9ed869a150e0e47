"""Readiness probes: the standard ``grpc.health.v1`` (Temporal, the reference server) and a real
Stigmer RPC answering (every Stigmer build, none of which serves the health service)."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

TEMPORAL_SERVICE = "temporal.api.workflowservice.v1.WorkflowService"


def grpc_health(address: str, service: str = "", timeout: float = 2.0) -> tuple[bool, str]:
    """(serving, detail) for the gRPC health service at ``address``."""
    channel = grpc.insecure_channel(address)
    try:
        stub = health_pb2_grpc.HealthStub(channel)
        response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
        return response.status == health_pb2.HealthCheckResponse.SERVING, status
    except grpc.RpcError as error:
        return False, f"{error.code().name}: {error.details()}"
    finally:
        channel.close()


def temporal_health(address: str, timeout: float = 2.0) -> tuple[bool, str]:
    """Temporal's frontend answers the standard health check for its workflow service."""
    return grpc_health(address, TEMPORAL_SERVICE, timeout)


#: A real RPC every 3.x Stigmer serves; an answer, even NOT_FOUND, means the server is ready.
READINESS_METHOD = "/ai.stigmer.agentic.agent.v1.AgentQueryController/getByReference"
READINESS_SLUG = "stigmer-e2e-readiness-probe"
#: Codes meaning "nothing answered" (any other code is an answer from a gRPC server).
NOT_ANSWERED = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


def call_method(address: str, method: str, request: bytes = b"", api_key: str = "",
                timeout: float = 2.0) -> grpc.StatusCode:
    """The status a unary gRPC ``method`` answers with (raw bytes in, bytes out)."""
    channel = grpc.insecure_channel(address)
    try:
        call: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(
            method, request_serializer=None, response_deserializer=None)
        metadata = (("authorization", f"Bearer {api_key}"),) if api_key else None
        call(request, timeout=timeout, metadata=metadata)
        return grpc.StatusCode.OK
    except grpc.RpcError as error:
        return error.code()
    finally:
        channel.close()


def readiness_request() -> bytes:
    """getByReference of an agent nobody creates (org local, kind agent)."""
    from ai.stigmer.commons.apiresource import io_pb2

    reference = io_pb2.ApiResourceReference(org="local", kind="agent", slug=READINESS_SLUG)
    return reference.SerializeToString()


def stigmer_ready(address: str, api_key: str = "", timeout: float = 2.0) -> tuple[bool, str]:
    """(ready, detail): a Stigmer RPC answered, whatever it answered (NOT_FOUND included).

    Stigmer's servers serve no grpc.health.v1, so readiness is a real RPC answering.
    """
    code = call_method(address, READINESS_METHOD, readiness_request(), api_key, timeout)
    if code in NOT_ANSWERED:
        return False, code.name
    return True, f"answered getByReference with {code.name}"
