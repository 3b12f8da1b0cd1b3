"""Local names for server strings: a file or folder name from the service becomes one safe
path component here (never a separator, `..`, NUL or a name too long for the filesystem).

The one place these rules live; downloads, `folders.walk` and the batch transfers use it.
Documented in docs/transfers.md ("Download") and docs/resources/folders.md.
"""

from __future__ import annotations

import re

__all__ = ["MAX_COMPONENT_BYTES", "safe_file_name", "safe_path_component"]

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
#: The longest file name common filesystems accept (ext4, APFS, NTFS count 255 units).
_NAME_MAX_BYTES = 255


def safe_file_name(name: str, fallback: str) -> str:
    """A server-given name made safe to create in a directory here.

    Keeps the last path component (no separators, no `..`), replaces NUL and other control
    characters with `_`, shortens a name over 255 bytes (UTF-8) while keeping its extension,
    and uses `fallback` (the file id) for a name that is empty or only dots. Documented in
    docs/transfers.md ("Download").
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = _CONTROL_CHARS.sub("_", base)
    if not base.strip("."):
        return fallback
    if len(base.encode("utf-8", "surrogateescape")) > _NAME_MAX_BYTES:
        stem, dot, ext = base.rpartition(".")
        if not dot or not stem or len(ext.encode()) > 16:
            stem, ext = base, ""
        suffix = f".{ext}" if ext else ""
        room = _NAME_MAX_BYTES - len(suffix.encode())
        stem = stem.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "ignore")
        base = stem + suffix
    return base


#: Longest path component derived from a server name, in UTF-8 bytes (filesystems allow 255;
#: room is left for a download's hidden state suffixes).
MAX_COMPONENT_BYTES = 200


def _clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, never inside a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def _clean(name: str) -> str:
    return "".join("_" if ch in "/\\" or ord(ch) < 32 or ord(ch) == 127 else ch for ch in name)


def safe_path_component(name: str, unique: str) -> str:
    """A folder name from the server as one relative path component that stays inside its
    parent: never empty, `.` or `..`, no `/`, `\\`, NUL or control characters, at most
    `MAX_COMPONENT_BYTES` bytes in all.

    A name that had to change gets ` (<unique>)` appended (the folder id), so two siblings
    that clean up to the same text stay apart; the suffix counts towards the limit. Safe
    names are returned unchanged.
    """
    cleaned = _clean(name)
    if cleaned.strip() in ("", ".", ".."):
        cleaned = "_" + cleaned.strip()
    if cleaned == name and len(name.encode("utf-8")) <= MAX_COMPONENT_BYTES:
        return name
    suffix = _clip(f" ({_clean(unique)})", MAX_COMPONENT_BYTES // 2) if unique else ""
    return _clip(cleaned, MAX_COMPONENT_BYTES - len(suffix.encode("utf-8"))) + suffix
