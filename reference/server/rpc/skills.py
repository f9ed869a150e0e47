"""SkillCommandController and SkillQueryController (unlisted RPCs answer UNIMPLEMENTED)."""

from __future__ import annotations

from typing import Any

import grpc
from ai.stigmer.agentic.skill.v1 import command_pb2, command_pb2_grpc, query_pb2, query_pb2_grpc

from ..skills import SkillService
from .common import implements, in_thread, unary
from .servicers import DeleteById, ResourceQueries


@implements(command_pb2.DESCRIPTOR.services_by_name["SkillCommandController"])
class SkillCommandServicer(DeleteById, command_pb2_grpc.SkillCommandControllerServicer):
    """push / delete (createArtifactUploadUrl is UNIMPLEMENTED: no HTTP transfer lane)."""

    @unary
    async def push(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._service.push, request)


@implements(query_pb2.DESCRIPTOR.services_by_name["SkillQueryController"])
class SkillQueryServicer(ResourceQueries, query_pb2_grpc.SkillQueryControllerServicer):
    """get / getByReference / getArtifact."""

    @unary
    async def getArtifact(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._service.get_artifact, request)


def register(server: grpc.aio.Server, skills: SkillService) -> None:
    """Add both skill services to ``server``."""
    command_pb2_grpc.add_SkillCommandControllerServicer_to_server(
        SkillCommandServicer(skills), server
    )
    query_pb2_grpc.add_SkillQueryControllerServicer_to_server(SkillQueryServicer(skills), server)
