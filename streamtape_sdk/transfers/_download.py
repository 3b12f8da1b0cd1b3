"""Streaming, resumable download of a link into its resume state, then an atomic publish.

Every reply is checked before a byte of it is stored: a `206` must carry a `Content-Range`
that starts at the offset asked for and ends inside the announced size, a `200` must be the
whole file. A reply that fails a check stores nothing and counts as a failure; a broken
connection keeps every byte that arrived. Failures are retried under the client's
`RetryPolicy` (the same `RetryBudget` as API calls), counting consecutive failures *without
progress*; see `docs/transfers.md`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
from urllib3.exceptions import HTTPError

from .._cancel import CancelToken
from .._endpoints import DOWNLOAD_GET
from .._retry import RetryBudget
from .._transport import Transport, parse_retry_after
from ..errors import (
    APIConnectionError,
    APIError,
    IntegrityError,
    StreamtapeError,
    TransferError,
    error_for_status,
)
from ._cancelling import check_cancel, sleep_unless_cancelled
from ._progress import ProgressCallback
from ._resume import ResumeState
from ._source import CHUNK_SIZE

__all__ = [
    "RETRY_SLEEP_FACTOR",
    "DownloadTarget",
    "check_writable_dir",
    "fetch_to_file",
]

logger = logging.getLogger("streamtape_sdk")

#: A download's whole sleeping between retries is bounded by this many times the policy's
#: `max_total_sleep` (60 s by default, so 10 minutes), however much progress it makes.
RETRY_SLEEP_FACTOR = 10
#: Statuses that mean "this link is no longer yours": fetch a new ticket and link.
_LINK_REFUSED = frozenset({401, 403, 404, 410})
_CONTENT_RANGE = re.compile(r"\s*bytes\s+(\d+)-(\d+)/(\d+)\s*", re.IGNORECASE)


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


class _BadReplyError(TransferError):
    """The link answered something that cannot be part of the file; nothing was stored."""

    def __init__(self, message: str, *, stale_size: bool = False) -> None:
        super().__init__(message)
        #: The reply names another total size: the link (or the file) changed.
        self.stale_size = stale_size


def fetch_to_file(
    transport: Transport,
    target: DownloadTarget,
    dest: Path,
    *,
    file_id: str,
    refresh: Callable[[], DownloadTarget],
    progress: ProgressCallback | None = None,
    resume: bool = True,
    replace: bool = True,
    expected_sha256: str | None = None,
    cancel: CancelToken | None = None,
    timeout: float | None = None,
) -> Path:
    """Download `target` (file `file_id`) to `dest` through its resume state.

    `refresh` fetches a fresh link when the current one is refused or expired. `replace`
    False never replaces an existing `dest`.

    Raises:
        TransferError: another process is downloading to `dest`, or the download kept
            failing without progress (its state is kept for a later call).
        TransferCancelledError: `cancel` fired (state kept).
        IntegrityError: the complete file has the wrong size or sha256 (state removed).
        FileExistsError: `replace` is False and `dest` exists.
        APIError: the link was refused for good (e.g. 451), or a renewal failed.
    """
    with ResumeState(dest, file_id) as state:
        run = _Download(transport, target, state, refresh, progress, expected_sha256, cancel)
        run.start(resume)
        run.fetch_all(timeout)
        run.finish(replace)
    if progress is not None:
        progress(run.target.size, run.target.size)
    return dest


class _Download:
    """One call's download loop over its resume state."""

    def __init__(
        self,
        transport: Transport,
        target: DownloadTarget,
        state: ResumeState,
        refresh: Callable[[], DownloadTarget],
        progress: ProgressCallback | None,
        expected_sha256: str | None,
        cancel: CancelToken | None,
    ) -> None:
        self.transport = transport
        self.target = target
        self.state = state
        self.refresh = refresh
        self.progress = progress
        self.expected_sha256 = expected_sha256.lower() if expected_sha256 else None
        self.cancel = cancel
        self.offset = 0
        #: Bytes stored by this call (progress, whatever restarts happened).
        self.stored = 0
        self.validator: str | None = None
        self.hasher = hashlib.sha256() if expected_sha256 else None

    @property
    def name(self) -> str:
        return self.state.dest.name

    # -- the loop ----------------------------------------------------------------------------

    def start(self, resume: bool) -> None:
        if not resume:
            self.state.reset()
        self.offset, self.validator = self.state.load(self.target.size)
        if self.offset and self.hasher is not None:
            self._hash_kept_prefix()
        if self.offset:
            logger.debug("Resuming %s from byte %d", self.name, self.offset)

    def fetch_all(self, timeout: float | None) -> None:
        policy = self.transport.retry
        budget = RetryBudget(policy, total_sleep_limit=policy.max_total_sleep * RETRY_SLEEP_FACTOR)
        while self.offset < self.target.size:
            self._check_cancel()
            before = self.stored
            try:
                self._attempt(timeout)
                continue
            except _BadReplyError as error:
                failure: StreamtapeError = error
                if error.stale_size:
                    self._renew_link()
                retry_after = None
            except APIError as error:
                failure = error
                if error.status in _LINK_REFUSED:
                    self._renew_link()  # expired or refused: only a new ticket helps
                elif not _transient(error):
                    raise
                retry_after = error.retry_after
            except APIConnectionError as error:
                failure = error
                retry_after = None
            wait = budget.next_delay(retry_after)
            if self.stored != before:
                budget.progressed()  # this failure came after new bytes: not "in a row"
            if wait is None:
                raise self._give_up(failure, budget, retry_after) from None
            logger.debug(
                "Resuming download of %s at byte %d in %.2f s after %s",
                self.name,
                self.offset,
                wait,
                type(failure).__name__,
            )
            self._sleep(wait)

    def _give_up(
        self, failure: StreamtapeError, budget: RetryBudget, retry_after: float | None
    ) -> TransferError:
        policy = self.transport.retry
        kept = f"{self.offset} of {self.target.size} bytes kept for a resume"
        if retry_after is not None and retry_after > policy.max_retry_after:
            why = (
                f"the link asked to wait {retry_after:.0f} s, more than max_retry_after "
                f"({policy.max_retry_after:.0f} s)"
            )
        elif budget.failures < policy.max_retries:
            why = (
                f"its retries used up their sleep budget ({budget.slept:.0f} s without "
                f"progress, {budget.slept_total:.0f} s in all; the limits are max_total_sleep "
                f"and {RETRY_SLEEP_FACTOR} x max_total_sleep)"
            )
        else:
            why = f"it failed {budget.failures + 1} times in a row without progress"
        cls = IntegrityError if isinstance(failure, _BadReplyError) else TransferError
        return cls(
            f"download of {self.name!r} gave up: {why} ({kept}). Last failure: {failure} "
            "Call download() again to resume."
        )

    def finish(self, replace: bool) -> None:
        size = os.fstat(self.state.fd).st_size
        if size != self.target.size:
            self.state.discard()
            raise IntegrityError(
                f"download of {self.name!r} produced {size} bytes but the API announced "
                f"{self.target.size}; nothing was published and the partial file was removed. "
                "Try again."
            )
        if self.hasher is not None and self.hasher.hexdigest() != self.expected_sha256:
            self.state.discard()
            raise IntegrityError(
                f"download of {self.name!r} has sha256 {self.hasher.hexdigest()}, not the "
                f"expected {self.expected_sha256}; nothing was published and the partial file "
                "was removed. Check expected_sha256, or try again."
            )
        self._check_cancel()
        self.state.publish(replace=replace)

    # -- one request -------------------------------------------------------------------------

    def _attempt(self, timeout: float | None) -> None:
        """GET the link from `self.offset` and store what arrives; raise on any failure."""
        size = self.target.size
        # identity: byte ranges must count the bytes stored, not a compressed stream's.
        headers = {"Accept-Encoding": "identity"}
        if self.offset:
            headers["Range"] = f"bytes={self.offset}-"
            if self.validator:
                headers["If-Range"] = self.validator
        response = self.transport.send(
            "GET", self.target.url, DOWNLOAD_GET, headers=headers, stream=True, timeout=timeout
        )
        with response:
            status = response.status_code
            if status == 416:
                self._range_not_satisfiable(response)
                return
            if status not in (200, 206):
                raise error_for_status(
                    status,
                    f"HTTP {status} from the download link",
                    endpoint=DOWNLOAD_GET.path,
                    http_status=status,
                    retry_after=parse_retry_after(response.headers.get("Retry-After")),
                )
            validator = _validator(response)
            if status == 206:
                length = self._check_partial_reply(response, validator)
            else:
                length = self._check_full_reply(response)
            if validator != self.validator or self.offset == 0:
                self.validator = validator
                self.state.save(size, validator)  # before a byte is stored under it
            self._store(response, length)

    def _check_partial_reply(self, response: requests.Response, validator: str | None) -> int:
        """Validate a 206 against the range asked for; return the bytes it carries."""
        size = self.target.size
        header = response.headers.get("Content-Range", "")
        match = _CONTENT_RANGE.fullmatch(header)
        if match is None:
            raise _BadReplyError(f"the download link answered 206 with Content-Range {header!r}")
        start, end, total = (int(group) for group in match.groups())
        if total != size:
            raise _BadReplyError(
                f"the download link serves {total} bytes (Content-Range {header!r}) but the "
                f"API announced {size}",
                stale_size=True,
            )
        if start != self.offset or end < start or end >= size:
            raise _BadReplyError(
                f"the download link answered Content-Range {header!r} to a request for "
                f"bytes {self.offset}-"
            )
        if self.validator and validator and validator != self.validator:
            # The server ignored If-Range and the file changed: the kept bytes are stale.
            self._restart()
            raise _BadReplyError(f"the file behind the link changed (validator {validator!r})")
        return _checked_length(response, end - start + 1)

    def _check_full_reply(self, response: requests.Response) -> int:
        """A 200 is the whole file: from a Range request, the server ignored the range (or
        If-Range said the file changed), so the kept bytes are dropped."""
        length = _checked_length(response, None)
        if length >= 0 and length != self.target.size:
            raise _BadReplyError(
                f"the download link serves {length} bytes but the API announced {self.target.size}",
                stale_size=True,
            )
        if self.offset:
            logger.debug("%s: the link answered 200 to a range request; starting over", self.name)
            self._restart()
        return self.target.size

    def _range_not_satisfiable(self, response: requests.Response) -> None:
        """416: complete when we hold every byte of a file of the announced size."""
        total = response.headers.get("Content-Range", "").rpartition("/")[2].strip()
        if self.offset == self.target.size and total in ("", "*", str(self.target.size)):
            return
        self._restart()
        raise _BadReplyError(
            f"the download link refused a range from byte {self.offset} "
            f"(HTTP 416, Content-Range {response.headers.get('Content-Range')!r})",
            stale_size=total.isdigit() and int(total) != self.target.size,
        )

    def _store(self, response: requests.Response, length: int) -> None:
        """Append the body at `self.offset`, at most `length` bytes; count what arrived."""
        fd = self.state.fd
        end = self.offset + length
        os.ftruncate(fd, self.offset)  # drop a torn tail beyond what was counted
        try:
            for chunk in _body_chunks(response):
                if self.offset + len(chunk) > end:
                    raise _BadReplyError(
                        f"the download link sent more than the {length} bytes it announced"
                    )
                _write_at(fd, chunk, self.offset)
                self.offset += len(chunk)
                self.stored += len(chunk)
                if self.hasher is not None:
                    self.hasher.update(chunk)
                if self.progress is not None:
                    self.progress(self.offset, self.target.size)
                self._check_cancel()
        except requests.RequestException as exc:
            error = APIConnectionError(
                f"download interrupted at byte {self.offset}: {type(exc).__name__}"
            )
        except (OSError, HTTPError) as exc:
            if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
                raise  # a local disk error (full, read-only): not the network's fault
            error = APIConnectionError(
                f"download interrupted at byte {self.offset}: {type(exc).__name__}"
            )
        else:
            if self.offset < end:
                raise APIConnectionError(
                    f"download interrupted at byte {self.offset}: the body ended early"
                )
            return
        raise error

    # -- helpers -----------------------------------------------------------------------------

    def _restart(self) -> None:
        self.state.reset()
        self.offset = 0
        self.validator = None
        if self.hasher is not None:
            self.hasher = hashlib.sha256()

    def _renew_link(self) -> None:
        self._check_cancel()
        renewed = self.refresh()
        if renewed.size != self.target.size:
            logger.debug("%s: the renewed link announces another size; starting over", self.name)
            self._restart()
        self.target = renewed

    def _hash_kept_prefix(self) -> None:
        assert self.hasher is not None
        done = 0
        while done < self.offset:
            chunk = os.pread(self.state.fd, min(CHUNK_SIZE, self.offset - done), done)
            if not chunk:
                break
            self.hasher.update(chunk)
            done += len(chunk)

    def _check_cancel(self) -> None:
        check_cancel(
            self.cancel,
            lambda: (
                f"download of {self.name!r} cancelled at byte {self.offset} of "
                f"{self.target.size}; the partial file is kept: call download() again "
                "with the same destination to resume."
            ),
        )

    def _sleep(self, seconds: float) -> None:
        sleep_unless_cancelled(self.transport.sleep, seconds, self.cancel)
        self._check_cancel()


def _transient(error: APIError) -> bool:
    return error.status in (408, 429, 509) or 500 <= error.status <= 599


def _validator(response: requests.Response) -> str | None:
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
        raise _BadReplyError(f"the download link sent Content-Length {header!r}")
    length = int(header)
    if expected is not None and length != expected:
        raise _BadReplyError(
            f"the download link's Content-Length {length} disagrees with its Content-Range "
            f"({expected} bytes)"
        )
    return length


def _write_at(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


def _body_chunks(response: requests.Response) -> Iterator[bytes]:
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
