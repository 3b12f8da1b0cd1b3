"""The download of a link into its resume state, as a flow (one implementation for both
clients).

Every reply is checked before a byte of it is stored: a `206` must carry a `Content-Range`
that starts at the offset asked for and ends inside the announced size, a `200` must be the
whole file. A reply that fails a check stores nothing and counts as a failure; a broken
connection keeps every byte that arrived. Failures are retried under the client's
`RetryPolicy` (the same `RetryBudget` as API calls), counting consecutive failures *without
progress*; see `docs/transfers.md`. Disk work (writes, hashing, fsync, the lock) runs as
`Blocking` steps: in a worker thread under the async client.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, cast

from .._cancel import CancelToken
from .._endpoints import DOWNLOAD_GET
from .._retry import RetryBudget, RetryPolicy
from ..errors import (
    APIConnectionError,
    APIError,
    IntegrityError,
    StreamtapeError,
    TransferCancelledError,
    TransferError,
    error_for_status,
)
from ..transfers._download import (
    CONTENT_RANGE,
    LINK_REFUSED,
    RETRY_SLEEP_FACTOR,
    BadReplyError,
    DownloadTarget,
    is_transient,
    write_at,
)
from ..transfers._progress import ProgressCallback
from ..transfers._resume import ResumeState
from ..transfers._source import CHUNK_SIZE
from .effects import Flow, HttpRequest, StreamHead, blocking, open_stream, read_chunk, sleep
from .envelope import parse_retry_after

if TYPE_CHECKING:
    from .._transport import Transport
    from ..transfers._download import Download as SlicedRun

__all__ = ["RETRY_SLEEP_FACTOR", "DownloadTarget", "fetch_to_file"]

logger = logging.getLogger("streamtape_sdk")


def fetch_to_file(
    policy: RetryPolicy,
    target: DownloadTarget,
    dest: Path,
    *,
    file_id: str,
    refresh: Callable[[], Flow[DownloadTarget]],
    progress: ProgressCallback | None = None,
    resume: bool = True,
    replace: bool = True,
    expected_sha256: str | None = None,
    cancel: CancelToken | None = None,
    timeout: float | None = None,
    connections: int = 1,
    sliced_transport: Transport | None = None,
) -> Flow[Path]:
    """Download `target` (file `file_id`) to `dest` through its resume state.

    `refresh` is a flow that fetches a fresh link when the current one is refused or
    expired. `replace` False never replaces an existing `dest`. When the flow is stopped
    (task cancelled, KeyboardInterrupt), the lock is released and the partial file kept.
    `connections` > 1 first fetches the rest of the file as parallel ranges
    (`transfers._sliced`, requests in worker threads over `sliced_transport`, as one blocking
    step), then the single stream finishes whatever is left.

    Raises:
        TransferError: another process is downloading to `dest`, or the download kept
            failing without progress (its state is kept for a later call).
        TransferCancelledError: `cancel` fired (state kept).
        IntegrityError: the complete file has the wrong size or sha256 (state removed).
        FileExistsError: `replace` is False and `dest` exists.
        APIError: the link was refused for good (e.g. 451), or a renewal failed.
    """
    state = ResumeState(dest, file_id)
    yield from blocking(state.__enter__)  # the lock may wait for a moment: off the loop
    try:
        run = _Download(policy, target, state, refresh, progress, expected_sha256, cancel)
        yield from run.start(resume)
        if connections > 1 and sliced_transport is not None:
            yield from run.fetch_sliced(sliced_transport, connections, timeout)
        yield from run.fetch_all(timeout)
        yield from blocking(lambda: run.finish(replace))
    finally:
        state.__exit__(None, None, None)
    if progress is not None:
        progress(run.target.size, run.target.size)
    return dest


class _Download:
    """One call's download loop over its resume state."""

    def __init__(
        self,
        policy: RetryPolicy,
        target: DownloadTarget,
        state: ResumeState,
        refresh: Callable[[], Flow[DownloadTarget]],
        progress: ProgressCallback | None,
        expected_sha256: str | None,
        cancel: CancelToken | None,
    ) -> None:
        self.policy = policy
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

    def start(self, resume: bool) -> Flow[None]:
        if not resume:
            self.state.reset()
        self.offset, self.validator = self.state.load(self.target.size)
        if self.offset and self.hasher is not None:
            yield from blocking(self.hash_kept_prefix)
        if self.offset:
            logger.debug("Resuming %s from byte %d", self.name, self.offset)

    def fetch_sliced(
        self, transport: Transport, connections: int, timeout: float | None
    ) -> Flow[None]:
        """The sliced download's parallel ranges, as one blocking step (worker threads with
        requests); cancelling the async task stops them through `interrupt`."""
        from ..transfers._sliced import fetch_sliced  # only sliced downloads pay for it

        interrupt = CancelToken()
        # The view has every attribute the sliced download reads (a `_download._Download`).
        view = cast("SlicedRun", _SlicedView(self, transport, interrupt))
        yield from blocking(partial(fetch_sliced, view, connections, timeout), interrupt)

    def fetch_all(self, timeout: float | None) -> Flow[None]:
        policy = self.policy
        budget = RetryBudget(policy, total_sleep_limit=policy.max_total_sleep * RETRY_SLEEP_FACTOR)
        while self.offset < self.target.size:
            self.check_cancelled()
            before = self.stored
            renew = False
            try:
                yield from self._attempt(timeout)
                continue
            except BadReplyError as error:
                failure: StreamtapeError = error
                renew = error.stale_size
                retry_after = None
            except APIError as error:
                failure = error
                if error.status in LINK_REFUSED:
                    renew = True  # expired or refused: only a new ticket helps
                elif not is_transient(error):
                    raise
                retry_after = error.retry_after
            except APIConnectionError as error:
                failure = error
                retry_after = None
            if renew:
                yield from self._renew_link()
            wait = budget.next_delay(retry_after)
            if self.stored != before:
                budget.progressed()  # this failure came after new bytes: not "in a row"
            if wait is None:
                raise self.give_up(failure, budget, retry_after) from None
            logger.debug(
                "Resuming download of %s at byte %d in %.2f s after %s",
                self.name,
                self.offset,
                wait,
                type(failure).__name__,
            )
            yield from sleep(wait, self.cancel)
            self.check_cancelled()

    def give_up(
        self, failure: StreamtapeError, budget: RetryBudget, retry_after: float | None
    ) -> TransferError:
        policy = self.policy
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
        cls = IntegrityError if isinstance(failure, BadReplyError) else TransferError
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
        self.check_cancelled()
        self.state.publish(replace=replace)

    # -- one request -------------------------------------------------------------------------

    def _attempt(self, timeout: float | None) -> Flow[None]:
        """GET the link from `self.offset` and store what arrives; raise on any failure."""
        size = self.target.size
        # identity: byte ranges must count the bytes stored, not a compressed stream's.
        headers = {"Accept-Encoding": "identity"}
        if self.offset:
            headers["Range"] = f"bytes={self.offset}-"
            if self.validator:
                headers["If-Range"] = self.validator
        request = HttpRequest(
            "GET", self.target.url, DOWNLOAD_GET, headers=headers, timeout=timeout
        )
        head = yield from open_stream(request)
        status = head.status
        if status == 416:
            self._range_not_satisfiable(head)
            return
        if status not in (200, 206):
            raise error_for_status(
                status,
                f"HTTP {status} from the download link",
                endpoint=DOWNLOAD_GET.path,
                http_status=status,
                retry_after=parse_retry_after(head.header("Retry-After")),
            )
        validator = _validator(head)
        if status == 206:
            length = self._check_partial_reply(head, validator)
        else:
            length = self._check_full_reply(head)
        if validator != self.validator or self.offset == 0:
            self.validator = validator
            self.state.save(size, validator)  # before a byte is stored under it
        yield from self._store(head, length)

    def _check_partial_reply(self, head: StreamHead, validator: str | None) -> int:
        """Validate a 206 against the range asked for; return the bytes it carries."""
        size = self.target.size
        header = head.header("Content-Range") or ""
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
        if start != self.offset or end < start or end >= size:
            raise BadReplyError(
                f"the download link answered Content-Range {header!r} to a request for "
                f"bytes {self.offset}-"
            )
        if self.validator and validator and validator != self.validator:
            # The server ignored If-Range and the file changed: the kept bytes are stale.
            self.restart()
            raise BadReplyError(f"the file behind the link changed (validator {validator!r})")
        return _checked_length(head, end - start + 1)

    def _check_full_reply(self, head: StreamHead) -> int:
        """A 200 is the whole file: from a Range request, the server ignored the range (or
        If-Range said the file changed), so the kept bytes are dropped."""
        length = _checked_length(head, None)
        if length >= 0 and length != self.target.size:
            raise BadReplyError(
                f"the download link serves {length} bytes but the API announced {self.target.size}",
                stale_size=True,
            )
        if self.offset:
            logger.debug("%s: the link answered 200 to a range request; starting over", self.name)
            self.restart()
        return self.target.size

    def _range_not_satisfiable(self, head: StreamHead) -> None:
        """416: complete when we hold every byte of a file of the announced size."""
        content_range = head.header("Content-Range")
        total = (content_range or "").rpartition("/")[2].strip()
        if self.offset == self.target.size and total in ("", "*", str(self.target.size)):
            return
        self.restart()
        raise BadReplyError(
            f"the download link refused a range from byte {self.offset} "
            f"(HTTP 416, Content-Range {content_range!r})",
            stale_size=total.isdigit() and int(total) != self.target.size,
        )

    def _store(self, head: StreamHead, length: int) -> Flow[None]:
        """Append the body at `self.offset`, at most `length` bytes; count what arrived."""
        fd = self.state.fd
        end = self.offset + length
        os.ftruncate(fd, self.offset)  # drop a torn tail beyond what was counted
        while True:
            try:
                chunk = yield from read_chunk(head, CHUNK_SIZE)
            except APIConnectionError:
                raise APIConnectionError(
                    f"download interrupted at byte {self.offset}: the connection broke"
                ) from None
            if not chunk:
                break
            if self.offset + len(chunk) > end:
                raise BadReplyError(
                    f"the download link sent more than the {length} bytes it announced"
                )
            yield from blocking(partial(self._write, chunk))
            if self.progress is not None:
                self.progress(self.offset, self.target.size)
            self.check_cancelled()
        if self.offset < end:
            raise APIConnectionError(
                f"download interrupted at byte {self.offset}: the body ended early"
            )

    def _write(self, chunk: bytes) -> None:
        """Store `chunk` at the offset (and hash it): one blocking step."""
        write_at(self.state.fd, chunk, self.offset)
        self.offset += len(chunk)
        self.stored += len(chunk)
        if self.hasher is not None:
            self.hasher.update(chunk)

    # -- helpers -----------------------------------------------------------------------------

    def restart(self) -> None:
        self.state.reset()
        self.offset = 0
        self.validator = None
        if self.hasher is not None:
            self.hasher = hashlib.sha256()

    def _renew_link(self) -> Flow[None]:
        self.check_cancelled()
        renewed = yield from self.refresh()
        if renewed.size != self.target.size:
            logger.debug("%s: the renewed link announces another size; starting over", self.name)
            self.restart()
        self.target = renewed

    def hash_kept_prefix(self) -> None:
        assert self.hasher is not None
        done = 0
        while done < self.offset:
            chunk = os.pread(self.state.fd, min(CHUNK_SIZE, self.offset - done), done)
            if not chunk:
                break
            self.hasher.update(chunk)
            done += len(chunk)

    def check_cancelled(self) -> None:
        if self.cancel is not None and self.cancel.cancelled:
            raise TransferCancelledError(
                f"download of {self.name!r} cancelled at byte {self.offset} of "
                f"{self.target.size}; the partial file is kept: call download() again "
                "with the same destination to resume."
            )


def _validator(head: StreamHead) -> str | None:
    """The link's validator for `If-Range`: a strong `ETag`, else `Last-Modified`."""
    etag = head.header("ETag")
    if etag and not etag.startswith("W/"):
        return etag.strip()
    modified = head.header("Last-Modified")
    return modified.strip() if modified else None


def _checked_length(head: StreamHead, expected: int | None) -> int:
    header = head.header("Content-Length")
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


class _SlicedView:
    """A `_Download` as the sliced download sees it: a sync transport, a sync link renewal,
    and a cancel check that also stops when the async task was cancelled (`interrupt`).
    Every other attribute is the download's own (reads and writes go through)."""

    def __init__(self, run: _Download, transport: Transport, interrupt: CancelToken) -> None:
        object.__setattr__(self, "_run", run)
        object.__setattr__(self, "transport", transport)
        object.__setattr__(self, "_interrupt", interrupt)

    def __getattr__(self, name: str) -> object:
        return getattr(object.__getattribute__(self, "_run"), name)

    def __setattr__(self, name: str, value: object) -> None:
        setattr(object.__getattribute__(self, "_run"), name, value)

    @property
    def cancel(self) -> CancelToken:
        run: _Download = object.__getattribute__(self, "_run")
        return run.cancel or object.__getattribute__(self, "_interrupt")

    def refresh(self) -> DownloadTarget:
        run: _Download = object.__getattribute__(self, "_run")
        transport: Transport = object.__getattribute__(self, "transport")
        return transport.run(run.refresh())

    def check_cancelled(self) -> None:
        run: _Download = object.__getattribute__(self, "_run")
        interrupt: CancelToken = object.__getattribute__(self, "_interrupt")
        if interrupt.cancelled:
            raise TransferCancelledError(
                f"download of {run.name!r} interrupted; the partial file is kept"
            )
        run.check_cancelled()
