"""Client settings shared by `Streamtape` and `AsyncStreamtape` beyond those `_client` checks:
the retry policy, the proxy, and `with_options()`'s derivation of new settings."""

from __future__ import annotations

from dataclasses import replace
from typing import cast
from urllib.parse import urlsplit

from ._config import Timeout, require_count
from ._retry import RetryPolicy

__all__ = ["check_proxy", "derive_options", "resolve_retry"]

#: Retries of a transient failure (the default of both clients).
DEFAULT_MAX_RETRIES = 3

_PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def resolve_retry(max_retries: int, retry: RetryPolicy | None) -> RetryPolicy:
    """The policy from `retry=`, else `RetryPolicy(max_retries=...)`; never both."""
    require_count(max_retries, "max_retries")
    if retry is None:
        return RetryPolicy(max_retries=max_retries)
    if not isinstance(cast(object, retry), RetryPolicy):
        raise TypeError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
    if max_retries != DEFAULT_MAX_RETRIES:
        raise ValueError("give max_retries inside retry=RetryPolicy(...), not both")
    return retry


def check_proxy(proxy: object) -> str | None:
    """A proxy URL (`http://`, `https://`, `socks5://`; user:password@ allowed) or None.

    Raises:
        TypeError: not a string.
        ValueError: another scheme or no host.
    """
    if proxy is None:
        return None
    if not isinstance(proxy, str):
        raise TypeError(f"proxy must be a URL string, got {type(proxy).__name__}")
    try:
        parts = urlsplit(proxy)
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme not in _PROXY_SCHEMES or not host:
        # Not echoed: the URL may carry the proxy's password.
        raise ValueError(
            "proxy must be a URL like http://host:3128 or socks5://user:password@host:1080"
        )
    return proxy


def derive_options(
    current_timeout: Timeout,
    current_retry: RetryPolicy,
    *,
    timeout: float | Timeout | None,
    max_retries: int | None,
    retry: RetryPolicy | None,
) -> tuple[Timeout, RetryPolicy]:
    """The timeouts and retry policy of a `with_options()` view: what was given replaces the
    current value, the rest is kept (`max_retries` alone keeps the policy's delays).

    Raises:
        ValueError: both `max_retries` and `retry` given, or a bad value.
        TypeError: a value of the wrong type.
    """
    new_timeout = current_timeout if timeout is None else Timeout.of(timeout)
    if retry is not None and max_retries is not None:
        raise ValueError("give max_retries inside retry=RetryPolicy(...), not both")
    if retry is not None:
        if not isinstance(cast(object, retry), RetryPolicy):
            raise TypeError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
        return new_timeout, retry
    if max_retries is not None:
        count = require_count(max_retries, "max_retries")
        return new_timeout, replace(current_retry, max_retries=count)
    return new_timeout, current_retry
