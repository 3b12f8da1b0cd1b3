"""`Streamtape`: configuration, one transport, and the four resources."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from types import TracebackType
from urllib.parse import urlsplit

import requests

from ._config import DEFAULT_TIMEOUT, Timeout, require_count
from ._redaction import MASK, mask_url
from ._retry import RetryPolicy
from ._settings import DEFAULT_MAX_RETRIES, check_proxy, derive_options
from ._transport import DEFAULT_BASE_URL, Transport
from ._version import __version__
from .resources import Account, Files, Folders, Remote

__all__ = ["DEFAULT_MAX_RETRIES", "DEFAULT_TIMEOUT", "Streamtape"]

ENV_LOGIN = "STREAMTAPE_LOGIN"
ENV_KEY = "STREAMTAPE_KEY"
ENV_BASE_URL = "STREAMTAPE_BASE_URL"


# Spelt as platform.python_implementation() does, without importing `platform` (slow to import).
_IMPLEMENTATIONS = {
    "cpython": "CPython",
    "pypy": "PyPy",
    "graalpy": "GraalVM",
    "ironpython": "IronPython",
}


def _default_user_agent() -> str:
    return (
        f"streamtape-sdk/{__version__} python-requests/{requests.__version__} "
        f"{_IMPLEMENTATIONS.get(sys.implementation.name, sys.implementation.name)}/"
        f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
    )


def setting(explicit: object, env_name: str) -> str | None:
    if explicit is not None and not isinstance(explicit, str):
        what = env_name.removeprefix("STREAMTAPE_").lower()
        raise TypeError(f"{what} must be a string, got {type(explicit).__name__}")
    value = explicit if explicit is not None else os.environ.get(env_name)
    return value or None


def _require_type(value: object, expected: type, what: str) -> None:
    """None or an instance of `expected` (callers without a type checker pass anything)."""
    if value is not None and not isinstance(value, expected):
        raise TypeError(f"{what} must be a {expected.__name__}, got {type(value).__name__}")


def require_callable(value: object, what: str) -> None:
    if value is not None and not callable(value):
        raise TypeError(f"{what} must be callable, got {type(value).__name__}")


def check_base_url(url: str) -> str:
    """The API root: an http(s) URL with a host and nothing a path cannot follow.

    Raises:
        ValueError: another scheme, no host, a query or fragment (`https://host?x=1` would
            send `...?x=1/account/info`), user:password@ (the key is the credential),
            a bad port, whitespace or control characters.
    """
    shown = repr(mask_url(url))  # a query or userinfo may hold a secret
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise ValueError(f"base_url must not contain spaces or control characters, got {shown}")
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError as exc:
        raise ValueError(f"base_url is not a valid URL ({exc}), got {shown}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url must be an http(s) URL with a host, got {shown}")
    if "?" in url or "#" in url:
        raise ValueError(
            f"base_url must not have a query or fragment (paths are appended to it), got {shown}"
        )
    if "@" in parts.netloc:
        # Not echoed: the userinfo may be a password.
        raise ValueError(
            "base_url must not carry user:password@ (the API authenticates with login and "
            f"key); give the host only, e.g. {parts.scheme}://{parts.hostname}"
        )
    if not port_ok:
        raise ValueError(f"base_url has an invalid port, got {shown}")
    return url


class Streamtape:
    """A client of the Streamtape API.

    Credentials come from the arguments, else from `STREAMTAPE_LOGIN` / `STREAMTAPE_KEY`; the
    base URL from `base_url`, else `STREAMTAPE_BASE_URL`, else `https://api.streamtape.com`.
    Construction never does I/O; a call that needs credentials raises
    `MissingCredentialsError` when one is missing. One client may be shared by many threads.

    Args:
        login: the API login (user panel, "Account Settings").
        key: the API key. Shown as `***` in every repr, log line and error.
        base_url: the API root, e.g. the local emulator's URL in tests.
        timeout: seconds to wait for each request's connection and each read, or a `Timeout`
            (connect, read, upload_reply); every method also takes `timeout=` for one call.
        max_retries: retries of a transient failure (0 turns retrying off).
        retry: the whole `RetryPolicy` (backoff and budgets); give either this or
            `max_retries`, not both.
        proxy: a proxy URL (`http://host:3128`, `socks5://user:pw@host:1080`) for every
            request; by default the `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` environment applies.
        session: a `requests.Session` to use (proxies, TLS settings, adapters); the caller
            keeps ownership and closes it. Its settings are read on every call; without it,
            the environment (proxies, CA bundle, netrc) is read once per host and kept.
        user_agent: the `User-Agent` header; by default it names the SDK and its version.
        clock: seconds from a monotonic clock (default `time.monotonic`): measures
            `remote.wait` deadlines. Inject a fake one in your tests (docs/configuration.md).
        sleep: sleeps the given seconds (default `time.sleep`): every wait (retry backoff,
            ticket wait, polling) goes through it. Inject a fake one in your tests.

    Examples:
        >>> with Streamtape() as client:  # doctest: +SKIP
        ...     print(client.account.info().email)
    """

    account: Account
    """Account details (`account.info()`)."""
    files: Files
    """Files: tickets, links, info, upload, download, rename/move/delete, conversions."""
    remote: Remote
    """Remote uploads: add, status, list, wait, remove."""
    folders: Folders
    """Folders: list, create, rename, delete, walk."""

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
        session: requests.Session | None = None,
        user_agent: str | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        # Every argument is checked here, before any I/O: nothing invalid reaches a call.
        timeouts = Timeout.of(timeout)
        require_count(max_retries, "max_retries")
        if retry is None:
            retry = RetryPolicy(max_retries=max_retries)
        elif max_retries != DEFAULT_MAX_RETRIES:
            raise ValueError("give max_retries inside retry=RetryPolicy(...), not both")
        _require_type(retry, RetryPolicy, "retry")
        _require_type(session, requests.Session, "session")
        _require_type(user_agent, str, "user_agent")
        require_callable(clock, "clock")
        require_callable(sleep, "sleep")
        resolved_login = setting(login, ENV_LOGIN)
        resolved_key = setting(key, ENV_KEY)
        resolved_url = check_base_url(setting(base_url, ENV_BASE_URL) or DEFAULT_BASE_URL)
        self._transport = Transport(
            login=resolved_login,
            key=resolved_key,
            base_url=resolved_url,
            timeout=timeouts,
            retry=retry,
            user_agent=user_agent or _default_user_agent(),
            session=session,
            proxy=check_proxy(proxy),
            sleep=sleep or time.sleep,
            clock=clock or time.monotonic,
        )
        self._attach(self._transport)

    def _attach(self, transport: Transport) -> None:
        self._transport = transport
        self.account = Account(transport)
        self.files = Files(transport)
        self.remote = Remote(transport)
        self.folders = Folders(transport)

    def with_options(
        self,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> Streamtape:
        """A client with other timeouts or retry policy over this one's connection pool.

        Cheap (no new pool, nothing to close): made per call it leaks nothing. What is not
        given is kept (`max_retries` alone keeps the policy's delays). The view is closed
        when this client is; its own `close()` only marks the view closed.

        Raises:
            ValueError: both `max_retries` and `retry` given, or a bad value.
            TypeError: a value of the wrong type.

        Examples:
            >>> client.with_options(timeout=5, max_retries=0).account.info()  # doctest: +SKIP
        """
        new_timeout, new_retry = derive_options(
            self._transport.timeout,
            self._transport.retry,
            timeout=timeout,
            max_retries=max_retries,
            retry=retry,
        )
        view = object.__new__(Streamtape)
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
        """Whether `close()` was called (or the `with` block ended)."""
        return self._transport.closed

    def close(self) -> None:
        """Release the connection pool (a caller's session is left open).

        Every later call raises `ClientClosedError`; closing twice is harmless. A client is
        also safe to pickle, deep-copy or send to a worker process (each copy masks the key),
        and a forked child gets fresh connections: see the Lifecycle page.
        """
        self._transport.close()

    def __enter__(self) -> Streamtape:
        self._transport.ensure_open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        key = MASK if self._transport.credentials_present else None
        return (
            f"Streamtape(login={self.login!r}, key={key!r}, base_url={self.base_url!r}, "
            f"timeout={self.timeout!r}, max_retries={self.max_retries})"
        )
