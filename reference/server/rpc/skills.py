"""SkillCommandController and SkillQueryController (unlisted RPCs answer UNIMPLEMENTED)."""

from __future__ import annotations

from typing import Any

import grpc
from ai.stigmer.agentic.skill.v1 import command_pb2, command_pb2_grpc, query_pb2, query_pb2_grpc

from ..skills import SkillService
from .common import implements, in_thread, unary


@implements(command_pb2.DESCRIPTOR.services_by_name["SkillCommandController"])
class SkillCommandServicer(command_pb2_grpc.SkillCommandControllerServicer):
    """push / delete (createArtifactUploadUrl is UNIMPLEMENTED: no HTTP transfer lane)."""

    def __init__(self, skills: SkillService) -> None:
        self._skills = skills

    @unary
    async def push(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._skills.push, request)

    @unary
    async def delete(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._skills.delete, request.value)


@implements(query_pb2.DESCRIPTOR.services_by_name["SkillQueryController"])
class SkillQueryServicer(query_pb2_grpc.SkillQueryControllerServicer):
    """get / getByReference / getArtifact."""

    def __init__(self, skills: SkillService) -> None:
        self._skills = skills

    @unary
    async def get(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._skills.get, request.value)

    @unary
    async def getByReference(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._skills.get_by_reference, request)

    @unary
    async def getArtifact(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._skills.get_artifact, request)


def register(server: grpc.aio.Server, skills: SkillService) -> None:
    """Add both skill services to ``server``."""
    command_pb2_grpc.add_SkillCommandControllerServicer_to_server(
        SkillCommandServicer(skills), server
    )
    query_pb2_grpc.add_SkillQueryControllerServicer_to_server(SkillQueryServicer(skills), server)
