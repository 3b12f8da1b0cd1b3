"""Base of the async resources: holds the async transport and runs the core's flows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVar

from .._core.effects import Flow
from .._drivers.async_ import AsyncDriver, AsyncTransport

__all__ = ["AsyncResource"]

T = TypeVar("T")


class AsyncResource:
    """Base of the four async resources."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._transport!r}>"

    async def _run(self, flow: Flow[T]) -> T:
        return await AsyncDriver(self._transport).run(flow)

    async def _iterate(self, flow: Flow[None], item: type[T]) -> AsyncIterator[T]:
        async for value in AsyncDriver(self._transport).iterate(flow):
            assert isinstance(value, item)
            yield value
