"""Keeps secrets (the API key, secret call parameters) out of messages and log records.

Every transport registers its key here, and so does every copy of a transport (pickled,
deep-copied, unpickled in a spawned worker), for as long as that copy lives. `redact` replaces
a registered secret with `***` where it stands as a value: raw, percent-encoded or
JSON-escaped, and not glued to other letters or digits, so a short key such as `"k"` masks
`key=k` but not the `k` of `keep`. A secret of `LONG_SECRET` characters or more is masked
wherever it occurs (by accident, a string that long is the secret itself).

A logging filter on urllib3's loggers and ours applies the same to every record
(`GET /account/info?login=..&key=..` at DEBUG would otherwise carry the key).

Registering is O(1): each secret has its own compiled pattern, built once, shared by every
client using it and reference-counted.

The secret call parameters (a remote upload's source URL userinfo and query values, its
header values: marked per endpoint in `_endpoints.py`) are registered for the duration of
the call by `secret_scope`, and masked structurally in the messages built from them by
`mask_param`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Generator, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit, urlunsplit

__all__ = [
    "LONG_SECRET",
    "MASK",
    "SecretKind",
    "forget_secret",
    "mask_param",
    "mask_url",
    "redact",
    "register_secret",
    "secret_parts",
    "secret_scope",
]

MASK = "***"

#: Secrets at least this long are masked wherever they occur, not only as a token.
LONG_SECRET = 12

#: How a secret parameter carries its secrets: the whole value, a URL (userinfo and query
#: values), or header lines (`Name: value`, the values).
SecretKind = Literal["value", "url", "header_lines"]

# Letters and digits glue a secret into a longer word; anything else bounds it. A secret
# right after a percent-escape (`%3Dsecret`, `%40` ...) still counts as bounded: that is how
# values sit inside percent-encoded URLs.
_BEFORE = r"(?:(?<![A-Za-z0-9])|(?<=%[0-9A-Fa-f]{2}))"
_AFTER = r"(?![A-Za-z0-9])"


@dataclass(eq=False)  # compared and hashed by identity
class _Entry:
    secret: str
    count: int
    forms: tuple[str, ...]  # spellings, longest first, for a cheap `in` pre-check
    compiled: re.Pattern[str] | None = None  # built on first use: registering stays cheap

    @property
    def pattern(self) -> re.Pattern[str]:
        if self.compiled is None:
            alternation = "|".join(re.escape(form) for form in self.forms)
            if len(self.secret) >= LONG_SECRET:
                self.compiled = re.compile(alternation)
            else:
                self.compiled = re.compile(f"{_BEFORE}(?:{alternation}){_AFTER}")
        return self.compiled


# Re-entrant: forget_secret runs from a weakref finalizer, which the garbage collector may
# call in the middle of register_secret on the same thread (any allocation can trigger it).
_lock = threading.RLock()
_entries: dict[str, _Entry] = {}
# Every spelling of every secret, by length: with many distinct secrets alive, `redact`
# looks each window of the text up here instead of searching the text once per secret.
_by_length: dict[int, dict[str, _Entry]] = {}
#: Up to this many distinct secrets, `redact` searches for each (fast C loops); above it,
#: it looks windows up by length (cost grows with the text, not with the secrets).
_SCAN_LIMIT = 16


def _spellings(secret: str) -> set[str]:
    """The secret as it can appear in text: raw, percent-encoded, and JSON-escaped."""
    return {
        secret,
        quote(secret, safe=""),
        quote(secret, safe="/:@"),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }


def _entry(secret: str) -> _Entry:
    return _Entry(secret, 1, tuple(sorted(_spellings(secret), key=len, reverse=True)))


def reset_lock_after_fork() -> None:
    """A fresh lock in a forked child (another thread may have held it at the fork)."""
    global _lock
    _lock = threading.RLock()


def register_secret(secret: str) -> None:
    """Start masking `secret` everywhere `redact` is used (once per holder; O(1))."""
    if not secret:
        return
    with _lock:
        entry = _entries.get(secret)
        if entry is None:
            entry = _entries[secret] = _entry(secret)
            for form in entry.forms:
                _by_length.setdefault(len(form), {})[form] = entry
        else:
            entry.count += 1
    _install_log_filter()


def forget_secret(secret: str) -> None:
    """Stop masking `secret` once no holder uses it any more."""
    if not secret:
        return
    with _lock:
        entry = _entries.get(secret)
        if entry is None:
            return
        entry.count -= 1
        if entry.count <= 0:
            del _entries[secret]
            for form in entry.forms:
                same_length = _by_length.get(len(form), {})
                if same_length.get(form) is entry:
                    del same_length[form]
                    if not same_length:
                        del _by_length[len(form)]


def is_registered(secret: str) -> bool:
    """Whether `secret` is masked right now (for tests and diagnostics)."""
    return secret in _entries


def redact(text: str) -> str:
    """Return `text` with every registered secret, where it stands as a value, as `***`."""
    if not _entries:
        return text
    # list(): a finalizer may change the dict meanwhile
    few = len(_entries) <= _SCAN_LIMIT
    candidates = list(_entries.values()) if few else list(_present(text))
    for entry in candidates:
        if any(form in text for form in entry.forms):
            text = entry.pattern.sub(MASK, text)
    return text


def _present(text: str) -> set[_Entry]:
    """The secrets some spelling of which occurs in `text`, by looking windows up."""
    found: set[_Entry] = set()
    size = len(text)
    for length, forms in list(_by_length.items()):
        for start in range(size - length + 1):
            entry = forms.get(text[start : start + length])
            if entry is not None:
                found.add(entry)
    return found


# -- secret call parameters ---------------------------------------------------------------------


def _url_parts(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
        username, password = parts.username, parts.password
    except ValueError:
        return [url]  # not a URL we can take apart: the whole value is the secret
    found = [username or "", password or ""]
    for text in (parts.query, parts.fragment):
        found += [value for _, value in parse_qsl(text, keep_blank_values=False)]
    return [part for part in found if part]


def _header_values(lines: str) -> list[str]:
    values: list[str] = []
    for line in lines.splitlines():
        _, colon, value = line.partition(":")
        if colon and value.strip():
            values.append(value.strip())
    return values


def secret_parts(kind: SecretKind, value: str) -> list[str]:
    """The secrets inside one secret parameter's value."""
    if kind == "url":
        return _url_parts(value)
    if kind == "header_lines":
        return _header_values(value)
    return [value]


def mask_url(url: str) -> str:
    """`https://user:pw@host/p?sig=x` -> `https://***:***@host/p?sig=***` (host and path kept)."""
    try:
        parts = urlsplit(url)
        hostinfo = parts.netloc.rpartition("@")
        has_userinfo = bool(hostinfo[1])
        password = parts.password
    except ValueError:
        return MASK
    netloc = parts.netloc
    if has_userinfo:
        userinfo = MASK if password is None else f"{MASK}:{MASK}"
        netloc = f"{userinfo}@{hostinfo[2]}"

    def masked_query(text: str) -> str:
        if not text:
            return text
        pairs = [item.partition("=") for item in text.split("&")]
        return "&".join(f"{name}={MASK}" if eq else name for name, eq, _ in pairs)

    return urlunsplit(
        (
            parts.scheme,
            netloc,
            parts.path,
            masked_query(parts.query),
            masked_query(parts.fragment),
        )
    )


def mask_param(kind: SecretKind, value: str) -> str:
    """One secret parameter's value as it may be shown (its secrets as `***`)."""
    if kind == "url":
        return mask_url(value)
    if kind == "header_lines":
        lines: list[str] = []
        for line in value.splitlines():
            name, colon, _ = line.partition(":")
            lines.append(f"{name}: {MASK}" if colon else MASK)
        return "\n".join(lines)
    return MASK


@contextmanager
def secret_scope(secrets: Iterable[str]) -> Generator[None, None, None]:
    """Mask `secrets` (e.g. a call's secret parameters) until the block ends."""
    held = [secret for secret in secrets if secret]
    for secret in held:
        register_secret(secret)
    try:
        yield
    finally:
        for secret in held:
            forget_secret(secret)


# -- logging ----------------------------------------------------------------------------------


class _RedactingFilter(logging.Filter):
    """Rewrites a record's message with the secrets masked (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _entries:
            return True
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg = clean
            record.args = None
        return True


_filter = _RedactingFilter()

# Loggers whose records can hold a request URL: urllib3 logs "GET /path?query" at DEBUG.
# urllib3.connection warns "Failed to parse headers (url=...)" with the query string.
_LOGGERS = (
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.util.retry",
    "streamtape_sdk",
    # AsyncStreamtape: httpx2 logs every request's full URL at INFO, httpcore2 its
    # connection and request steps at DEBUG.
    "httpx2",
    "httpcore2.connection",
    "httpcore2.http11",
    "httpcore2.http2",
    "httpcore2.proxy",
    "httpcore2.socks",
)
_installed = False


def _install_log_filter() -> None:
    global _installed
    if _installed:
        return
    # addFilter ignores a filter that is already there, so this is idempotent.
    for name in _LOGGERS:
        logging.getLogger(name).addFilter(_filter)
    _installed = True
