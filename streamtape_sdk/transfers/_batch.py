"""A bounded worker pool running one job per item, reporting every item whatever happens."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Generic, TypeVar, cast

from .._cancel import CancelToken
from ..errors import (
    ClientClosedError,
    MissingCredentialsError,
    StreamtapeError,
    TransferCancelledError,
    TransferError,
)
from ._outcome import BatchEvent, BatchListener, TransferOutcome
from ._source import CHUNK_SIZE

__all__ = [
    "BatchItem",
    "ItemReporter",
    "Patterns",
    "hash_file",
    "patterns",
    "require_workers",
    "run_batch",
    "selected",
]

J = TypeVar("J")

#: The most workers a batch accepts: more only opens connections the service throttles.
MAX_WORKERS = 64

#: Glob patterns as callers pass them: one string or several.
Patterns = str | Sequence[str] | None


def require_workers(value: object) -> int:
    """Check `max_workers` before any I/O.

    Raises:
        ValueError: not an integer from 1 to `MAX_WORKERS`.
    """
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_WORKERS:
        raise ValueError(f"max_workers must be an integer from 1 to {MAX_WORKERS}, got {value!r}")
    return value


def patterns(value: Patterns, what: str) -> tuple[str, ...]:
    """Normalise `include=`/`exclude=` to a tuple of non-empty glob strings.

    Raises:
        ValueError: a pattern is not a non-empty string.
    """
    if value is None:
        return ()
    items: Sequence[object] = (
        [value] if isinstance(value, str) else list(cast("Sequence[object]", value))
    )
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"{what} patterns must be non-empty strings, got {item!r}")
    return tuple(cast("list[str]", items))


def _matches(relative: str, pattern: str) -> bool:
    # rsync/rclone-like: a pattern with a "/" matches the path from the batch's root, one
    # without matches the name at any depth. "*" also crosses "/" (fnmatch), so "docs/*"
    # selects the whole subtree.
    if "/" in pattern:
        return fnmatchcase(relative, pattern.lstrip("/"))
    return fnmatchcase(relative.rsplit("/", 1)[-1], pattern)


def selected(relative: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    """Whether a slash-separated relative path passes the filters (exclude wins)."""
    if any(_matches(relative, p) for p in exclude):
        return False
    return not include or any(_matches(relative, p) for p in include)


@dataclass(frozen=True)
class BatchItem(Generic[J]):
    """One item to run: its job and what events and outcomes say about it."""

    job: J
    local_path: Path
    remote_path: str | None
    size: int | None
    remote_id: str | None = None  # known up front for downloads


class ItemReporter:
    """Handed to a job: turns its progress into `BatchEvent`s and checks cancellation."""

    def __init__(
        self, emit: Callable[[BatchEvent], None], event: BatchEvent, abort: CancelToken
    ) -> None:
        self._emit = emit
        self._event = event
        self._abort = abort

    @property
    def cancel(self) -> CancelToken:
        """The batch's own token, for the job's `cancel=`: it fires when the caller's token
        does, or the caller's thread is interrupted (Ctrl-C)."""
        return self._abort

    def check(self) -> None:
        """Raise `TransferCancelledError` when the batch was cancelled (or interrupted)."""
        if self._abort.cancelled:
            raise TransferCancelledError(
                f"{self._event.local_path.name}: stopped before it finished (the batch was "
                "cancelled); run the batch again to finish it"
            )

    def _send(self, kind: str, done: int, total: int | None) -> None:
        self._emit(
            BatchEvent(
                kind=kind,  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
                index=self._event.index,
                count=self._event.count,
                local_path=self._event.local_path,
                remote_path=self._event.remote_path,
                done=done,
                total=total,
            )
        )

    def hashing(self, done: int, total: int | None, /) -> None:
        """Report hashing progress (a `ProgressCallback`); stops a cancelled batch's hashing."""
        self.check()
        self._send("hashing", done, total)

    def transfer(self, done: int, total: int | None, /) -> None:
        """Report transfer progress (a `ProgressCallback`)."""
        self._send("bytes", done, total)


def hash_file(path: Path, progress: Callable[[int, int | None], None] | None = None) -> str:
    """SHA-256 (hex) of a local file, read 1 MiB at a time, reporting `(done, total)`."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        total = path.stat().st_size
        done = 0
        if progress is not None:
            progress(0, total)
        while chunk := file.read(CHUNK_SIZE):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return digest.hexdigest()


def _failed(item: BatchItem[J], error: StreamtapeError | OSError) -> TransferOutcome:
    return TransferOutcome(
        local_path=item.local_path,
        remote_id=item.remote_id,
        state="failed",
        error=error,
        size=item.size,
        remote_path=item.remote_path,
    )


def run_batch(
    items: Sequence[BatchItem[J]],
    work: Callable[[J, ItemReporter], TransferOutcome],
    *,
    max_workers: int,
    fail_fast: bool,
    cancel: CancelToken | None,
    listener: BatchListener | None,
    first: Sequence[TransferOutcome] = (),
) -> list[TransferOutcome]:
    """Run `work` for every item on up to `max_workers` threads; one outcome per item, in order.

    A job's `StreamtapeError`, `OSError` or `ValueError` becomes that item's failed outcome
    (a `ValueError` wrapped in `TransferError`); anything else is a bug and propagates.
    `first` are outcomes decided before the run (e.g. a folder that could not be created):
    they are reported to the listener first and lead the returned list.
    """
    lock = threading.Lock()
    stop = threading.Event()  # start no more items (fail_fast, cancel, Ctrl-C)
    abort = CancelToken()  # also stop the running ones at their next chunk (cancel, Ctrl-C)
    count = len(first) + len(items)

    def emit(event: BatchEvent) -> None:
        if listener is not None:
            with lock:
                listener(event)

    for index, outcome in enumerate(first):
        emit(
            BatchEvent(
                "done",
                index,
                count,
                outcome.local_path,
                outcome.remote_path,
                total=outcome.size,
                outcome=outcome,
            )
        )
    if first and fail_fast and any(not o.ok for o in first):
        stop.set()

    def why_stopped() -> str:
        if cancel is not None and cancel.cancelled:
            return "the batch was cancelled"
        return "an earlier item failed and fail_fast=True"

    def run_one(index: int, item: BatchItem[J]) -> TransferOutcome:
        event = BatchEvent("start", index, count, item.local_path, item.remote_path, 0, item.size)
        if stop.is_set() or (cancel is not None and cancel.cancelled):
            stop.set()
            outcome = _failed(
                item,
                TransferCancelledError(f"{item.local_path.name}: not started ({why_stopped()})"),
            )
        else:
            emit(event)
            reporter = ItemReporter(emit, event, abort)
            try:
                outcome = work(item.job, reporter)
            except (ClientClosedError, MissingCredentialsError):
                # It concerns every item: the batch call raises it instead of N failures.
                stop.set()
                abort.cancel()
                raise
            except (StreamtapeError, OSError) as error:
                outcome = _failed(item, error)
            except ValueError as error:
                outcome = _failed(item, TransferError(f"{item.local_path.name}: {error}"))
            if fail_fast and not outcome.ok:
                stop.set()
        emit(
            BatchEvent(
                "done", index, count, item.local_path, item.remote_path, 0, item.size, outcome
            )
        )
        return outcome

    def watch_cancel() -> None:
        while cancel is not None and not abort.cancelled:
            if cancel.wait(0.1):
                abort.cancel()
                stop.set()

    offset = len(first)
    watcher: threading.Thread | None = None
    if cancel is not None:
        watcher = threading.Thread(target=watch_cancel, name="streamtape-batch-cancel", daemon=True)
        watcher.start()
    pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="streamtape-batch")
    futures: list[Future[TransferOutcome]] = []
    try:
        futures = [pool.submit(run_one, offset + i, item) for i, item in enumerate(items)]
        results = [future.result() for future in futures]
    except BaseException:
        # Ctrl-C in the caller's thread: stop the running jobs at their next chunk, drop the rest.
        abort.cancel()
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        abort.cancel()
        stop.set()
        pool.shutdown(wait=True)
        if watcher is not None:
            watcher.join()
    return [*first, *results]
