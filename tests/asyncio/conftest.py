"""Fixtures of the async client's own tests (anyio's pytest plugin runs `async def` tests)."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    """Run the async tests on asyncio (the SDK's async client targets asyncio)."""
    return "asyncio"
