"""The ``Range`` header of download links: one byte range, RFC 9110 §14.

Only a single ``bytes`` range is honoured; several ranges (multipart replies) get the
whole file, and a header that does not parse is ignored, as RFC 9110 allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPEC = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ByteRange:
    """Bytes ``[start, stop)`` of the file (``stop`` exclusive, already clamped)."""

    start: int
    stop: int


@dataclass(frozen=True)
class Unsatisfiable:
    """The range asks for nothing inside the file: answer 416."""


def parse_range(header: str | None, size: int) -> ByteRange | Unsatisfiable | None:
    """Resolve a ``Range`` header against a file of ``size`` bytes.

    ``None`` means "send the whole file" (no header, several ranges, other units or
    bad syntax). ``bytes=-0`` (an empty suffix) and a start at or past the end are
    unsatisfiable.

    Examples:
        >>> parse_range("bytes=-40", 100)
        ByteRange(start=60, stop=100)
    """
    if header is None or "," in header:
        return None
    match = _SPEC.match(header)
    if match is None:
        return None
    first, last = match.group(1), match.group(2)
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return Unsatisfiable()
        return ByteRange(max(size - suffix, 0), size)
    start = int(first)
    if last and int(last) < start:
        return None  # invalid syntax: ignored
    if start >= size:
        return Unsatisfiable()
    stop = size if not last else min(int(last) + 1, size)
    return ByteRange(start, stop)
