"""Skills: ``push`` (create or new version from a ZIP artifact), queries, artifacts, delete.

A push reads ``SKILL.md`` from the artifact (:mod:`skill_artifacts`): its frontmatter ``name``
is the skill's name and slug, the SHA-256 of the artifact is the version hash. The artifact is
stored once per hash (``status.artifact_storage_key``); a new push of the same slug replaces
spec and status and links the previous version (``metadata.version.previous_version_id``).
Only the inline path exists: artifacts travel in the gRPC request (the server's request size
limit applies); the HTTP transfer lane (``createArtifactUploadUrl``) is not offered.
"""

from __future__ import annotations

import re
from typing import Any

import grpc
from ai.stigmer.agentic.skill.v1 import api_pb2, io_pb2, spec_pb2, status_pb2
from ai.stigmer.commons.apiresource import metadata_pb2

from . import errors, ids, kinds
from .kinds import SKILL
from .resources import ResourceService
from .skill_artifacts import ArtifactError, SkillDocument, read_artifact
from .store import DuplicateError, Query, Record, Tx

Skill = api_pb2.Skill
ARTIFACT_KIND = "skill_artifact"
_TAG = re.compile(r"^[a-zA-Z0-9._-]+$")
NO_UPLOAD_LANE = (
    "the reference Stigmer server has no HTTP artifact transfer lane: push the skill "
    "artifact inline in the request (artifact_upload_ref is not supported)"
)


def storage_key(org: str, slug: str, version: str) -> str:
    """Where one version's artifact is kept."""
    return f"skills/{org}/{slug}/{version}.zip"


class SkillService(ResourceService[Skill]):
    """Skill commands and queries over the store."""

    kind = SKILL

    def push(self, request: io_pb2.PushSkillRequest) -> Skill:
        """Create the skill named in the artifact's SKILL.md, or add a version of it."""
        if request.artifact_upload_ref:
            raise errors.ServiceError(grpc.StatusCode.UNIMPLEMENTED, NO_UPLOAD_LANE)
        org = request.org.strip()
        if not org:
            raise errors.invalid("org is required (the organization that owns the skill)")
        if request.tag and not _TAG.match(request.tag):
            raise errors.invalid(f"invalid tag {request.tag!r}: letters, digits, '.', '_', '-'")
        try:
            document = read_artifact(bytes(request.artifact))
        except ArtifactError as exc:
            raise errors.invalid(str(exc)) from exc
        try:
            with self._store.write() as tx:
                existing = tx.find_slug(SKILL.key, org, document.name)
                skill = _build(request, org, document, existing)
                _keep_artifact(tx, skill, bytes(request.artifact))
                if existing is None:
                    tx.insert(kinds.to_record(SKILL, skill))
                else:
                    tx.update(kinds.to_record(SKILL, skill))
                return skill
        except DuplicateError as exc:
            raise errors.already_exists(f"Skill already exists: {org}/{document.name}") from exc

    def get_by_reference(self, ref: Any) -> Skill:
        """One skill by org/slug; a version, when given, must be its tag or version hash."""
        skill = super().get_by_reference(ref)
        version = ref.version.strip()
        if version and version != "latest" and version not in (
            skill.spec.tag, skill.status.version_hash
        ):
            raise errors.not_found(
                f"Skill version not found: {skill.metadata.slug}@{version} (this server keeps "
                f"the current version only: tag {skill.spec.tag or '-'}, "
                f"hash {skill.status.version_hash[:12]})"
            )
        return skill

    def get_artifact(self, request: io_pb2.GetArtifactRequest) -> io_pb2.GetArtifactResponse:
        """The ZIP of one stored version."""
        key = request.artifact_storage_key.strip()
        if not key:
            raise errors.invalid("artifact_storage_key is required")
        with self._store.read() as tx:
            record = tx.get(key, ARTIFACT_KIND)
        if record is None:
            raise errors.not_found(f"Skill artifact not found: {key}")
        return io_pb2.GetArtifactResponse(artifact=record.data)

    def _delete_dependents(self, tx: Tx, resource_id: str) -> None:
        """Every stored artifact of the skill goes with it."""
        for record in tx.select(Query(kinds=[ARTIFACT_KIND], parent_id=resource_id)):
            tx.delete(record.id)

def _build(
    request: io_pb2.PushSkillRequest, org: str, document: SkillDocument, existing: Record | None
) -> Skill:
    previous: Skill | None = SKILL.parse(existing) if existing is not None else None
    skill = Skill(
        metadata=metadata_pb2.ApiResourceMetadata(
            name=document.name, slug=document.name, org=org,
            id=previous.metadata.id if previous else ids.new_id(SKILL.prefix),
        ),
        spec=spec_pb2.SkillSpec(
            skill_md=document.skill_md, tag=request.tag, name=document.name,
            description=document.description,
        ),
        status=status_pb2.SkillStatus(
            version_hash=document.version_hash,
            artifact_storage_key=storage_key(org, document.name, document.version_hash),
            state=status_pb2.SKILL_STATE_READY,
        ),
    )
    kinds.normalize_metadata(skill, SKILL)
    if previous is not None:
        skill.metadata.labels.update(previous.metadata.labels)
        skill.metadata.visibility = previous.metadata.visibility
        skill.status.audit.CopyFrom(previous.status.audit)
    skill.metadata.labels.update(dict(request.labels))
    skill.metadata.version.CopyFrom(metadata_pb2.ApiResourceMetadataVersion(
        id=ids.new_id(ids.VERSION), message=request.message, tag=request.tag,
        previous_version_id=previous.metadata.version.id if previous else "",
    ))
    if request.HasField("git_provenance"):
        skill.status.git_provenance.CopyFrom(request.git_provenance)
    kinds.stamp(skill, "updated" if previous else "created")
    return skill


def _keep_artifact(tx: Tx, skill: Skill, artifact: bytes) -> None:
    key = skill.status.artifact_storage_key
    if tx.get(key, ARTIFACT_KIND) is None:
        tx.insert(Record(id=key, kind=ARTIFACT_KIND, org=skill.metadata.org, data=artifact,
                         parent_id=skill.metadata.id, name=skill.status.version_hash))
