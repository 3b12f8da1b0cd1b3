"""Keeps the API key out of messages and log records.

Every transport registers its key here. `redact` replaces it (raw and percent-encoded) with
`***`. A logging filter on urllib3's logger applies the same to its DEBUG request lines
(`GET /account/info?login=..&key=..`), which would otherwise carry the key.
"""

from __future__ import annotations

import json
import logging
import threading
from urllib.parse import quote, quote_plus

__all__ = ["MASK", "forget_secret", "redact", "register_secret"]

MASK = "***"

# Re-entrant: forget_secret runs from a weakref finalizer, which the garbage collector may
# call in the middle of register_secret on the same thread (any allocation can trigger it).
_lock = threading.RLock()
_secrets: dict[str, int] = {}  # secret -> number of transports using it
_forms: tuple[str, ...] = ()  # every spelling to mask, longest first


def _spellings(secret: str) -> set[str]:
    """The secret as it can appear in text: raw, percent-encoded, and JSON-escaped."""
    return {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }


def _rebuild() -> None:
    global _forms
    forms: set[str] = set()
    for secret in list(_secrets):  # a finalizer may change the dict while we iterate
        forms |= _spellings(secret)
    _forms = tuple(sorted(forms, key=len, reverse=True))


def register_secret(secret: str) -> None:
    """Start masking `secret` everywhere `redact` is used."""
    if not secret:
        return
    with _lock:
        _secrets[secret] = _secrets.get(secret, 0) + 1
        _rebuild()
    _install_log_filter()


def forget_secret(secret: str) -> None:
    """Stop masking `secret` once no transport uses it any more."""
    with _lock:
        count = _secrets.get(secret, 0) - 1
        if count > 0:
            _secrets[secret] = count
        else:
            _secrets.pop(secret, None)
        _rebuild()


def redact(text: str) -> str:
    """Return `text` with every registered secret replaced by `***`."""
    for form in _forms:
        if form in text:
            text = text.replace(form, MASK)
    return text


class _RedactingFilter(logging.Filter):
    """Rewrites a record's message with the secrets masked (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _forms:
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


def _install_log_filter() -> None:
    # addFilter ignores a filter that is already there, so this is idempotent.
    for name in _LOGGERS:
        logging.getLogger(name).addFilter(_filter)
