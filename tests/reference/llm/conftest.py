"""The reference LLM endpoint as a subprocess: one per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reference.llm.llm_server_proc import LlmServer, start_server


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlmServer]:
    server = start_server(tmp_path_factory.mktemp("llm") / "llm.log")
    try:
        yield server
    finally:
        server.stop()
