"""MCP servers: apply (create-or-update by org/slug), create, update, delete and queries.

An McpServer says how to reach one MCP server: ``spec.stdio`` (a command the agent-runner
starts) or ``spec.http`` (a streamable-HTTP URL). Saving checks that exactly one is usable and
marks ``status.validation_state`` valid; tools are discovered by the runner, not here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from ai.stigmer.agentic.mcpserver.v1 import api_pb2, status_pb2
from ai.stigmer.commons.apiresource import metadata_pb2

from . import errors, ids, kinds, lookup, slugs
from .agents import Mode
from .kinds import MCP_SERVER
from .store import DuplicateError, Record, Store, Tx

McpServer = api_pb2.McpServer


class McpServerService:
    """McpServer commands and queries over the store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def save(self, incoming: McpServer, mode: Mode) -> McpServer:
        """Validate and persist an MCP server definition."""
        server = McpServer()
        server.CopyFrom(incoming)
        _normalize(server)
        _validate_transport(server)
        meta = server.metadata
        try:
            with self._store.write() as tx:
                existing = _find_existing(tx, server, mode)
                if existing is None:
                    if mode is Mode.UPDATE:
                        raise errors.not_found(f"MCP server not found: {meta.slug}")
                    return _insert(tx, server)
                if mode is Mode.CREATE:
                    raise errors.already_exists(
                        f"MCP server already exists: {meta.org}/{meta.slug} "
                        f"(id {existing.id}); use apply to update it"
                    )
                return _replace(tx, existing, server)
        except DuplicateError as exc:
            raise errors.already_exists(
                f"MCP server already exists: {meta.org}/{meta.slug}"
            ) from exc

    def delete(self, server_id: str) -> McpServer:
        """Delete an MCP server definition; returns it."""
        server_id = lookup.require_id(MCP_SERVER, server_id, field="resource_id")
        with self._store.write() as tx:
            _, server = lookup.by_id(tx, MCP_SERVER, server_id)
            tx.delete(server_id)
        return server

    def get(self, server_id: str) -> McpServer:
        """One MCP server by id."""
        server_id = lookup.require_id(MCP_SERVER, server_id)
        with self._store.read() as tx:
            return lookup.by_id(tx, MCP_SERVER, server_id)[1]

    def get_by_reference(self, ref: Any) -> McpServer:
        """One MCP server by org/slug."""
        with self._store.read() as tx:
            return lookup.by_reference(tx, MCP_SERVER, ref)[1]


def _normalize(server: McpServer) -> None:
    if not server.HasField("metadata"):
        raise errors.invalid("metadata is required (metadata.name at least)")
    kinds.normalize_metadata(server, MCP_SERVER)
    meta = server.metadata
    meta.name = meta.name.strip()
    if not meta.name and not meta.slug:
        raise errors.invalid("metadata.name is required")
    try:
        meta.slug = slugs.resolve(meta.name, meta.slug.strip())
    except slugs.InvalidSlugError as exc:
        raise errors.invalid(str(exc)) from exc
    meta.name = meta.name or meta.slug


def _validate_transport(server: McpServer) -> None:
    spec = server.spec
    kind = spec.WhichOneof("server_type")
    if kind is None:
        raise errors.invalid(
            "spec needs a server type: stdio (command) or http (url) of the MCP server"
        )
    if kind == "stdio" and not spec.stdio.command.strip():
        raise errors.invalid("spec.stdio.command is required for a stdio MCP server")
    if kind == "http":
        url = urlparse(spec.http.url.strip())
        if url.scheme not in ("http", "https") or not url.netloc:
            raise errors.invalid(
                f"spec.http.url must be an http(s) URL of the MCP endpoint, got "
                f"{spec.http.url!r}"
            )
        if spec.http.timeout_seconds < 0:
            raise errors.invalid("spec.http.timeout_seconds must not be negative")


def _find_existing(tx: Tx, server: McpServer, mode: Mode) -> Record | None:
    if server.metadata.id and mode is not Mode.CREATE:
        record = tx.get(server.metadata.id, MCP_SERVER.key)
        if record is None:
            raise errors.not_found(f"MCP server not found: {server.metadata.id}")
        return record
    return tx.find_slug(MCP_SERVER.key, server.metadata.org, server.metadata.slug)


def _valid_status(current: status_pb2.McpServerStatus | None) -> status_pb2.McpServerStatus:
    status = status_pb2.McpServerStatus()
    if current is not None:
        status.CopyFrom(current)
    status.validation_state = status_pb2.valid
    status.validation_message = ""
    return status


def _insert(tx: Tx, server: McpServer) -> McpServer:
    server.metadata.id = ids.new_id(MCP_SERVER.prefix)
    server.metadata.version.CopyFrom(metadata_pb2.ApiResourceMetadataVersion(
        id=ids.new_id(ids.VERSION), message=server.metadata.version.message))
    server.status.CopyFrom(_valid_status(None))
    kinds.stamp(server, "created")
    tx.insert(kinds.to_record(MCP_SERVER, server))
    return server


def _replace(tx: Tx, existing: Record, server: McpServer) -> McpServer:
    current: McpServer = MCP_SERVER.parse(existing)
    server.metadata.id = existing.id
    server.metadata.version.CopyFrom(metadata_pb2.ApiResourceMetadataVersion(
        id=ids.new_id(ids.VERSION), previous_version_id=current.metadata.version.id,
        message=server.metadata.version.message, tag=server.metadata.version.tag))
    server.status.CopyFrom(_valid_status(current.status))  # status is server-owned
    kinds.stamp(server, "updated")
    tx.update(kinds.to_record(MCP_SERVER, server))
    return server
