"""Sliced download: one file fetched as parallel byte ranges (`files.download(connections=N)`).

The partial file of the resume state is pre-sized and each part writes its range at its
offset. Every `206` is validated like the single stream's (`check_partial_reply`); a host
that ignores ranges (`200`) or refuses them (`416`), or a file that changes between parts,
ends the slicing and the single stream of `_download` takes over from the bytes kept.

Shared between the parts: ONE link renewal (the first part refused with 401/403/404/410
renews under a lock; the others reuse the new link), one `RetryBudget`, the cancel token.
A `429` while other parts are running means the host limits connections per link
(streamtape-api.md §5.6 N18): the part waits for a running part to finish and the number
of parts in flight is lowered to what the host accepted, without spending the retry budget.

Resume: while parts run there is no checkpoint (a pre-sized file with holes must never
pass for a complete one after a crash). When the slicing stops early (failure, cancel) the
partial file is cut to its contiguous prefix and the checkpoint written, so the next call
resumes from there; the unfinished parts are fetched again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import requests
from urllib3.exceptions import HTTPError

from .._endpoints import DOWNLOAD_GET
from .._retry import RetryBudget
from .._transport import parse_retry_after
from ..errors import APIConnectionError, APIError, StreamtapeError, error_for_status
from ._cancelling import sleep_unless_cancelled
from ._download import (
    LINK_REFUSED,
    RETRY_SLEEP_FACTOR,
    BadReplyError,
    body_chunks,
    check_partial_reply,
    is_transient,
    link_validator,
    write_at,
)

if TYPE_CHECKING:
    from ._download import Download

__all__ = ["MAX_CONNECTIONS", "MIN_PART_SIZE", "check_connections", "fetch_sliced"]

logger = logging.getLogger("streamtape_sdk")

#: The most parallel ranges one download opens (more only meets the host's throttling).
MAX_CONNECTIONS = 16
#: Below this many bytes per part, one stream is as fast: the file is not sliced.
MIN_PART_SIZE = 256 * 1024


def check_connections(connections: object) -> int:
    """Check `connections` before any I/O: an int from 1 to `MAX_CONNECTIONS`.

    Raises:
        TypeError: not an int (`True` and `2.0` are refused).
        ValueError: outside 1..16.
    """
    if isinstance(connections, bool) or not isinstance(connections, int):
        raise TypeError(
            f"connections must be an int, got {type(connections).__name__} {connections!r}"
        )
    if not 1 <= connections <= MAX_CONNECTIONS:
        raise ValueError(f"connections must be from 1 to {MAX_CONNECTIONS}, got {connections}")
    return connections


class _FallbackError(Exception):
    """The host does not serve ranges usefully: continue with one stream."""


@dataclass
class _Part:
    start: int
    last: int
    pos: int

    @property
    def done(self) -> bool:
        return self.pos > self.last


class _Slicer:
    def __init__(self, run: Download, connections: int, timeout: float | None) -> None:
        self.run = run
        self.timeout = timeout
        size = run.target.size
        count = max(1, min(connections, (size - run.offset) // MIN_PART_SIZE))
        step = -(-(size - run.offset) // count)
        self.parts = [
            _Part(start, min(start + step, size) - 1, start)
            for start in range(run.offset, size, step)
        ]
        self.pending = list(self.parts)
        self.cond = threading.Condition()
        self.refresh_lock = threading.Lock()
        self.generation: int = 0
        self.limit: int = len(self.parts)
        self.active: int = 0
        #: Bytes of the file on disk (the kept prefix included), for progress.
        self.stored = run.offset
        policy = run.transport.retry
        self.budget = RetryBudget(
            policy, total_sleep_limit=policy.max_total_sleep * RETRY_SLEEP_FACTOR
        )
        self.validator: str | None = run.validator
        self.error: BaseException | None = None
        self.fallback: bool = False

    # -- coordination --------------------------------------------------------------------------

    @property
    def stopped(self) -> bool:
        return self.error is not None or self.fallback

    def _fail(self, error: BaseException) -> None:
        with self.cond:
            if self.error is None and not self.fallback:
                self.error = error
            self.cond.notify_all()

    def _take(self) -> _Part | None:
        """The next part to fetch, once a connection slot is free; None when all is done."""
        with self.cond:
            while True:
                if self.stopped or (not self.pending and self.active == 0):
                    return None
                if self.pending and self.active < self.limit:
                    self.active += 1
                    return self.pending.pop(0)
                self.cond.wait(0.05)
                self._check_cancel_locked()

    def _release(self, part: _Part, *, again: bool) -> None:
        with self.cond:
            self.active -= 1
            if again and not part.done:
                self.pending.insert(0, part)
            self.cond.notify_all()

    def _check_cancel_locked(self) -> None:
        try:
            self.run.check_cancelled()
        except StreamtapeError as error:
            if self.error is None:
                self.error = error
            self.cond.notify_all()

    # -- the run -------------------------------------------------------------------------------

    def run_all(self) -> None:
        workers = [
            threading.Thread(target=self._work, name=f"streamtape-slice-{i}", daemon=True)
            for i in range(len(self.parts))
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    def _work(self) -> None:
        while (part := self._take()) is not None:
            again = True
            try:
                again = self._attempt(part)
            except BaseException as error:  # handed to the caller's thread
                self._fail(error)
            finally:
                self._release(part, again=again)

    def _attempt(self, part: _Part) -> bool:
        """Fetch what is left of `part`; True when it must be queued again."""
        run = self.run
        self.run.check_cancelled()
        generation, url = self.generation, run.target.url
        before = part.pos
        try:
            self._fetch(part, url)
            return not part.done
        except _FallbackError:
            with self.cond:
                self.fallback = True
                self.cond.notify_all()
            return False
        except BadReplyError as error:
            failure: StreamtapeError = error
            retry_after = None
            if error.stale_size:
                self._renew(generation)
        except APIError as error:
            failure = error
            retry_after = error.retry_after
            if error.status in LINK_REFUSED:
                if not self._renew(generation):
                    return True  # another part renewed the link: no failure of this one
            elif error.status == 429 and self._throttled():
                return True  # the host's per-link connection limit: wait for a free slot
            elif not is_transient(error):
                raise
        except APIConnectionError as error:
            failure = error
            retry_after = None
        with self.cond:
            if part.pos != before:
                self.budget.progressed()
            wait = self.budget.next_delay(retry_after)
        if wait is None:
            raise run.give_up(failure, self.budget, retry_after)
        logger.debug(
            "Retrying bytes %d-%d of %s in %.2f s after %s",
            part.pos,
            part.last,
            run.name,
            wait,
            type(failure).__name__,
        )
        sleep_unless_cancelled(run.transport.sleep, wait, run.cancel)
        return True

    def _throttled(self) -> bool:
        """A 429 while other parts run: lower the parts in flight; True if that applies."""
        with self.cond:
            others = self.active - 1
            if others < 1:
                return False
            self.limit = min(self.limit, others)
            logger.debug("%s: the link accepts %d connections", self.run.name, self.limit)
            self.cond.notify_all()
            return True

    def _renew(self, generation: int) -> bool:
        """Renew the link once for every part that saw the link of `generation` refused;
        False when another part renewed it already."""
        with self.refresh_lock:
            if generation != self.generation:
                return False
            renewed = self.run.refresh()
            if renewed.size != self.run.target.size:
                # Another file behind the id: the single stream starts it from scratch.
                self.fallback = True
            self.run.target = renewed
            self.generation += 1
            return True

    # -- one request ---------------------------------------------------------------------------

    def _fetch(self, part: _Part, url: str) -> None:
        headers = {"Accept-Encoding": "identity", "Range": f"bytes={part.pos}-{part.last}"}
        if self.validator:
            headers["If-Range"] = self.validator
        response = self.run.transport.send(
            "GET", url, DOWNLOAD_GET, headers=headers, stream=True, timeout=self.timeout
        )
        with response:
            status = response.status_code
            if status in (200, 416):
                logger.debug(
                    "%s: the link answered %d to a range: one stream", self.run.name, status
                )
                raise _FallbackError
            if status != 206:
                raise error_for_status(
                    status,
                    f"HTTP {status} from the download link",
                    endpoint=DOWNLOAD_GET.path,
                    http_status=status,
                    retry_after=parse_retry_after(response.headers.get("Retry-After")),
                )
            _last, length = check_partial_reply(
                response, offset=part.pos, size=self.run.target.size, last=part.last
            )
            validator = link_validator(response)
            with self.cond:
                if self.validator is None:
                    self.validator = validator
                elif validator and validator != self.validator:
                    raise _FallbackError  # the file changed between parts: one stream restarts
            self._store(part, response, part.pos + length)

    def _store(self, part: _Part, response: requests.Response, end: int) -> None:
        fd = self.run.state.fd
        try:
            for chunk in body_chunks(response):
                if part.pos + len(chunk) > end:
                    raise BadReplyError(
                        "the download link sent more bytes than its Content-Range announced"
                    )
                write_at(fd, chunk, part.pos)
                part.pos += len(chunk)
                with self.cond:
                    self.stored += len(chunk)
                    if self.run.progress is not None:
                        self.run.progress(self.stored, self.run.target.size)
                if self.stopped:
                    return
                self.run.check_cancelled()
        except requests.RequestException as exc:
            raise APIConnectionError(
                f"download interrupted at byte {part.pos}: {type(exc).__name__}"
            ) from None
        except (OSError, HTTPError) as exc:
            if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
                raise  # a local disk error (full, read-only): not the network's fault
            raise APIConnectionError(
                f"download interrupted at byte {part.pos}: {type(exc).__name__}"
            ) from None
        if part.pos < end:
            raise APIConnectionError(
                f"download interrupted at byte {part.pos}: the body ended early"
            )

    # -- the outcome ---------------------------------------------------------------------------

    def prefix(self) -> int:
        """The bytes from the start of the file that every part before them completed."""
        kept = self.parts[0].start
        for part in self.parts:
            if part.start != kept:
                break
            kept = part.pos
            if not part.done:
                break
        return kept


def fetch_sliced(run: Download, connections: int, timeout: float | None) -> None:
    """Fetch the rest of `run`'s file in up to `connections` parallel ranges.

    Returns with the file complete (`run.offset` at its size), or with the contiguous
    prefix kept and `run.offset` there when the host does not serve ranges (the caller's
    single stream continues). Raises what the single stream would (`TransferError`,
    `TransferCancelledError`, `APIError`, `IntegrityError`) after keeping the prefix.
    """
    size = run.target.size
    if connections < 2 or size - run.offset < 2 * MIN_PART_SIZE:
        return
    state = run.state
    # No checkpoint while the file has holes: after a crash the next call starts afresh.
    state.discard_checkpoint()
    os.ftruncate(state.fd, size)
    slicer = _Slicer(run, connections, timeout)
    try:
        slicer.run_all()
    finally:
        complete = slicer.error is None and not slicer.fallback
        kept = size if complete else slicer.prefix()
        os.ftruncate(state.fd, kept)
        run.validator = slicer.validator
        if kept or slicer.validator:
            state.save(size, slicer.validator)
        if kept != run.offset:
            run.stored += kept - run.offset
        run.offset = kept
        if run.hasher is not None:
            run.hasher = hashlib.sha256()
            run.hash_kept_prefix()
    if run.target.size != size:
        run.restart()
    if slicer.error is not None:
        raise slicer.error
