"""`AsyncStreamtape`: configuration, one async transport (httpx2 pool), the four resources.

httpx2 is imported when the first client is built, never by `import streamtape_sdk`.
"""

from __future__ import annotations

import importlib
import platform
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, cast

from .._client import (
    DEFAULT_MAX_RETRIES,
    ENV_BASE_URL,
    ENV_KEY,
    ENV_LOGIN,
    check_base_url,
    require_callable,
    setting,
)
from .._config import DEFAULT_TIMEOUT, Timeout
from .._redaction import MASK
from .._retry import RetryPolicy
from .._settings import check_proxy, derive_options, resolve_retry
from .._transport import DEFAULT_BASE_URL
from .._version import __version__
from .resources import AsyncAccount, AsyncFiles, AsyncFolders, AsyncRemote

if TYPE_CHECKING:
    from .._drivers.async_ import AsyncTransport

__all__ = ["AsyncStreamtape"]

_EXTRA_HINT = 'AsyncStreamtape needs httpx2: pip install "streamtape-sdk[async]"'


def _transport_class() -> type[AsyncTransport]:
    """The httpx2 transport class; an ImportError naming the extra when httpx2 is missing."""
    try:
        module = importlib.import_module("streamtape_sdk._drivers.async_")
    except ImportError as exc:
        if exc.name not in ("httpx2", "httpcore2", "anyio", "sniffio", "h11"):
            raise
        raise ImportError(f"{_EXTRA_HINT} (missing module: {exc.name})", name=exc.name) from None
    transport_class: type[AsyncTransport] = module.AsyncTransport
    return transport_class


def _default_user_agent() -> str:
    import httpx2

    return (
        f"streamtape-sdk/{__version__} httpx2/{httpx2.__version__} "
        f"{platform.python_implementation()}/{platform.python_version()}"
    )


class AsyncStreamtape:
    """The asyncio client of the Streamtape API: `Streamtape`'s twin, every method `async`.

    The same arguments as `Streamtape` (minus `session=`), the same four resources, method
    names, parameters, models and errors; `folders.walk` is an async iterator. Both clients
    run one shared core (argument checks, requests, parsing, retries, multi-step flows); this
    one performs its I/O with httpx2 (`pip install "streamtape-sdk[async]"`).

    Use one client per event loop (its connection pool belongs to the loop it first ran on),
    and close it with `async with` or `await client.aclose()`.

    Args:
        login: the API login (else `STREAMTAPE_LOGIN`).
        key: the API key (else `STREAMTAPE_KEY`). Shown as `***` in every repr and message.
        base_url: the API root (else `STREAMTAPE_BASE_URL`, else https://api.streamtape.com).
        timeout: seconds for each connection and read, or a `Timeout`.
        max_retries: retries of a transient failure (0 turns retrying off).
        retry: the whole `RetryPolicy`; give either this or `max_retries`.
        proxy: a proxy URL (`http://host:3128`, `socks5://user:pw@host:1080`) for every
            request; by default the `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` environment applies.
        user_agent: the `User-Agent` header.
        clock: seconds from a monotonic clock (default `time.monotonic`): measures ticket
            waits and `remote.wait` deadlines. Inject a fake one in your tests.
        sleep: an async function that sleeps the given seconds (default `anyio.sleep`):
            every wait (backoff, ticket wait, polling) goes through it.

    Raises:
        ImportError: httpx2 is not installed (the message names `streamtape-sdk[async]`).
        TypeError, ValueError: a bad argument (checked before any I/O).

    Examples:
        >>> async with AsyncStreamtape() as client:  # doctest: +SKIP
        ...     info = await client.account.info()
    """

    account: AsyncAccount
    """Account details (`await account.info()`)."""
    files: AsyncFiles
    """Files: tickets, links, info, upload, download, rename/move/delete, conversions."""
    remote: AsyncRemote
    """Remote uploads: add, status, list, wait, remove."""
    folders: AsyncFolders
    """Folders: list, create, rename, delete, walk (an async iterator)."""

    def __init__(
        self,
        login: str | None = None,
        key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry: RetryPolicy | None = None,
        proxy: str | None = None,
        user_agent: str | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        transport_class = _transport_class()
        timeouts = Timeout.of(timeout)
        policy = resolve_retry(max_retries, retry)
        if user_agent is not None and not isinstance(cast(object, user_agent), str):
            raise TypeError(f"user_agent must be a str, got {type(user_agent).__name__}")
        require_callable(clock, "clock")
        require_callable(sleep, "sleep")
        self._attach(
            transport_class(
                login=setting(login, ENV_LOGIN),
                key=setting(key, ENV_KEY),
                base_url=check_base_url(setting(base_url, ENV_BASE_URL) or DEFAULT_BASE_URL),
                timeout=timeouts,
                retry=policy,
                user_agent=user_agent or _default_user_agent(),
                proxy=check_proxy(proxy),
                sleep=sleep,
                clock=clock,
            )
        )

    def _attach(self, transport: AsyncTransport) -> None:
        self._transport = transport
        self.account = AsyncAccount(transport)
        self.files = AsyncFiles(transport)
        self.remote = AsyncRemote(transport)
        self.folders = AsyncFolders(transport)

    def with_options(
        self,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> AsyncStreamtape:
        """A client with other timeouts or retry policy over this one's connection pool.

        Cheap (no new pool, nothing to close): made per call it leaks nothing. The view is
        closed when this client is; its own `aclose()` only marks the view closed.

        Raises:
            ValueError: both `max_retries` and `retry` given, or a bad value.
            TypeError: a value of the wrong type.

        Examples:
            >>> await client.with_options(timeout=5).account.info()  # doctest: +SKIP
        """
        new_timeout, new_retry = derive_options(
            self._transport.timeout,
            self._transport.retry,
            timeout=timeout,
            max_retries=max_retries,
            retry=retry,
        )
        view = object.__new__(AsyncStreamtape)
        view._attach(self._transport.view(timeout=new_timeout, retry=new_retry))
        return view

    @property
    def login(self) -> str | None:
        """The API login in use (not secret)."""
        return self._transport.login

    @property
    def base_url(self) -> str:
        """The API root URL in use."""
        return self._transport.base_url

    @property
    def timeout(self) -> Timeout:
        """The default timeouts in seconds (connect, read, upload_reply)."""
        return self._transport.timeout

    @property
    def retry(self) -> RetryPolicy:
        """How transient failures are retried."""
        return self._transport.retry

    @property
    def max_retries(self) -> int:
        """Retries of a transient failure."""
        return self._transport.retry.max_retries

    @property
    def closed(self) -> bool:
        """Whether `aclose()` was called (or the `async with` block ended)."""
        return self._transport.closed

    async def aclose(self) -> None:
        """Release the connection pool; later calls raise `ClientClosedError`."""
        await self._transport.aclose()

    async def __aenter__(self) -> AsyncStreamtape:
        self._transport.ensure_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        key = MASK if self._transport.credentials_present else None
        return (
            f"AsyncStreamtape(login={self.login!r}, key={key!r}, base_url={self.base_url!r}, "
            f"timeout={self.timeout!r}, max_retries={self.max_retries})"
        )
