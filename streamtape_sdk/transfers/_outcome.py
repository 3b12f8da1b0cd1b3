"""What a batch transfer reports: one `TransferOutcome` per item, and `BatchEvent`s meanwhile."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from ..errors import StreamtapeError

__all__ = ["BatchEvent", "BatchListener", "TransferOutcome", "TransferState"]

#: What happened to one item of a batch.
TransferState = Literal["uploaded", "downloaded", "skipped", "failed"]


@dataclass(frozen=True)
class TransferOutcome:
    """The result of one item of a batch (`upload_many`, `upload_tree`, `download_many`, ...).

    Batch functions never raise for one item's failure: the failure is recorded here, and the
    batch goes on (unless `fail_fast=True`). Items a cancelled or fail-fast batch never
    started are `"failed"` with a `TransferCancelledError`.

    Examples:
        >>> outcomes = client.folders.upload_tree("photos")  # doctest: +SKIP
        >>> [o.local_path for o in outcomes if o.state == "failed"]  # doctest: +SKIP
    """

    local_path: Path
    """The local file (the source of an upload, the destination of a download)."""
    remote_id: str | None
    """The file id on Streamtape: the new one, the existing one when skipped; None if unknown."""
    state: TransferState
    """`"uploaded"`, `"downloaded"`, `"skipped"` (nothing to do) or `"failed"`."""
    error: StreamtapeError | OSError | None = None
    """Why the item failed (None unless `state == "failed"`)."""
    size: int | None = None
    """The file's size in bytes, when known."""
    sha256: str | None = None
    """The file's SHA-256 (hex), when it was computed or known from a manifest."""
    remote_path: str | None = None
    """The file's path relative to the batch's remote folder (`"a/b.txt"`), or its name."""
    reason: str | None = None
    """Why it was skipped (e.g. `"same name and size in the folder"`)."""
    dry_run: bool = False
    """True when nothing was transferred: `state` says what *would* happen."""

    @property
    def ok(self) -> bool:
        """Whether the item succeeded (anything but `"failed"`)."""
        return self.state != "failed"


@dataclass(frozen=True)
class BatchEvent:
    """One step of one item of a batch, as seen by a `BatchListener`.

    `kind` is `"start"` (the item was picked up), `"hashing"` (SHA-256 pass, `done`/`total`
    in bytes), `"bytes"` (transfer progress, `done`/`total` in bytes, like `ProgressCallback`;
    a resumed download starts above 0) or `"done"` (`outcome` is set).
    """

    kind: Literal["start", "hashing", "bytes", "done"]
    """What happened."""
    index: int
    """The item's position in the batch (0-based; the same as in the returned list)."""
    count: int
    """How many items the batch has."""
    local_path: Path
    """The local file the event is about."""
    remote_path: str | None = None
    """The item's remote path or name (for labels: never only an id)."""
    done: int = 0
    """Bytes hashed or transferred so far."""
    total: int | None = None
    """The item's size in bytes, when known."""
    outcome: TransferOutcome | None = None
    """The item's result, on `"done"` events."""


class BatchListener(Protocol):
    """Called with every `BatchEvent` of a batch: `listener(event)`.

    Calls are serialised (never two at once), but they come from the worker threads: keep it
    cheap, it holds up the transfers.

    Examples:
        >>> def show(event: BatchEvent) -> None:
        ...     if event.kind == "done" and event.outcome is not None:
        ...         print(event.local_path.name, event.outcome.state)
    """

    def __call__(self, event: BatchEvent, /) -> None: ...
