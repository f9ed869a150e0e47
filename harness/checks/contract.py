"""The contract probe: which Stigmer API generation a server speaks.

By gRPC reflection when the server serves it (the service list says it), else by calling one
method of each generation and reading the answer: UNIMPLEMENTED means the server does not
serve that method; any other answer (NOT_FOUND, INVALID_ARGUMENT, ...) means it does.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from harness.profile import DRIVEN_GENERATION, G1, G2, G3, GENERATION_NAMES
from harness.stack.health import NOT_ANSWERED, call_method, readiness_request

AGENT_EXECUTION_SERVICE = "ai.stigmer.agentic.agentexecution.v1.AgentExecutionQueryController"
SEARCH_SERVICE = "ai.stigmer.search.v1.SearchService"
RUN_PACKAGE = "ai.stigmer.agentic.run.v1."
REFERENCE_MESSAGE = "ai.stigmer.commons.apiresource.ApiResourceReference"
#: 3.x numbering of ApiResourceReference (G1: scope 1, org 2, kind 3, slug 4).
CURRENT_REFERENCE_NUMBERS = {"org": 1, "kind": 2, "slug": 3}
#: One method per question, called with a harmless request.
PROBES = {
    "agent": ("/ai.stigmer.agentic.agent.v1.AgentQueryController/getByReference", "reference"),
    "agent_execution": (f"/{AGENT_EXECUTION_SERVICE}/get", "execution-id"),
    "search": (f"/{SEARCH_SERVICE}/search", "empty"),
    "run": (f"/{RUN_PACKAGE}RunQueryController/get", "empty"),
}


@dataclass(frozen=True)
class ContractProbe:
    """What the probe found: reachable, the generation (None: unknown) and the evidence."""

    address: str
    reachable: bool
    generation: str | None
    evidence: str

    @property
    def driven(self) -> bool:
        return self.reachable and self.generation == DRIVEN_GENERATION

    def line(self) -> str:
        """One line for the prerequisite summary and the stop message (no evidence)."""
        if not self.reachable:
            return f"no Stigmer answers at {self.address} ({self.evidence})"
        drives = GENERATION_NAMES[DRIVEN_GENERATION]
        if self.generation is None:
            return (f"the server at {self.address} speaks no Stigmer API this suite knows; "
                    f"the suite drives {drives}")
        speaks = GENERATION_NAMES[self.generation]
        if self.driven:
            return f"speaks {speaks}"
        return f"this Stigmer speaks {speaks}, the suite drives {drives}"


def _request(kind: str) -> bytes:
    if kind == "reference":
        return readiness_request()
    if kind == "execution-id":
        from ai.stigmer.agentic.agentexecution.v1 import io_pb2

        return io_pb2.AgentExecutionId(value="aex-stigmer-e2e-contract-probe").SerializeToString()
    return b""


def reflected_services(address: str, timeout: float = 2.0) -> list[str] | None:
    """The services the server lists by gRPC reflection (None: it serves no reflection)."""
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    channel = grpc.insecure_channel(address)
    try:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        for response in stub.ServerReflectionInfo(iter([request]), timeout=timeout):
            return [service.name for service in response.list_services_response.service]
        return None
    except grpc.RpcError:
        return None
    finally:
        channel.close()


def reflected_fields(address: str, message: str, timeout: float = 2.0) -> dict[str, int] | None:
    """name -> number of the fields of ``message`` as the server describes it by reflection
    (None: not described)."""
    from google.protobuf import descriptor_pb2
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    channel = grpc.insecure_channel(address)
    try:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(file_containing_symbol=message)
        for response in stub.ServerReflectionInfo(iter([request]), timeout=timeout):
            for blob in response.file_descriptor_response.file_descriptor_proto:
                proto = descriptor_pb2.FileDescriptorProto.FromString(blob)
                for described in proto.message_type:
                    if f"{proto.package}.{described.name}" == message:
                        return {field.name: field.number for field in described.field}
        return None
    except grpc.RpcError:
        return None
    finally:
        channel.close()


def old_reference_numbering(fields: dict[str, int] | None) -> str | None:
    """Evidence of G1's ApiResourceReference numbering, or None."""
    if not fields:
        return None
    moved = {name: number for name, number in fields.items()
             if name in CURRENT_REFERENCE_NUMBERS and CURRENT_REFERENCE_NUMBERS[name] != number}
    if not moved and "scope" not in fields:
        return None
    numbers = ", ".join(f"{name} {number}" for name, number in sorted(
        fields.items(), key=lambda item: item[1]))
    return f"ApiResourceReference numbers {numbers} (3.x: org 1, kind 2, slug 3)"


def classify(serves: dict[str, bool]) -> str | None:
    """The generation of a server from which kinds of calls it serves."""
    if serves.get("agent_execution"):
        return G2 if serves.get("search") else G1
    if serves.get("run"):
        return G3
    return None


def probe_contract(address: str, api_key: str = "", timeout: float = 2.0) -> ContractProbe:
    """Ask the server at ``address`` which generation it speaks."""
    services = reflected_services(address, timeout)
    if services is not None:
        serves = {
            "agent_execution": AGENT_EXECUTION_SERVICE in services,
            "search": SEARCH_SERVICE in services,
            "run": any(name.startswith(RUN_PACKAGE) for name in services),
        }
        stigmer = sorted(name for name in services if name.startswith("ai.stigmer."))
        evidence = "reflection lists " + (", ".join(stigmer[:4]) or "no Stigmer service") + (
            f" and {len(stigmer) - 4} more" if len(stigmer) > 4 else "")
        generation = classify(serves)
        if generation == G2:
            old = old_reference_numbering(reflected_fields(address, REFERENCE_MESSAGE, timeout))
            if old:
                generation, evidence = G1, f"{evidence}; {old}"
        return ContractProbe(address, True, generation, evidence)
    codes: dict[str, grpc.StatusCode] = {}
    for name, (method, request) in PROBES.items():
        codes[name] = call_method(address, method, _request(request), api_key, timeout)
        if codes[name] in NOT_ANSWERED:
            return ContractProbe(address, False, None, f"{codes[name].name}")
    serves = {name: code != grpc.StatusCode.UNIMPLEMENTED for name, code in codes.items()}
    evidence = ", ".join(f"{name} {code.name}" for name, code in codes.items())
    return ContractProbe(address, True, classify(serves), f"no reflection; {evidence}")
