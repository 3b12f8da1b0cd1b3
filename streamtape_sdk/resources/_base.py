"""Base of the sync resources: thin shells that run the core's flows with the requests driver.

The argument checks and parsing helpers live in `streamtape_sdk._core.parsing` (re-exported
here for existing imports).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from .._core.effects import Flow
from .._core.parsing import (
    expect_true,
    parse,
    parse_keyed,
    parse_listed,
    require_id,
    require_name,
)
from .._drivers.sync import SyncDriver
from .._transport import Transport

__all__ = [
    "Resource",
    "expect_true",
    "parse",
    "parse_keyed",
    "parse_listed",
    "require_id",
    "require_name",
]

T = TypeVar("T")


class Resource:
    """Base of the four sync resources: holds the transport and runs flows on it."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._transport!r}>"

    def _run(self, flow: Flow[T]) -> T:
        return SyncDriver(self._transport).run(flow)

    def _iterate(self, flow: Flow[None], item: type[T]) -> Iterator[T]:
        for value in SyncDriver(self._transport).iterate(flow):
            assert isinstance(value, item)
            yield value
