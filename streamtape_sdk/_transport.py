"""HTTP transport: one `requests.Session`, credentials, timeouts, retries, envelope unwrapping,
status-code -> exception mapping (through `errors.error_for_status`), redaction and logging.

It knows endpoints only as `Endpoint` records and returns the raw `result` of the envelope; it
knows nothing of resources or models.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import weakref
from collections.abc import Callable, Mapping
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import TypeVar, cast
from urllib.parse import urlsplit

import requests
from requests.adapters import DEFAULT_POOLSIZE, HTTPAdapter
from urllib3.exceptions import NewConnectionError

from . import _redaction
from ._config import Timeout, require_seconds
from ._endpoints import Endpoint
from ._redaction import MASK, forget_secret, mask_param, redact, register_secret, secret_parts
from ._retry import RetryBudget, RetryPolicy
from ._sending import RequestPreparer
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ClientClosedError,
    MissingCredentialsError,
    NotFoundError,
    ResponseFormatError,
    StreamtapeError,
    error_for_status,
    is_retryable,
)

__all__ = ["DEFAULT_BASE_URL", "ParamValue", "Transport", "check_timeout", "require_usable_url"]

DEFAULT_BASE_URL = "https://api.streamtape.com"

logger = logging.getLogger("streamtape_sdk")

ParamValue = str | int | None
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


def _drop_none(params: Mapping[str, ParamValue]) -> dict[str, str]:
    return {name: str(value) for name, value in params.items() if value is not None}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or HTTP date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC with no zone information, not local time
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - time.time())


_DETAIL_VALUE_CHARS = 60


def _describe_params(params: Mapping[str, ParamValue], endpoint: Endpoint) -> str | None:
    """`file='abc', name='x'`: the caller's parameters (never credentials, secret parameters
    masked) for messages."""
    secret = dict(endpoint.secret_params)
    parts: list[str] = []
    for name, value in params.items():
        if value is None:
            continue
        text = str(value)
        if name in secret:
            text = mask_param(secret[name], text)
        if len(text) > _DETAIL_VALUE_CHARS:
            text = text[:_DETAIL_VALUE_CHARS] + "..."
        parts.append(f"{name}={text!r}")
    return redact(", ".join(parts)) or None


def _describe_body(body: bytes, content_type: str) -> str:
    text = body.lstrip()[:64].lower()
    if not body.strip():
        return "an empty body"
    if "html" in content_type.lower() or text.startswith((b"<!doctype", b"<html", b"<")):
        return "an HTML page (an error or challenge page from the CDN in front of the API)"
    return "a body that is not valid JSON"


def _snippet(body: bytes) -> str:
    # Redact before cutting: a key straddling the cut would not be recognised afterwards.
    text = redact(" ".join(body[: _SNIPPET_CHARS * 4].decode("utf-8", "replace").split()))
    if len(text) > _SNIPPET_CHARS:
        text = text[:_SNIPPET_CHARS] + "..."
    return text


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
        if self._owns_session:
            self.session.close()

    @property
    def closed(self) -> bool:
        """Whether `close()` was called."""
        return self._closed

    def ensure_open(self) -> None:
        """Raise `ClientClosedError` when the client was closed (before any I/O)."""
        if self._closed:
            raise ClientClosedError(
                "this Streamtape client is closed (close() was called or its `with` block "
                "ended); create a new client, or keep using it inside the `with` block"
            )

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
        self.ensure_open()
        check_timeout(timeout)
        query = _drop_none(params or {})
        if endpoint.auth:
            query.update(self.credentials())
        url = self.base_url + endpoint.path

        detail = _describe_params(params or {}, endpoint)
        with _redaction.secret_scope(_call_secrets(endpoint, query)):
            return self._call(endpoint, url, query, detail, timeout)

    def _call(
        self,
        endpoint: Endpoint,
        url: str,
        query: dict[str, str],
        detail: str | None,
        timeout: float | None,
    ) -> object:
        reached_server = False  # may an earlier attempt have been applied?

        def attempt() -> object:
            nonlocal reached_server
            try:
                response = self.send("GET", url, endpoint, params=query, timeout=timeout)
                return self.decode_envelope(response, endpoint, detail=detail)
            except NotFoundError:
                if endpoint.removes and reached_server:
                    # The earlier attempt deleted it and its reply was lost: done, not missing.
                    logger.debug("%s: 404 on a retry after an ambiguous failure", endpoint.path)
                    return True
                raise
            except StreamtapeError as error:
                # Only an ambiguous failure may have been applied: not a definite refusal.
                if isinstance(error, APIConnectionError) and error.request_sent:
                    reached_server = True
                raise

        return self.with_retries(endpoint, attempt, describe=lambda: self.redacted_url(url, query))

    def credentials(self) -> dict[str, str]:
        """The auth query parameters; raises `MissingCredentialsError` when one is missing."""
        if not self.login and not self._key:
            raise MissingCredentialsError("login and key")
        if not self.login:
            raise MissingCredentialsError("login")
        if not self._key:
            raise MissingCredentialsError("key")
        return {"login": self.login, "key": self._key}

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
                proxies=settings.proxies,
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

    def decode_envelope(
        self, response: requests.Response, endpoint: Endpoint, *, detail: str | None = None
    ) -> object:
        """Unwrap `{status, msg, result}`; the JSON `status` decides, whatever the HTTP code.

        `detail` names the request in error messages (e.g. `file='abc'`).
        """
        try:
            body = response.content
        except requests.RequestException as exc:
            error = self._connection_error(exc, endpoint, None)
        else:
            return self._unwrap(body, response, endpoint, detail)
        raise error

    def with_retries(
        self, endpoint: Endpoint, attempt: Callable[[], T], *, describe: Callable[[], str]
    ) -> T:
        """Run `attempt`, retrying transient failures as the endpoint's policy allows.

        `describe` names the request in the retry log line; it runs only when one is logged.
        """
        budget = RetryBudget(self.retry)
        while True:
            try:
                return attempt()
            except StreamtapeError as error:
                if not self._may_retry(endpoint, error):
                    raise
                retry_after = error.retry_after if isinstance(error, APIError) else None
                wait = budget.next_delay(retry_after)
                if wait is None:
                    raise
                logger.debug(
                    "Retrying %s in %.2f s (retry %d of %d) after %s: %s",
                    describe(),
                    wait,
                    budget.failures,
                    self.retry.max_retries,
                    type(error).__name__,
                    error,
                )
                self.sleep(wait)

    def redacted_url(self, url: str, params: Mapping[str, str] | None = None) -> str:
        """The full URL as it would be sent, with the key masked (for logs and messages)."""
        prepared = requests.Request("GET", url, params=params).prepare()
        return redact(prepared.url or url)

    # -- internals ---------------------------------------------------------------------------

    @staticmethod
    def _may_retry(endpoint: Endpoint, error: StreamtapeError) -> bool:
        if isinstance(error, APIConnectionError) and not error.request_sent:
            return True  # nothing reached the server: repeating cannot duplicate anything
        return endpoint.idempotent and is_retryable(error)

    def _unwrap(
        self, body: bytes, response: requests.Response, endpoint: Endpoint, detail: str | None
    ) -> object:
        http_status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        try:
            data: object = json.loads(body) if body.strip() else None
            parsed = True
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            data, parsed = None, False
        envelope = cast("dict[str, object]", data) if isinstance(data, dict) else None
        status = envelope.get("status") if envelope is not None else None
        if isinstance(status, str) and status.isascii() and status.isdigit():
            status = int(status)
        if envelope is None or not isinstance(status, int) or isinstance(status, bool):
            if parsed and body.strip():
                kind = "JSON without the {status, msg, result} envelope"
            else:
                kind = _describe_body(body, response.headers.get("Content-Type", ""))
            if http_status >= 500 or http_status == 429:
                raise error_for_status(
                    http_status,
                    f"HTTP {http_status} with {kind}",
                    endpoint=endpoint.path,
                    http_status=http_status,
                    retry_after=retry_after,
                )
            raise ResponseFormatError(
                f"{endpoint.path} answered HTTP {http_status} with {kind} instead of the JSON "
                f"envelope (body starts: {_snippet(body)!r}). The service may be down or "
                "behind a challenge page; try again later, and report it if it persists."
            )
        if status == 200:
            return envelope.get("result")
        message = envelope.get("msg")
        raise error_for_status(
            status,
            redact(message) if isinstance(message, str) else "",
            endpoint=endpoint.path,
            http_status=http_status,
            retry_after=retry_after,
            detail=detail,
        )

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


def check_timeout(timeout: object) -> None:
    """Validate a per-call `timeout=` (seconds or None) before any I/O.

    Raises:
        TypeError: not a number.
        ValueError: NaN, infinite, zero or negative, or above one week.
    """
    if timeout is not None:
        require_seconds(timeout, "timeout")


def _call_secrets(endpoint: Endpoint, query: Mapping[str, str]) -> list[str]:
    """The secrets inside a call's secret parameters (`Endpoint.secret_params`)."""
    found: list[str] = []
    for name, kind in endpoint.secret_params:
        value = query.get(name)
        if value:
            found += secret_parts(kind, value)
    return found


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
