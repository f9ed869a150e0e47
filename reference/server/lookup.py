"""Finding resources by id or by reference, with Stigmer's NOT_FOUND wording."""

from __future__ import annotations

from typing import Any

from ai.stigmer.commons.apiresource.apiresourcekind import api_resource_kind_pb2 as kind_pb2

from . import errors
from .kinds import DEFAULT_ORG, Kind
from .store import Record, Tx


def require_id(kind: Kind, resource_id: str, field: str = "value") -> str:
    """Return the trimmed id, or raise INVALID_ARGUMENT when it is empty."""
    resource_id = resource_id.strip()
    if not resource_id:
        raise errors.invalid(f"{kind.label} id is required (request field '{field}')")
    return resource_id


def by_id(tx: Tx, kind: Kind, resource_id: str) -> tuple[Record, Any]:
    """The record and parsed resource, or NOT_FOUND "<Kind> not found: <id>"."""
    record = tx.get(resource_id, kind.key)
    if record is None:
        raise errors.not_found(f"{kind.label} not found: {resource_id}")
    return record, kind.parse(record)


def by_reference(tx: Tx, kind: Kind, ref: Any) -> tuple[Record, Any]:
    """Resolve an ``ApiResourceReference`` (org defaults to ``local``; version is ignored)."""
    if ref.kind and ref.kind != kind.api_kind:
        raise errors.invalid(
            f"reference kind {kind_pb2.ApiResourceKind.Name(ref.kind)} does not match "
            f"{kind_pb2.ApiResourceKind.Name(kind.api_kind)}"
        )
    slug = ref.slug.strip()
    if not slug:
        raise errors.invalid(f"{kind.label} reference needs a slug (ApiResourceReference.slug)")
    record = tx.find_slug(kind.key, ref.org or DEFAULT_ORG, slug)
    if record is None:
        raise errors.not_found(f"{kind.label} not found: {slug}")
    return record, kind.parse(record)
