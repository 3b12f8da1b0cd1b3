"""One API call with its retries, as a flow: the single retry implementation of the SDK.

`api_call` builds the request (credentials added for endpoints that need them), yields it,
decodes the envelope, and on a failure asks `retry_delay` whether and how long to wait. The
decision is per endpoint (`Endpoint.idempotent`), never per HTTP method.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol, TypeVar
from urllib.parse import urlencode

from .._config import Timeout, require_seconds
from .._endpoints import Endpoint
from .._redaction import redact, secret_parts, secret_scope
from .._retry import RetryBudget, RetryPolicy
from ..errors import (
    APIConnectionError,
    APIError,
    MissingCredentialsError,
    NotFoundError,
    StreamtapeError,
    is_retryable,
)
from .effects import Flow, HttpRequest, http, sleep
from .envelope import ParamValue, decode_envelope, describe_params, drop_none

if TYPE_CHECKING:
    from .._transport import Transport

__all__ = [
    "CallSettings",
    "api_call",
    "check_timeout",
    "credentials",
    "may_retry",
    "redacted_url",
    "with_retries",
]

logger = logging.getLogger("streamtape_sdk")

T = TypeVar("T")


class CallSettings(Protocol):
    """What a call needs from its client: where to send it, how to authenticate and retry."""

    @property
    def base_url(self) -> str: ...

    @property
    def retry(self) -> RetryPolicy: ...

    @property
    def timeout(self) -> Timeout: ...

    @property
    def clock(self) -> Callable[[], float]:
        """Seconds from a monotonic clock (injectable for tests)."""
        ...

    def credentials(self) -> dict[str, str]:
        """The auth query parameters; raises `MissingCredentialsError` when one is missing."""
        ...

    def sync_transport(self) -> Transport:
        """A sync transport with the same settings, for steps run with requests in worker
        threads (the sliced download)."""
        ...


def credentials(login: str | None, key: str | None) -> dict[str, str]:
    """The auth query parameters; raises `MissingCredentialsError` when one is missing."""
    if not login and not key:
        raise MissingCredentialsError("login and key")
    if not login:
        raise MissingCredentialsError("login")
    if not key:
        raise MissingCredentialsError("key")
    return {"login": login, "key": key}


def redacted_url(url: str, params: Mapping[str, str] | None = None) -> str:
    """The full URL as it would be sent, with the key masked (for logs and messages)."""
    if params:
        url += ("&" if "?" in url else "?") + urlencode(params)
    return redact(url)


def may_retry(endpoint: Endpoint, error: StreamtapeError) -> bool:
    """Whether `error` may be retried on `endpoint` (the SDK's decision, not the policy's)."""
    if isinstance(error, APIConnectionError) and not error.request_sent:
        return True  # nothing reached the server: repeating cannot duplicate anything
    return endpoint.idempotent and is_retryable(error)


def with_retries(
    settings: CallSettings,
    endpoint: Endpoint,
    attempt: Callable[[], Flow[T]],
    *,
    describe: Callable[[], str],
) -> Flow[T]:
    """Run the flow `attempt()` makes, again after each transient failure the endpoint's
    policy allows, sleeping the policy's backoff (or the server's `Retry-After`) between.

    `describe` names the request in the retry log line; it runs only when one is logged.
    """
    policy = settings.retry
    budget = RetryBudget(policy)
    while True:
        try:
            return (yield from attempt())
        except StreamtapeError as error:
            if not may_retry(endpoint, error):
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
                policy.max_retries,
                type(error).__name__,
                error,
            )
        yield from sleep(wait)


def api_call(
    settings: CallSettings,
    endpoint: Endpoint,
    params: Mapping[str, ParamValue] | None = None,
    *,
    timeout: float | None = None,
) -> Flow[object]:
    """Call an API endpoint and return the envelope's `result`.

    Raises:
        MissingCredentialsError: the endpoint needs credentials and one is missing.
        APIError: the API answered a non-200 status (after retries, where allowed).
        APIConnectionError: the network failed (after retries, where allowed).
        ResponseFormatError: the body is not the JSON envelope.
    """
    check_timeout(timeout)
    query = drop_none(params or {})
    if endpoint.auth:
        query.update(settings.credentials())
    url = settings.base_url + endpoint.path
    detail = describe_params(params or {}, endpoint)
    request = HttpRequest("GET", url, endpoint, params=query, timeout=timeout)
    reached_server = False  # may an earlier attempt have been applied?

    def attempt() -> Flow[object]:
        nonlocal reached_server
        try:
            reply = yield from http(request)
            return decode_envelope(reply, endpoint, detail)
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

    # The call's secret parameters (e.g. a remote upload's URL credentials) are masked
    # wherever they could surface, for as long as the call runs.
    with secret_scope(_call_secrets(endpoint, query)):
        return (
            yield from with_retries(
                settings, endpoint, attempt, describe=lambda: redacted_url(url, query)
            )
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
