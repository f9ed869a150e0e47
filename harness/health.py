"""gRPC health probes (standard ``grpc.health.v1``) for Stigmer and Temporal."""

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
