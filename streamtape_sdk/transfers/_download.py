"""What a download's steps share: the link target, the reply checks, the destination check.

The download itself (resume state, validated ranges, retry budget) is a core flow,
`streamtape_sdk._core.download`, run by both clients; the sliced download (`_sliced`) runs
its parallel ranges with requests in worker threads and uses the reply checks below on
requests' responses.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import requests

from .._cancel import CancelToken
from .._retry import RetryBudget
from .._transport import Transport
from ..errors import (
    APIError,
    StreamtapeError,
    TransferError,
)
from ._progress import ProgressCallback
from ._resume import ResumeState
from ._source import CHUNK_SIZE

__all__ = [
    "CONTENT_RANGE",
    "LINK_REFUSED",
    "RETRY_SLEEP_FACTOR",
    "BadReplyError",
    "Download",
    "DownloadTarget",
    "body_chunks",
    "check_partial_reply",
    "check_writable_dir",
    "is_transient",
    "link_validator",
    "write_at",
]

logger = logging.getLogger("streamtape_sdk")

#: A download's whole sleeping between retries is bounded by this many times the policy's
#: `max_total_sleep` (60 s by default, so 10 minutes), however much progress it makes.
RETRY_SLEEP_FACTOR = 10
#: Statuses that mean "this link is no longer yours": fetch a new ticket and link.
LINK_REFUSED = frozenset({401, 403, 404, 410})
CONTENT_RANGE = re.compile(r"\s*bytes\s+(\d+)-(\d+)/(\d+)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class DownloadTarget:
    """Where a link points: the URL and the size the API announced."""

    url: str
    size: int


def check_writable_dir(directory: Path) -> None:
    """Fail early, with a clear message, when files cannot be created in `directory`."""
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot download into {str(directory)!r}: no such directory")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot download into {str(directory)!r}: it is not writable")


class BadReplyError(TransferError):
    """The link answered something that cannot be part of the file; nothing was stored."""

    def __init__(self, message: str, *, stale_size: bool = False) -> None:
        super().__init__(message)
        #: The reply names another total size: the link (or the file) changed.
        self.stale_size = stale_size


class Download(Protocol):
    """What the sliced download (`_sliced.fetch_sliced`) uses of a download in progress: the
    core flow's state (`streamtape_sdk._core.download`), seen with a sync transport
    and a sync link renewal (`_core.download._SlicedView`)."""

    transport: Transport
    target: DownloadTarget
    state: ResumeState
    progress: ProgressCallback | None
    cancel: CancelToken | None
    offset: int
    stored: int
    validator: str | None
    hasher: object | None

    @property
    def name(self) -> str: ...

    def refresh(self) -> DownloadTarget: ...

    def check_cancelled(self) -> None: ...

    def give_up(
        self, failure: StreamtapeError, budget: RetryBudget, retry_after: float | None
    ) -> TransferError: ...

    def restart(self) -> None: ...

    def hash_kept_prefix(self) -> None: ...


def check_partial_reply(
    response: requests.Response, *, offset: int, size: int, last: int | None = None
) -> tuple[int, int]:
    """Validate a 206 to a request for bytes `offset`-`last` (`last` None: to the end) of a
    file of `size` bytes; return the last byte it carries and its length.

    The reply may carry fewer bytes than asked (a server may send a shorter range), never
    bytes from elsewhere or of another total size.

    Raises:
        BadReplyError: the Content-Range is missing, malformed, names another size
            (`stale_size`), starts elsewhere or ends outside the range asked for, or
            Content-Length disagrees with it.
    """
    header = response.headers.get("Content-Range", "")
    match = CONTENT_RANGE.fullmatch(header)
    if match is None:
        raise BadReplyError(f"the download link answered 206 with Content-Range {header!r}")
    start, end, total = (int(group) for group in match.groups())
    if total != size:
        raise BadReplyError(
            f"the download link serves {total} bytes (Content-Range {header!r}) but the "
            f"API announced {size}",
            stale_size=True,
        )
    limit = size - 1 if last is None else last
    if start != offset or end < start or end > limit:
        asked = f"{offset}-" if last is None else f"{offset}-{last}"
        raise BadReplyError(
            f"the download link answered Content-Range {header!r} to a request for bytes {asked}"
        )
    return end, _checked_length(response, end - start + 1)


def is_transient(error: APIError) -> bool:
    return error.status in (408, 429, 509) or 500 <= error.status <= 599


def link_validator(response: requests.Response) -> str | None:
    """The link's validator for `If-Range`: a strong `ETag`, else `Last-Modified`."""
    etag = response.headers.get("ETag")
    if etag and not etag.startswith("W/"):
        return etag.strip()
    modified = response.headers.get("Last-Modified")
    return modified.strip() if modified else None


def _checked_length(response: requests.Response, expected: int | None) -> int:
    header = response.headers.get("Content-Length")
    if header is None:
        if expected is None:
            return -1
        return expected
    if not header.strip().isdigit():
        raise BadReplyError(f"the download link sent Content-Length {header!r}")
    length = int(header)
    if expected is not None and length != expected:
        raise BadReplyError(
            f"the download link's Content-Length {length} disagrees with its Content-Range "
            f"({expected} bytes)"
        )
    return length


def write_at(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


def body_chunks(response: requests.Response) -> Iterator[bytes]:
    """The raw body as it arrives, in pieces of up to `CHUNK_SIZE`.

    `read1` hands over whatever has arrived instead of waiting for a full chunk, so when the
    connection breaks, every byte received before the break is kept for the resume.
    """
    raw = response.raw
    while chunk := raw.read1(CHUNK_SIZE, decode_content=False):
        yield chunk
    # A body cut short ends without an exception from read1 on some urllib3 versions.
    expected = response.headers.get("Content-Length")
    if expected is not None and expected.isdigit() and raw.tell() < int(expected):
        raise requests.exceptions.ChunkedEncodingError(
            f"connection closed after {raw.tell()} of {expected} bytes"
        )
