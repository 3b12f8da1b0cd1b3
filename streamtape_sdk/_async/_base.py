"""Base of the async resources: holds the async transport and runs the core's flows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, TypeVar

from .._core.effects import Flow

if TYPE_CHECKING:
    from .._client import Streamtape
    from .._drivers.async_ import AsyncDriver, AsyncTransport

__all__ = ["AsyncResource"]

T = TypeVar("T")


class AsyncResource:
    """Base of the four async resources."""

    def __init__(self, transport: AsyncTransport) -> None:
        # Imported here, not at module level: only a built client needs httpx2.
        from .._drivers.async_ import AsyncDriver

        self._transport = transport
        self._driver: type[AsyncDriver] = AsyncDriver

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._transport!r}>"

    def _sync_twin(self) -> Streamtape:
        """The client's sync twin (same settings) for the batch engine's worker threads."""
        return self._transport.sync_twin()

    async def _run(self, flow: Flow[T]) -> T:
        return await self._driver(self._transport).run(flow)

    async def _iterate(self, flow: Flow[None], item: type[T]) -> AsyncIterator[T]:
        async for value in self._driver(self._transport).iterate(flow):
            assert isinstance(value, item)
            yield value
