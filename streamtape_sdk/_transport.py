"""HTTP transport: one `requests.Session`, credentials, timeouts, retries, envelope unwrapping,
status-code -> exception mapping (through `errors.error_for_status`), redaction and logging.

It knows endpoints only as `Endpoint` records and returns the raw `result` of the envelope; it
knows nothing of resources or models.
"""

from __future__ import annotations

import json
import logging
import re
import time
import weakref
from collections.abc import Callable, Mapping
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import TypeVar, cast
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from ._config import Timeout
from ._endpoints import Endpoint
from ._redaction import MASK, forget_secret, redact, register_secret
from ._retry import RetryBudget, RetryPolicy
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    MissingCredentialsError,
    NotFoundError,
    ResponseFormatError,
    StreamtapeError,
    error_for_status,
    is_retryable,
)

__all__ = ["DEFAULT_BASE_URL", "ParamValue", "Transport"]

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


def _describe_params(params: Mapping[str, ParamValue]) -> str | None:
    """`file='abc', name='x'`: the caller's parameters (never credentials) for messages."""
    parts: list[str] = []
    for name, value in params.items():
        if value is None:
            continue
        text = str(value)
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
        if key:
            register_secret(key)
            # Masked for as long as this transport exists, even after close(): a closed
            # client can still be called (requests reopens its pool), and must not leak.
            weakref.finalize(self, forget_secret, key)
        self._closed = False

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Release the connection pool (only a session this transport created)."""
        if self._closed:
            return
        self._closed = True
        if self._owns_session:
            self.session.close()

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
        query = _drop_none(params or {})
        if endpoint.auth:
            query.update(self.credentials())
        url = self.base_url + endpoint.path

        detail = _describe_params(params or {})
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
        """
        _require_usable_url(url, endpoint)
        all_headers = {"User-Agent": self.user_agent}
        all_headers.update(headers or {})
        request = requests.Request(method, url, params=params, data=data, headers=all_headers)
        effective_timeout = self.timeout.read if timeout is None else timeout
        connect_read: float | tuple[float, float]
        connect_read = (self.timeout.connect, self.timeout.read) if timeout is None else timeout
        if reply_timeout is not None:
            connect = self.timeout.connect if timeout is None else timeout
            effective_timeout = max(effective_timeout, reply_timeout)
            connect_read = (connect, effective_timeout)
        started = time.monotonic()
        try:
            prepared = self.session.prepare_request(request)
            settings = self.session.merge_environment_settings(prepared.url, {}, stream, None, None)
            response = self.session.send(prepared, timeout=connect_read, **settings)
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


def _require_usable_url(url: str, endpoint: Endpoint) -> None:
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
