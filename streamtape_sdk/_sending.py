"""Preparing requests with the session's settings, resolved once per client instead of per call.

`requests.Session.request` re-derives everything for every call: it merges the session's
headers, cookies, hooks and auth into a new `PreparedRequest`, re-parses and re-quotes the URL,
looks the host up in `~/.netrc`, and scans the whole environment twice for proxies and CA
bundles (`merge_environment_settings`). For a client with a fixed base URL and fixed settings
that work is the same on every call; here it is done once per origin (scheme and host) and
reused. The result is the same request requests would have built.

Consequence (documented in docs/configuration.md): a client sees the environment (`HTTPS_PROXY`,
`NO_PROXY`, `REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`, netrc) as it was when it first called an
origin; changes made later are not seen by that client. A session passed in by the caller is
prepared the ordinary requests way on every call, so it keeps its own, live settings.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, replace
from urllib.parse import urlencode, urlsplit

import requests
import requests.auth
from requests.cookies import RequestsCookieJar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_netrc_auth

__all__ = ["RequestPreparer", "SendSettings"]

# Per-origin and per-URL caches are bounded: API endpoints are a handful, but every upload and
# download goes to a URL of its own; those take the ordinary path once the cache is full.
_MAX_CACHED = 128

#: What `PreparedRequest.prepare_auth` takes (as requests' own stubs spell it).
_Auth = (
    tuple[str, str]
    | requests.auth.AuthBase
    | Callable[[requests.PreparedRequest], requests.PreparedRequest]
)


@dataclass(frozen=True)
class SendSettings:
    """The keyword arguments of `Session.send` that requests derives from the environment."""

    proxies: MutableMapping[str, str]
    verify: bool | str | None
    cert: str | tuple[str, str] | None
    stream: bool

    @classmethod
    def of(cls, session: requests.Session, url: str, stream: bool) -> SendSettings:
        """What `Session.request` would pass to `send` for `url` (scans the environment)."""
        merged = session.merge_environment_settings(url, {}, stream, None, None)
        return cls(merged["proxies"], merged["verify"], merged["cert"], merged["stream"])


class _Origin:
    """What requests would derive from the environment for one scheme://host[:port]."""

    __slots__ = ("auth", "settings")

    def __init__(self, auth: _Auth | None, settings: SendSettings) -> None:
        self.auth = auth
        self.settings = settings


class RequestPreparer:
    """Builds `PreparedRequest`s and the `send()` keyword arguments for one session.

    With `fixed=True` (a session the SDK created and nobody else configures), the session's
    headers, hooks and auth are taken once, and the environment once per origin. With
    `fixed=False` (a caller's session), every call goes through `Session.prepare_request` and
    `Session.merge_environment_settings`, exactly as `Session.request` would.

    Thread-safe: the caches only grow, under a lock, and entries never change.
    """

    def __init__(self, session: requests.Session, user_agent: str, *, fixed: bool) -> None:
        self._session = session
        self._user_agent = user_agent
        self._fixed = fixed
        headers: CaseInsensitiveDict[str | bytes] = CaseInsensitiveDict(session.headers)
        headers["User-Agent"] = user_agent
        self._headers = headers
        self._hooks = list(session.hooks.get("response", []))
        self._urls: dict[str, str] = {}
        self._origins: dict[str, _Origin] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        # A copy (pickle, deepcopy, a spawned worker) resolves the environment afresh: the
        # other process's environment may differ, and a lock cannot be copied.
        state = dict(self.__dict__)
        del state["_lock"]
        state["_urls"] = {}
        state["_origins"] = {}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def prepare(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        data: object = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> tuple[requests.PreparedRequest, SendSettings]:
        """The request to send and the settings (`proxies`, `verify`, `cert`, `stream`) for it.

        Raises:
            requests.RequestException: the URL cannot be used (e.g. no scheme or host).
        """
        if not self._fixed:
            return self._prepare_live(method, url, params, data, headers, stream)
        base = self._urls.get(url)
        if base is None:
            try:
                base = self._base_url(url)
            except _UnusualURLError:
                return self._prepare_live(method, url, params, data, headers, stream)
        origin = self._origin(base)
        prepared = requests.PreparedRequest()
        prepared.method = method.upper()
        prepared.url = f"{base}?{urlencode(params)}" if params else base
        merged = self._headers.copy()
        if headers:
            merged.update(headers)
        prepared.headers = merged  # type: ignore[assignment]  # the stubs say str values only
        cookies = self._session.cookies
        jar = RequestsCookieJar()
        if cookies:  # server-set cookies (e.g. a CDN's) go back, as requests would send them
            jar.update(cookies)  # pyright: ignore[reportUnknownMemberType]
        prepared.prepare_cookies(jar)  # pyright: ignore[reportUnknownMemberType]
        prepared.prepare_body(data, None)  # pyright: ignore[reportUnknownMemberType]
        if origin.auth is not None:
            prepared.prepare_auth(origin.auth)  # pyright: ignore[reportUnknownMemberType]
        prepared.hooks = {"response": list(self._hooks)}
        settings = origin.settings
        if settings.stream != stream:
            settings = replace(settings, stream=stream)
        return prepared, settings

    # -- internals ---------------------------------------------------------------------------

    def _prepare_live(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        data: object,
        headers: Mapping[str, str] | None,
        stream: bool,
    ) -> tuple[requests.PreparedRequest, SendSettings]:
        all_headers = {"User-Agent": self._user_agent}
        all_headers.update(headers or {})
        request = requests.Request(method, url, params=params, data=data, headers=all_headers)
        prepared = self._session.prepare_request(request)
        return prepared, SendSettings.of(self._session, prepared.url or url, stream)

    def _base_url(self, url: str) -> str:
        """The URL as requests quotes it; our parameters are appended as its query."""
        probe = requests.PreparedRequest()
        probe.prepare_url(url, None)  # raises MissingSchema / InvalidURL for unusable URLs  # pyright: ignore[reportUnknownMemberType]
        base = probe.url or url
        if "?" in base or "#" in base:
            # A query or fragment of its own: requests merges parameters into it, so only its
            # own preparation is right. Never cached; such URLs are one-off transfer links.
            raise _UnusualURLError
        with self._lock:
            if len(self._urls) < _MAX_CACHED:
                self._urls[url] = base
        return base

    def _origin(self, base: str) -> _Origin:
        parts = urlsplit(base)
        key = f"{parts.scheme}://{parts.netloc}".lower()
        origin = self._origins.get(key)
        if origin is not None:
            return origin
        session = self._session
        auth = session.auth
        if auth is None and session.trust_env:
            auth = get_netrc_auth(base)
        origin = _Origin(auth, SendSettings.of(session, base, False))
        with self._lock:
            if len(self._origins) < _MAX_CACHED:
                origin = self._origins.setdefault(key, origin)
        return origin


class _UnusualURLError(Exception):
    """A URL the fast path does not handle; prepared the ordinary way instead."""
