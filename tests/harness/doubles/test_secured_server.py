"""harness.doubles.secured_server: a key-checking server that honours the target."""

from __future__ import annotations

from pathlib import Path

import pytest
from stigmer import StigmerError

from harness.config import SuiteConfig
from harness.doubles.secured_server import SecuredServer
from harness.stigmer.client import StigmerApi


def test_the_external_target_is_used_with_its_key(tmp_path: Path) -> None:
    local = SecuredServer(SuiteConfig(target="external", server_address="h:1"), tmp_path)
    assert "api_key" in local.skip_reason()
    keyed = SecuredServer(SuiteConfig(target="external", server_address="h:1",
                                      api_key="sk-real-key"), tmp_path)
    assert keyed.skip_reason() == ""
    keyed.start()
    assert (keyed.address, keyed.key) == ("h:1", "sk-real-key")
    keyed.stop()  # nothing of the target is stopped
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_the_embedded_target_starts_a_server_that_wants_a_fresh_key(tmp_path: Path) -> None:
    server = SecuredServer(SuiteConfig(), tmp_path).start()
    try:
        data = server._data.path if server._data else None
        assert data is not None and tmp_path not in data.parents  # no server data in reports
        with pytest.raises(StigmerError):
            wrong = StigmerApi(server.address, "not-the-key", "o")
            try:
                wrong.agents.slugs()
            finally:
                wrong.close()
        right = StigmerApi(server.address, server.key, "o")
        try:
            assert right.agents.slugs() == []
        finally:
            right.close()
        assert [p.suffix for p in tmp_path.iterdir()] == [".log"]
    finally:
        server.stop()
    assert not data.exists()
