"""Shared fixtures of the runner tests."""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (what the runner uses)."""
    return "asyncio"
