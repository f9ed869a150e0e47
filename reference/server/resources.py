"""Generic services for org/slug-scoped resources (agents, workflows, MCP servers, skills, ...).

:class:`ResourceReader` answers ``get`` / ``getByReference``; :class:`ResourceService` adds
``delete``; :class:`SlugResourceService` adds ``save`` in the three modes (apply, create,
update) with Stigmer's NOT_FOUND / ALREADY_EXISTS wording, taken from the kind's label.
A kind specialises them through a few hooks (extra checks, server-owned status, dependents).
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Generic, TypeVar

from ai.stigmer.commons.apiresource import metadata_pb2

from . import errors, ids, kinds, lookup, slugs
from .kinds import Kind
from .store import DuplicateError, Record, Store, Tx

R = TypeVar("R")


class Mode(Enum):
    """What a save may do: APPLY creates or updates, CREATE only creates, UPDATE only updates."""

    APPLY = "apply"
    CREATE = "create"
    UPDATE = "update"


class ResourceReader(Generic[R]):
    """``get`` by id and ``getByReference`` by org/slug for one kind."""

    kind: Kind

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, resource_id: str) -> R:
        """One resource by id."""
        resource_id = lookup.require_id(self.kind, resource_id)
        with self._store.read() as tx:
            return lookup.by_id(tx, self.kind, resource_id)[1]

    def get_by_reference(self, ref: Any) -> R:
        """One resource by org/slug."""
        with self._store.read() as tx:
            return lookup.by_reference(tx, self.kind, ref)[1]


class ResourceService(ResourceReader[R]):
    """A reader that can also delete (with the kind's dependents)."""

    delete_id_field = "value"

    def delete(self, resource_id: str) -> R:
        """Delete a resource (and its dependents); returns the deleted resource."""
        resource_id = lookup.require_id(self.kind, resource_id, self.delete_id_field)
        with self._store.write() as tx:
            _, resource = lookup.by_id(tx, self.kind, resource_id)
            self._delete_dependents(tx, resource_id)
            tx.delete(resource_id)
        return resource

    def _delete_dependents(self, tx: Tx, resource_id: str) -> None:
        """Hook: delete what belongs to the resource (nothing by default)."""


class SlugResourceService(ResourceService[R]):
    """Apply/create/update by org/slug: metadata normalized, version linked, status kept."""

    def save(self, incoming: R, mode: Mode) -> R:
        """Validate and persist a resource (apply = create or update by org/slug)."""
        resource: Any = self.kind.message()  # this kind's message: metadata, spec, status
        resource.CopyFrom(incoming)
        normalize_named_metadata(resource, self.kind)
        self._check(resource)
        meta = resource.metadata
        label = self.kind.label
        try:
            with self._store.write() as tx:
                existing = self._find_existing(tx, resource, mode)
                if existing is None:
                    if mode is Mode.UPDATE:
                        raise errors.not_found(f"{label} not found: {meta.slug}")
                    return self._insert(tx, resource)
                if mode is Mode.CREATE:
                    raise errors.already_exists(
                        f"{label} already exists: {meta.org}/{meta.slug} "
                        f"(id {existing.id}); use apply to update it"
                    )
                return self._replace(tx, existing, resource)
        except DuplicateError as exc:
            raise errors.already_exists(f"{label} already exists: {meta.org}/{meta.slug}") from exc

    def _check(self, resource: Any) -> None:
        """Hook: kind-specific validation after metadata normalization (raise ServiceError)."""

    def _status(self, current: Any | None) -> Any:
        """Hook: the server-owned status to store (``current`` is None for a new resource)."""
        template: Any = self.kind.message()
        status = type(template.status)()
        if current is not None:
            status.CopyFrom(current)
        return status

    def _before_write(self, tx: Tx, resource: Any) -> None:
        """Hook: last changes inside the write transaction, before the record is written."""

    def _find_existing(self, tx: Tx, resource: Any, mode: Mode) -> Record | None:
        meta = resource.metadata
        if meta.id and mode is not Mode.CREATE:
            record = tx.get(meta.id, self.kind.key)
            if record is None:
                raise errors.not_found(f"{self.kind.label} not found: {meta.id}")
            return record
        return tx.find_slug(self.kind.key, meta.org, meta.slug)

    def _insert(self, tx: Tx, resource: Any) -> Any:
        resource.metadata.id = ids.new_id(self.kind.prefix)
        resource.metadata.version.CopyFrom(metadata_pb2.ApiResourceMetadataVersion(
            id=ids.new_id(ids.VERSION), message=resource.metadata.version.message))
        resource.status.CopyFrom(self._status(None))
        kinds.stamp(resource, "created")
        self._before_write(tx, resource)
        tx.insert(kinds.to_record(self.kind, resource))
        return resource

    def _replace(self, tx: Tx, existing: Record, resource: Any) -> Any:
        current = self.kind.parse(existing)
        resource.metadata.id = existing.id
        resource.metadata.version.CopyFrom(metadata_pb2.ApiResourceMetadataVersion(
            id=ids.new_id(ids.VERSION), previous_version_id=current.metadata.version.id,
            message=resource.metadata.version.message, tag=resource.metadata.version.tag))
        resource.status.CopyFrom(self._status(current.status))  # status is server-owned
        kinds.stamp(resource, "updated")
        self._before_write(tx, resource)
        tx.update(kinds.to_record(self.kind, resource))
        return resource


def normalize_named_metadata(resource: Any, kind: Kind) -> None:
    """Normalize metadata (api_version/kind, org, slug, name) or raise INVALID_ARGUMENT."""
    if not resource.HasField("metadata"):
        raise errors.invalid("metadata is required (metadata.name at least)")
    kinds.normalize_metadata(resource, kind)
    meta = resource.metadata
    meta.name = meta.name.strip()
    if not meta.name and not meta.slug:
        raise errors.invalid("metadata.name is required")
    try:
        meta.slug = slugs.resolve(meta.name, meta.slug.strip())
    except slugs.InvalidSlugError as exc:
        raise errors.invalid(str(exc)) from exc
    meta.name = meta.name or meta.slug
