"""Random identifiers shaped like the real ones (reference §1.6)."""

from __future__ import annotations

import secrets
import string

_ALNUM = string.ascii_letters + string.digits
_B64URL = _ALNUM + "-_"
_HEX = "0123456789abcdef"


def _pick(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def file_id() -> str:
    """A file/link id: 15 characters of ``[A-Za-z0-9]``."""
    return _pick(_ALNUM, 15)


def folder_id() -> str:
    """A folder id: 11 base64url characters (never ``"0"``, which means root)."""
    return _pick(_B64URL, 11)


def remote_id() -> str:
    """A remote-upload id: 11 base64url characters."""
    return _pick(_B64URL, 11)


def login() -> str:
    """An API login: 20 lowercase hex characters."""
    return _pick(_HEX, 20)


def key() -> str:
    """An API key: 15 alphanumerics."""
    return _pick(_ALNUM, 15)


def token() -> str:
    """An opaque URL-safe token for tickets, upload URLs and download links."""
    return secrets.token_urlsafe(18)
