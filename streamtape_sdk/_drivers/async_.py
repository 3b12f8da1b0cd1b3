"""The async driver: carries out the core's effects with httpx2 on the running event loop.

Imported only when an `AsyncStreamtape` is built, so `import streamtape_sdk` never needs
httpx2. It knows HTTP and threads; nothing of endpoints' meaning, resources or models.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar, cast

import anyio
import anyio.to_thread
import httpx2

if sys.version_info >= (3, 11):
    from typing import assert_never
else:  # pragma: no cover - Python 3.10
    from typing_extensions import assert_never

from .._config import Timeout
from .._core.calls import check_timeout, credentials
from .._core.effects import (
    Blocking,
    Effect,
    Emit,
    Flow,
    Gather,
    HttpRequest,
    OpenStream,
    ReadChunk,
    Reply,
    RequestBody,
    Sleep,
    StreamHead,
)
from .._core.run import iterate_async, run_async
from .._endpoints import Endpoint
from .._redaction import forget_secret, redact, register_secret
from .._retry import RetryPolicy
from .._transport import require_usable_url
from ..errors import (
    APIConnectionError,
    APITimeoutError,
    ClientClosedError,
    ResponseFormatError,
    StreamtapeError,
)

if TYPE_CHECKING:
    from .._cancel import CancelToken
    from .._client import Streamtape
    from .._transport import Transport

__all__ = ["AsyncDriver", "AsyncTransport"]

logger = logging.getLogger("streamtape_sdk")

T = TypeVar("T")

#: Connections kept open per client; calls beyond it wait for a free one (no error).
_MAX_KEEPALIVE = 32
_MAX_CONNECTIONS = 256
#: Slice of a cancellable sleep: how soon a fired `CancelToken` is noticed.
_CANCEL_POLL = 0.05


def _lower_headers(headers: httpx2.Headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


class AsyncTransport:
    """One httpx2 `AsyncClient` (the connection pool), credentials and the client's settings.

    `with_options()` makes a view: a new transport with other settings over the same pool.
    Only the transport that created the pool closes it; a view is closed with its root.
    """

    def __init__(
        self,
        *,
        login: str | None,
        key: str | None,
        base_url: str,
        timeout: Timeout,
        retry: RetryPolicy,
        user_agent: str,
        proxy: str | None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
        root: AsyncTransport | None = None,
    ) -> None:
        self.login = login
        self._key = key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry
        self.user_agent = user_agent
        self.proxy = proxy
        self.sleep: Callable[[float], Awaitable[None]] = sleep or anyio.sleep
        self.clock: Callable[[], float] = clock or time.monotonic
        self._root = root
        self._twin: Streamtape | None = None
        if root is None:
            self.client = httpx2.AsyncClient(
                proxy=proxy,
                follow_redirects=True,
                limits=httpx2.Limits(
                    max_connections=_MAX_CONNECTIONS, max_keepalive_connections=_MAX_KEEPALIVE
                ),
                timeout=self._httpx_timeout(None),
            )
        else:
            self.client = root.client
        self._closed = False
        if key:
            register_secret(key)
            # Masked for as long as this transport exists: its errors may be shown later.
            weakref.finalize(self, forget_secret, key)

    def sync_twin(self) -> Streamtape:
        """A `Streamtape` with this transport's settings, for the batch engine (which runs
        in worker threads); made on first use, closed with the root transport."""
        root = self._root or self
        if root._twin is None:
            from .._client import Streamtape

            root._twin = Streamtape(
                root.login,
                root._key,
                base_url=root.base_url,
                timeout=root.timeout,
                retry=root.retry,
                proxy=root.proxy,
                user_agent=root.user_agent,
            )
        if root is self:
            return root._twin
        return root._twin.with_options(timeout=self.timeout, retry=self.retry)

    def sync_transport(self) -> Transport:
        """A sync transport with these settings (the sync twin's), for the steps that run
        with requests in worker threads (the sliced download)."""
        transport: Transport = getattr(self.sync_twin(), "_transport")  # noqa: B009
        return transport

    def view(self, *, timeout: Timeout, retry: RetryPolicy) -> AsyncTransport:
        """A transport with other settings over this one's connection pool."""
        root = self._root or self
        return AsyncTransport(
            login=self.login,
            key=self._key,
            base_url=self.base_url,
            timeout=timeout,
            retry=retry,
            user_agent=self.user_agent,
            proxy=self.proxy,
            sleep=self.sleep,
            clock=self.clock,
            root=root,
        )

    @property
    def closed(self) -> bool:
        """Whether this transport, or the one whose pool it shares, was closed."""
        return self._closed or (self._root is not None and self._root.closed)

    def credentials(self) -> dict[str, str]:
        """The auth query parameters; raises `MissingCredentialsError` when one is missing."""
        return credentials(self.login, self._key)

    @property
    def credentials_present(self) -> bool:
        return bool(self._key)

    async def aclose(self) -> None:
        """Release the connection pool (a view only marks itself closed)."""
        if self._closed:
            return
        self._closed = True
        if self._root is None:
            if self._twin is not None:
                self._twin.close()
            await self.client.aclose()

    def _httpx_timeout(self, override: float | None, reply: float | None = None) -> httpx2.Timeout:
        connect = self.timeout.connect if override is None else override
        read = self.timeout.read if override is None else override
        return httpx2.Timeout(
            connect=connect,
            # The wait for an upload's reply after its last byte (Timeout.upload_reply).
            read=read if reply is None else max(read, reply),
            write=read,
            pool=None,  # waiting for a free pooled connection is not a failure of the call
        )

    def build(self, request: HttpRequest) -> httpx2.Request:
        """The httpx2 request for `request` (its URL is checked first)."""
        headers = {"User-Agent": self.user_agent}
        headers.update(request.headers or {})
        content: AsyncIterator[bytes] | None = None
        if request.body is not None:
            headers["Content-Length"] = str(len(request.body))
            content = _body_stream(request.body)
        try:
            return self.client.build_request(
                request.method,
                request.url,
                params=dict(request.params) if request.params else None,
                headers=headers,
                content=content,
                timeout=self._httpx_timeout(request.timeout, request.reply_timeout),
            )
        except (httpx2.InvalidURL, httpx2.UnsupportedProtocol, ValueError):
            error = _unusable_url(request.url, request.endpoint)
        raise error

    def ensure_open(self) -> None:
        """Raise `ClientClosedError` when the client (or its root) was closed."""
        if self.closed:
            raise ClientClosedError(
                "this AsyncStreamtape client is closed (aclose() was called or its "
                "`async with` block ended); create a new client"
            )

    async def open(self, request: HttpRequest) -> httpx2.Response:
        """Send `request` and return the reply with its body still unread."""
        self.ensure_open()
        check_timeout(request.timeout)
        require_usable_url(request.url, request.endpoint)
        built = self.build(request)
        started = time.monotonic()
        try:
            response = await self.client.send(built, stream=True)
        except httpx2.UnsupportedProtocol:
            error: StreamtapeError = _unusable_url(request.url, request.endpoint)
        except httpx2.HTTPError as exc:
            error = _connection_error(exc, request.endpoint, self._effective(request))
        else:
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "%s %s -> HTTP %s in %.3f s",
                    request.method,
                    redact(str(built.url)),
                    response.status_code,
                    time.monotonic() - started,
                )
            return response
        # Raised outside the except block: httpx2's exception text carries the URL (and key).
        raise error

    def _effective(self, request: HttpRequest) -> float:
        return self.timeout.read if request.timeout is None else request.timeout

    async def send(self, request: HttpRequest) -> Reply:
        response = await self.open(request)
        try:
            body = await response.aread()
        except httpx2.HTTPError as exc:
            error = _connection_error(exc, request.endpoint, self._effective(request))
        else:
            return Reply(response.status_code, _lower_headers(response.headers), body)
        finally:
            await response.aclose()
        raise error


async def _body_stream(body: RequestBody) -> AsyncIterator[bytes]:
    """The body's pieces, each read (and copied out of the body's reused buffer) in a
    worker thread: file reads never block the event loop."""
    pieces = iter(body)

    def next_piece() -> bytes | None:
        piece = next(pieces, None)
        return None if piece is None else bytes(piece)

    while (piece := await anyio.to_thread.run_sync(next_piece)) is not None:
        yield piece


class _Stream:
    """An open streamed reply and the iterator over its raw body."""

    def __init__(self, response: httpx2.Response, endpoint: Endpoint) -> None:
        self.response = response
        self.endpoint = endpoint
        self.chunks = response.aiter_raw()
        self.pending = b""
        self.ended = False


class AsyncDriver:
    """Carries out effects for one run of a flow; closes the streams the flow left open."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport
        self._streams: list[_Stream] = []

    async def run(self, flow: Flow[T]) -> T:
        try:
            return await run_async(flow, self.perform)
        finally:
            await self._close_streams()

    async def iterate(self, flow: Flow[None]) -> AsyncIterator[object]:
        try:
            async for value in iterate_async(flow, self.perform):
                yield value
        finally:
            await self._close_streams()

    async def _close_streams(self) -> None:
        streams, self._streams = self._streams, []
        for stream in streams:
            with anyio.CancelScope(shield=True):
                await stream.response.aclose()

    async def perform(self, effect: Effect) -> object:
        match effect:
            case HttpRequest():
                return await self._transport.send(effect)
            case OpenStream():
                response = await self._transport.open(effect.request)
                stream = _Stream(response, effect.request.endpoint)
                self._streams.append(stream)
                return StreamHead(response.status_code, _lower_headers(response.headers), stream)
            case ReadChunk():
                assert isinstance(effect.head.handle, _Stream)
                return await self._read(effect.head.handle, effect.size)
            case Sleep():
                await self._sleep(effect)
                return None
            case Blocking():
                if effect.interrupt is None:
                    return await anyio.to_thread.run_sync(effect.run)
                return await _interruptible(effect.run, effect.interrupt)
            case Gather():
                return await self._gather(effect)
            case Emit():
                raise TypeError("Emit outside an iterating flow")
            case _:
                assert_never(effect)

    async def _sleep(self, effect: Sleep) -> None:
        sleep = self._transport.sleep
        # An injected (test) sleep is called as-is, so fake-time tests see the exact waits.
        if effect.cancel is None or sleep is not anyio.sleep:
            await sleep(effect.seconds)
            return
        clock = self._transport.clock
        deadline = clock() + effect.seconds
        while not effect.cancel.cancelled:
            left = deadline - clock()
            if left <= 0:
                return
            await sleep(min(left, _CANCEL_POLL))

    async def _read(self, stream: _Stream, size: int) -> bytes:
        """What has arrived of the body, at most `size` bytes (like `read1`); b"" at its end.

        A broken connection raises `APIConnectionError`; every byte handed over before it is
        the caller's to keep.
        """
        if stream.pending:
            data, stream.pending = stream.pending[:size], stream.pending[size:]
            return data
        if stream.ended:
            return b""
        try:
            chunk = await anext(stream.chunks)
        except StopAsyncIteration:
            stream.ended = True
            return b""
        except httpx2.HTTPError as exc:
            error = APIConnectionError(
                f"{stream.endpoint.path}: the reply broke off ({type(exc).__name__}); the "
                "rest can be fetched again."
            )
        else:
            stream.pending = chunk[size:]
            return chunk[:size]
        raise error

    async def _gather(self, effect: Gather) -> list[object]:
        results: list[object] = [None] * len(effect.flows)
        limiter = anyio.CapacityLimiter(max(1, effect.limit))

        async def one(index: int, flow: Flow[object]) -> None:
            async with limiter:
                results[index] = await AsyncDriver(self._transport).run(flow)

        try:
            async with anyio.create_task_group() as group:
                for index, flow in enumerate(effect.flows):
                    group.start_soon(one, index, flow)
        except Exception as group_error:  # an ExceptionGroup of the flows' failures
            # Hand the flow the first SDK/OS error, as the sync driver's sequential run would.
            first = _first_error(group_error)
            if first is None:
                raise
            raise first from None
        return results


async def _interruptible(run: Callable[[], T], interrupt: CancelToken) -> T:
    """`run()` in a worker thread; when the awaiting task is cancelled, fire `interrupt`,
    wait for `run` to wind down (it checks the token), then let the cancellation go on."""
    finished = threading.Event()

    def work() -> T:
        try:
            return run()
        finally:
            finished.set()

    try:
        return await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
    except BaseException:
        interrupt.cancel()
        with anyio.CancelScope(shield=True):
            while not finished.is_set():
                await anyio.sleep(_CANCEL_POLL)
        raise


def _first_error(error: BaseException) -> BaseException | None:
    """The first SDK or filesystem error inside a (nested) exception group."""
    nested: object = getattr(error, "exceptions", None)
    if isinstance(nested, tuple):
        for member in cast("tuple[object, ...]", nested):
            if isinstance(member, BaseException):
                found = _first_error(member)
                if found is not None:
                    return found
        return None
    return error if isinstance(error, (StreamtapeError, OSError)) else None


def _unusable_url(url: str, endpoint: Endpoint) -> ResponseFormatError:
    shown = redact(url if len(url) <= 120 else url[:120] + "...")
    return ResponseFormatError(
        f"{endpoint.path}: the service gave a URL that cannot be used ({shown!r}: it needs "
        "http:// or https:// and a host). Ask for a new one (call again); report it if it "
        "persists."
    )


def _connection_error(
    exc: httpx2.HTTPError, endpoint: Endpoint, timeout: float | None
) -> APIConnectionError:
    # httpx2's texts rarely name the URL: add it (masked), as requests' texts do.
    try:
        url = f" for {exc.request.url}"
    except RuntimeError:  # no request attached
        url = ""
    detail = redact(f"{type(exc).__name__}: {exc}{url}")
    if isinstance(exc, httpx2.ConnectTimeout):
        return APITimeoutError(
            f"{endpoint.path}: could not connect within {timeout} s ({detail}). Check your "
            "network or raise the timeout.",
            request_sent=False,
        )
    if isinstance(exc, httpx2.TimeoutException):
        return APITimeoutError(
            f"{endpoint.path}: no answer within {timeout} s ({detail}). The server may be "
            "slow; raise timeout= or try again.",
            request_sent=not isinstance(exc, httpx2.PoolTimeout),
        )
    return APIConnectionError(
        f"{endpoint.path}: connection failed ({detail}). Check your network connection "
        "and the base URL, then try again.",
        request_sent=not isinstance(exc, (httpx2.ConnectError, httpx2.ProxyError)),
    )
