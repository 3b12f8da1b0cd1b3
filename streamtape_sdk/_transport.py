"""The sync transport: one `requests.Session` (the connection pool), credentials, timeouts,
proxy, and one HTTP exchange at a time (`send`), with network failures turned into
`APIConnectionError` and secrets kept out of messages and logs.

Retries, envelope decoding and the status -> exception mapping are the core's
(`streamtape_sdk._core`: `calls.api_call`, `envelope.decode_envelope`), shared with the async
client; the sync driver (`_drivers/sync.py`) carries the core's effects out through `send`. It
knows endpoints only as `Endpoint` records; nothing of resources or models.
"""

from __future__ import annotations

import copy
import logging
import os
import time
import weakref
from collections.abc import Callable, Mapping
from typing import TypeVar
from urllib.parse import urlsplit

import requests
from requests.adapters import DEFAULT_POOLSIZE, HTTPAdapter
from urllib3.exceptions import NewConnectionError

from . import _redaction
from ._config import Timeout
from ._core.calls import api_call, check_timeout, credentials
from ._core.effects import Flow
from ._core.envelope import ParamValue, parse_retry_after
from ._drivers.sync import SyncDriver
from ._endpoints import Endpoint
from ._redaction import MASK, forget_secret, redact, register_secret
from ._retry import RetryPolicy
from ._sending import RequestPreparer
from .errors import (
    APIConnectionError,
    APITimeoutError,
    ClientClosedError,
    ResponseFormatError,
    StreamtapeError,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "ParamValue",
    "Transport",
    "check_timeout",
    "parse_retry_after",
    "require_usable_url",
]

DEFAULT_BASE_URL = "https://api.streamtape.com"

logger = logging.getLogger("streamtape_sdk")

T = TypeVar("T")

# Pool large enough for a client shared by many threads (requests' default keeps 10).
_POOL_MAXSIZE = 32
_SNIPPET_CHARS = 120
#: requests' verdicts on a URL no request can be sent to (never a network failure).
_UNUSABLE_URL = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
)


class Transport:
    """Sends API calls and turns every outcome into a `result` value or a `StreamtapeError`.

    Thread-safe: it holds no per-call state; the session's connection pool is shared.
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
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        proxy: str | None = None,
    ) -> None:
        self.login = login
        self._key = key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry
        self.user_agent = user_agent
        # Injectable so tests can run waits and backoffs on a fake clock.
        self.sleep = sleep
        self.clock = clock
        self._owns_session = session is None
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_maxsize=_POOL_MAXSIZE)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        self.session = session
        # Our own session's settings and the environment are resolved once, not per call.
        self._preparer = RequestPreparer(session, user_agent, fixed=self._owns_session)
        self._closed = False
        #: Every request goes through it (None: the environment's proxy settings apply).
        self.proxy = proxy
        #: The transport whose pool this view shares (None: this one owns its pool).
        self._root: Transport | None = None
        self._hold_secret()
        _live.add(self)

    def _hold_secret(self) -> None:
        # Masked for as long as this transport (or this copy of it) exists, even after
        # close(): its errors and reprs may be shown later.
        if self._key:
            register_secret(self._key)
            weakref.finalize(self, forget_secret, self._key)

    # -- copies: pickle, deepcopy, spawned workers ---------------------------------------------

    def __getstate__(self) -> dict[str, object]:
        return dict(self.__dict__)

    def __setstate__(self, state: dict[str, object]) -> None:
        # Every copy holds the key's masking itself: a copy that outlives the original (or
        # lives in another process) must still mask it.
        self.__dict__.update(state)
        self._hold_secret()
        _live.add(self)

    def reset_after_fork(self) -> None:
        """Drop the connection pools inherited from the parent process (child side of a fork).

        The parent's keep-alive sockets are shared after `os.fork()`; using them from both
        processes interleaves requests and answers. The child starts with empty pools; the
        old sockets are left to the parent (never closed or shut down here).
        """
        for adapter in self.session.adapters.values():
            if isinstance(adapter, HTTPAdapter):
                # requests keeps the pool settings only in private attributes.
                adapter.init_poolmanager(
                    getattr(adapter, "_pool_connections", DEFAULT_POOLSIZE),
                    getattr(adapter, "_pool_maxsize", _POOL_MAXSIZE),
                    block=getattr(adapter, "_pool_block", False),
                )

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Release the connection pool (only a session this transport created); later calls
        raise `ClientClosedError`. Closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        if self._owns_session and self._root is None:
            self.session.close()

    @property
    def closed(self) -> bool:
        """Whether `close()` was called on this transport or on the one whose pool it shares."""
        return self._closed or (self._root is not None and self._root.closed)

    def view(self, *, timeout: Timeout, retry: RetryPolicy) -> Transport:
        """A transport with other settings over this one's session (connection pool): what
        `with_options()` hands out. Cheap; closing it leaves the pool open."""
        clone = copy.copy(self)  # __setstate__ holds the key's masking for the copy too
        clone.timeout = timeout
        clone.retry = retry
        clone._root = self._root or self
        clone._closed = False
        return clone

    def ensure_open(self) -> None:
        """Raise `ClientClosedError` when the client was closed (before any I/O)."""
        if self.closed:
            raise ClientClosedError(
                "this Streamtape client is closed (close() was called or its `with` block "
                "ended); create a new client, or keep using it inside the `with` block"
            )

    @property
    def _proxies(self) -> dict[str, str]:
        return {"http": self.proxy or "", "https": self.proxy or ""}

    @property
    def credentials_present(self) -> bool:
        """Whether a key is configured (never the key itself)."""
        return bool(self._key)

    def __repr__(self) -> str:
        key = MASK if self._key else None
        return f"Transport(base_url={self.base_url!r}, login={self.login!r}, key={key!r})"

    # -- public entry points -----------------------------------------------------------------

    def call(
        self,
        endpoint: Endpoint,
        params: Mapping[str, ParamValue] | None = None,
        *,
        timeout: float | None = None,
    ) -> object:
        """Call an API endpoint and return the envelope's `result`.

        Raises:
            MissingCredentialsError: the endpoint needs credentials and one is missing.
            APIError: the API answered a non-200 status (after retries, where allowed).
            APIConnectionError: the network failed (after retries, where allowed).
            ResponseFormatError: the body is not the JSON envelope.
        """
        return SyncDriver(self).run(api_call(self, endpoint, params, timeout=timeout))

    def sync_transport(self) -> Transport:
        """This transport (the async one hands out its sync twin's): for the steps that run
        with requests in worker threads (the sliced download)."""
        return self

    def run(self, flow: Flow[T]) -> T:
        """Run a core flow on this transport with the sync driver."""
        return SyncDriver(self).run(flow)

    def credentials(self) -> dict[str, str]:
        """The auth query parameters; raises `MissingCredentialsError` when one is missing."""
        return credentials(self.login, self._key)

    def send(
        self,
        method: str,
        url: str,
        endpoint: Endpoint,
        *,
        params: Mapping[str, str] | None = None,
        data: object = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        timeout: float | None = None,
        reply_timeout: float | None = None,
    ) -> requests.Response:
        """Send one HTTP request (no retry); network failures become `APIConnectionError`.

        `reply_timeout`, when given, is the wait for the reply once the request was sent (the
        upload POST's `Timeout.upload_reply`), instead of the per-read timeout.

        Raises:
            ClientClosedError: the client was closed.
            TypeError, ValueError: `timeout` is not a positive, finite number of seconds.
            ResponseFormatError: `url` cannot be used (no http(s) scheme or no host).
        """
        self.ensure_open()
        check_timeout(timeout)
        require_usable_url(url, endpoint)
        effective_timeout = self.timeout.read if timeout is None else timeout
        connect_read: float | tuple[float, float]
        connect_read = (self.timeout.connect, self.timeout.read) if timeout is None else timeout
        if reply_timeout is not None:
            connect = self.timeout.connect if timeout is None else timeout
            effective_timeout = max(effective_timeout, reply_timeout)
            connect_read = (connect, effective_timeout)
        started = time.monotonic()
        try:
            prepared, settings = self._preparer.prepare(
                method, url, params=params, data=data, headers=headers, stream=stream
            )
            response = self.session.send(
                prepared,
                timeout=connect_read,
                stream=settings.stream,
                proxies=settings.proxies if self.proxy is None else self._proxies,
                verify=settings.verify,
                cert=settings.cert,
            )
        except _UNUSABLE_URL:
            error: StreamtapeError = _unusable_url(url, endpoint)
        except requests.RequestException as exc:
            error = self._connection_error(exc, endpoint, effective_timeout)
        else:
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "%s %s -> HTTP %s in %.3f s",
                    method,
                    redact(response.request.url or url),
                    response.status_code,
                    time.monotonic() - started,
                )
            return response
        # Raised outside the except block: the requests exception (whose text carries the
        # URL with the key) must not ride along as __context__.
        raise error

    def _connection_error(
        self, exc: requests.RequestException, endpoint: Endpoint, timeout: float | None
    ) -> APIConnectionError:
        detail = redact(f"{type(exc).__name__}: {exc}")
        if isinstance(exc, requests.ConnectTimeout):
            return APITimeoutError(
                f"{endpoint.path}: could not connect within {timeout} s ({detail}). Check your "
                "network or raise the timeout.",
                request_sent=False,
            )
        if isinstance(exc, requests.Timeout):
            return APITimeoutError(
                f"{endpoint.path}: no answer within {timeout} s ({detail}). The server may be "
                "slow; raise timeout= or try again.",
                request_sent=True,
            )
        return APIConnectionError(
            f"{endpoint.path}: connection failed ({detail}). Check your network connection "
            "and the base URL, then try again.",
            request_sent=not _failed_before_sending(exc),
        )


def require_usable_url(url: str, endpoint: Endpoint) -> None:
    """Refuse a URL no request can be sent to, at once and as the reply's fault.

    Link and upload URLs come from the service; an empty, relative or scheme-less one (or
    one whose host is missing) cannot be fixed by retrying or by the user's network, so it
    is a `ResponseFormatError` rather than 29 s of retries or a raw requests exception.
    """
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # an invalid port or IPv6 literal
        valid = False
    if not valid:
        raise _unusable_url(url, endpoint)


def _unusable_url(url: str, endpoint: Endpoint) -> ResponseFormatError:
    shown = redact(url if len(url) <= _SNIPPET_CHARS else url[:_SNIPPET_CHARS] + "...")
    return ResponseFormatError(
        f"{endpoint.path}: the service gave a URL that cannot be used ({shown!r}: it needs "
        "http:// or https:// and a host). Ask for a new one (call again); report it if it "
        "persists."
    )


# Every live transport, so that a forked child can drop the pools it inherited.
_live: weakref.WeakSet[Transport] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    _redaction.reset_lock_after_fork()
    for transport in list(_live):
        transport.reset_after_fork()


if hasattr(os, "register_at_fork"):  # POSIX only
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _failed_before_sending(exc: BaseException) -> bool:
    """Whether the failure happened while connecting, so the request never reached a server."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (NewConnectionError, requests.ConnectTimeout)):
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            current = reason
            continue
        args = getattr(current, "args", ())
        nested = next((a for a in args if isinstance(a, BaseException)), None)
        current = nested or current.__cause__ or current.__context__
    return False
