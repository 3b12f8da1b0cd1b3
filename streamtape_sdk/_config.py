"""Client configuration values of the SDK's own (never a type of the HTTP library), and the
argument checks they share: `Timeout`, and the validators of seconds and counts."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "DEFAULT_TIMEOUT",
    "DEFAULT_UPLOAD_REPLY_TIMEOUT",
    "MAX_SECONDS",
    "Timeout",
    "require_count",
    "require_seconds",
]

#: Seconds to wait for a connection and for each read, unless a call says otherwise.
DEFAULT_TIMEOUT = 30.0
#: Seconds to wait for the upload host's reply after the last byte of a file was sent. The
#: reply can take minutes for a large file (streamtape-api.md §5.6 N8).
DEFAULT_UPLOAD_REPLY_TIMEOUT = 600.0
#: The longest wait any timeout may ask for (one week): larger values overflow the sockets'
#: and the event loop's clocks.
MAX_SECONDS = 7 * 24 * 3600.0


def require_seconds(value: object, what: str, *, allow_zero: bool = False) -> float:
    """Check a duration argument before any I/O and return it as a float.

    Raises:
        TypeError: not a real number (a bool is not a duration).
        ValueError: NaN, infinite, negative (or zero unless `allow_zero`), or above
            `MAX_SECONDS`.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number of seconds, got {type(value).__name__}")
    seconds = float(value)
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValueError(f"{what} must be a finite number of seconds, got {value!r}")
    if seconds < 0 or (seconds == 0 and not allow_zero):
        floor = "zero or more" if allow_zero else "more than zero"
        raise ValueError(f"{what} must be {floor} seconds, got {value!r}")
    if seconds > MAX_SECONDS:
        raise ValueError(f"{what} must be at most {MAX_SECONDS:.0f} seconds, got {value!r}")
    return seconds


def require_count(value: object, what: str) -> int:
    """Check a count argument (retries, workers) before any I/O: an int >= 0, not a bool.

    Raises:
        TypeError: not an int (`True` and `1.5` are refused).
        ValueError: negative.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, got {type(value).__name__} {value!r}")
    if value < 0:
        raise ValueError(f"{what} must be >= 0, got {value}")
    return value


@dataclass(frozen=True)
class Timeout:
    """How long the client waits, in seconds, for each phase of a request.

    Attributes:
        connect: to open a connection.
        read: for each read of a reply (the gap between two received pieces).
        upload_reply: for the upload host's reply after the last byte of a file was sent;
            long by default because the host may take minutes to answer for a large file
            (streamtape-api.md §5.6 N8). Separate from `read` so a short per-call timeout
            cannot turn a stored upload into an ambiguous failure.

    Raises:
        TypeError, ValueError: a value that is not a positive, finite number of seconds.

    Examples:
        >>> Streamtape(timeout=Timeout(connect=5, read=30, upload_reply=1800))  # doctest: +SKIP
    """

    connect: float = DEFAULT_TIMEOUT
    read: float = DEFAULT_TIMEOUT
    upload_reply: float = DEFAULT_UPLOAD_REPLY_TIMEOUT

    def __post_init__(self) -> None:
        for name in ("connect", "read", "upload_reply"):
            object.__setattr__(self, name, require_seconds(getattr(self, name), f"{name} timeout"))

    @classmethod
    def of(cls, value: float | Timeout) -> Timeout:
        """A `Timeout` from a plain number (connect and read; `upload_reply` keeps its
        default) or a `Timeout` (returned as is)."""
        if isinstance(value, Timeout):
            return value
        seconds = require_seconds(value, "timeout")
        return cls(connect=seconds, read=seconds)
