"""The async resources: thin shells that run the core's flows on the httpx2 driver.

Each method has exactly the signature of its sync twin in `streamtape_sdk.resources`
(a test compares them); the work is in `streamtape_sdk._core`.
"""

from __future__ import annotations

from typing import TypeVar

from .._core import account as core_account
from .._core.effects import Flow
from .._drivers.async_ import AsyncDriver, AsyncTransport
from ..models import AccountInfo

__all__ = ["AsyncAccount", "AsyncFiles", "AsyncFolders", "AsyncRemote"]

T = TypeVar("T")


class AsyncResource:
    """Base of the four async resources: holds the transport and runs flows."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._transport.base_url!r}>"

    async def _run(self, flow: Flow[T]) -> T:
        return await AsyncDriver(self._transport).run(flow)


class AsyncAccount(AsyncResource):
    """The account behind the credentials."""

    async def info(self, *, timeout: float | None = None) -> AccountInfo:
        """Return the account's details; also the cheapest way to check credentials.

        Raises:
            MissingCredentialsError: no login or key configured.
            PermissionDeniedError: wrong login or key.

        Example:
            >>> (await client.account.info()).email  # doctest: +SKIP
        """
        return await self._run(core_account.info(self._transport, timeout=timeout))


class AsyncFiles(AsyncResource):
    """Files: download tickets and links, info, uploads, rename/move/delete, conversions."""


class AsyncRemote(AsyncResource):
    """Remote uploads: the service downloads a URL into your account."""


class AsyncFolders(AsyncResource):
    """Folders. The root folder has no id: pass None (the default)."""
