"""Workflows (the definitions): apply/create/update/delete, queries and spec validation.

A workflow is validated on every save (:mod:`reference.workflow_dsl.validation`): an invalid
one is rejected with INVALID_ARGUMENT naming the task and the field; a valid one is stored
with ``status.serverless_workflow_validation.state = VALID``.
"""

from __future__ import annotations

from typing import Any

from ai.stigmer.agentic.workflow.v1 import api_pb2, status_pb2
from ai.stigmer.agentic.workflow.v1.serverless import validation_pb2
from ai.stigmer.commons.apiresource import metadata_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from reference.workflow_dsl.validation import WorkflowInvalid, validate_spec

from . import errors, ids, kinds, lookup, slugs
from .agents import Mode
from .kinds import WORKFLOW
from .store import DuplicateError, Record, Store, Tx

Workflow = api_pb2.Workflow
Validation = validation_pb2.ServerlessWorkflowValidation


class WorkflowService:
    """Workflow commands and queries over the store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def save(self, incoming: Workflow, mode: Mode) -> Workflow:
        """Validate and persist a workflow (apply = create or update by org/slug)."""
        workflow = Workflow()
        workflow.CopyFrom(incoming)
        _normalize(workflow)
        try:
            validate_spec(workflow.spec)
        except WorkflowInvalid as exc:
            raise errors.invalid(f"invalid workflow {workflow.metadata.slug!r}: {exc}") from exc
        try:
            with self._store.write() as tx:
                existing = self._find_existing(tx, workflow, mode)
                if existing is None:
                    if mode is Mode.UPDATE:
                        raise errors.not_found(f"Workflow not found: {workflow.metadata.slug}")
                    return _insert(tx, workflow)
                if mode is Mode.CREATE:
                    raise errors.already_exists(
                        f"Workflow already exists: {workflow.metadata.org}/"
                        f"{workflow.metadata.slug} (id {existing.id}); use apply to update it"
                    )
                return _replace(tx, existing, workflow)
        except DuplicateError as exc:
            raise errors.already_exists(
                f"Workflow already exists: {workflow.metadata.org}/{workflow.metadata.slug}"
            ) from exc

    @staticmethod
    def validate(incoming: Workflow) -> Validation:
        """``validateSpec``: VALID, or INVALID with one entry per problem (nothing stored)."""
        try:
            validate_spec(incoming.spec)
        except WorkflowInvalid as exc:
            return _validation(validation_pb2.INVALID, exc.problems)
        return _validation(validation_pb2.VALID, [])

    def delete(self, workflow_id: str) -> Workflow:
        """Delete a workflow (its past executions stay readable); returns it."""
        workflow_id = lookup.require_id(WORKFLOW, workflow_id)
        with self._store.write() as tx:
            _, workflow = lookup.by_id(tx, WORKFLOW, workflow_id)
            tx.delete(workflow_id)
        return workflow

    def get(self, workflow_id: str) -> Workflow:
        """One workflow by id."""
        workflow_id = lookup.require_id(WORKFLOW, workflow_id)
        with self._store.read() as tx:
            return lookup.by_id(tx, WORKFLOW, workflow_id)[1]

    def get_by_reference(self, ref: Any) -> Workflow:
        """One workflow by org/slug."""
        with self._store.read() as tx:
            return lookup.by_reference(tx, WORKFLOW, ref)[1]

    @staticmethod
    def _find_existing(tx: Tx, workflow: Workflow, mode: Mode) -> Record | None:
        if workflow.metadata.id and mode is not Mode.CREATE:
            record = tx.get(workflow.metadata.id, WORKFLOW.key)
            if record is None:
                raise errors.not_found(f"Workflow not found: {workflow.metadata.id}")
            return record
        return tx.find_slug(WORKFLOW.key, workflow.metadata.org, workflow.metadata.slug)


def _normalize(workflow: Workflow) -> None:
    if not workflow.HasField("metadata"):
        raise errors.invalid("metadata is required (metadata.name at least)")
    kinds.normalize_metadata(workflow, WORKFLOW)
    meta = workflow.metadata
    meta.name = meta.name.strip()
    if not meta.name and not meta.slug:
        raise errors.invalid("metadata.name is required")
    try:
        meta.slug = slugs.resolve(meta.name, meta.slug.strip())
    except slugs.InvalidSlugError as exc:
        raise errors.invalid(str(exc)) from exc
    meta.name = meta.name or meta.slug


def _validation(state: int, problems: list[str]) -> Validation:
    now = Timestamp()
    now.GetCurrentTime()
    return Validation(state=state, errors=problems, validated_at=now)


def _insert(tx: Tx, workflow: Workflow) -> Workflow:
    workflow.metadata.id = ids.new_id(WORKFLOW.prefix)
    workflow.metadata.version.CopyFrom(metadata_pb2.ApiResourceMetadataVersion(
        id=ids.new_id(ids.VERSION), message=workflow.metadata.version.message))
    workflow.status.CopyFrom(status_pb2.WorkflowStatus(
        serverless_workflow_validation=_validation(validation_pb2.VALID, [])))
    kinds.stamp(workflow, "created")
    tx.insert(kinds.to_record(WORKFLOW, workflow))
    return workflow


def _replace(tx: Tx, existing: Record, workflow: Workflow) -> Workflow:
    current: Workflow = WORKFLOW.parse(existing)
    workflow.metadata.id = existing.id
    workflow.metadata.version.CopyFrom(metadata_pb2.ApiResourceMetadataVersion(
        id=ids.new_id(ids.VERSION), previous_version_id=current.metadata.version.id,
        message=workflow.metadata.version.message, tag=workflow.metadata.version.tag))
    workflow.status.CopyFrom(current.status)  # status is server-owned
    workflow.status.serverless_workflow_validation.CopyFrom(
        _validation(validation_pb2.VALID, []))
    kinds.stamp(workflow, "updated")
    tx.update(kinds.to_record(WORKFLOW, workflow))
    return workflow
