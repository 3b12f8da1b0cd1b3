"""Batch commands' reporting: one JSON line per item as it finishes, a table at the end.

An interrupted run has already printed (with `--json`) every item it finished, so a script
knows what was stored; the exit status is 0 only when every item succeeded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from streamtape_sdk import BatchEvent, MissingCredentialsError, StreamtapeError, TransferOutcome

from ._describe import describe
from ._format import Symbols, human_size, table
from ._output import Outcome, Printer
from ._progress import BatchProgress

__all__ = ["BatchReport", "ItemResult", "item_json", "run_items"]


@dataclass(frozen=True)
class ItemResult:
    """One item of a batch command that is not a transfer (`rm`, `rmdir`)."""

    id: str
    state: str  # "deleted" or "failed"
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _error_fields(error: BaseException | None) -> dict[str, object]:
    if error is None:
        return {"error": None, "error_type": None}
    return {"error": describe(error), "error_type": type(error).__name__}


def item_json(item: TransferOutcome | ItemResult) -> dict[str, object]:
    """The JSON Lines object of one item."""
    if isinstance(item, ItemResult):
        return {"id": item.id, "state": item.state, **_error_fields(item.error)}
    return {
        "path": str(item.local_path),
        "name": item.local_path.name,
        "remote_path": item.remote_path,
        "remote_id": item.remote_id,
        "state": item.state,
        "size": item.size,
        "sha256": item.sha256,
        "reason": item.reason,
        "dry_run": item.dry_run,
        **_error_fields(item.error),
    }


class BatchReport:
    """Collects a batch's items: prints each as a JSON line (`--json`) and draws progress."""

    def __init__(self, printer: Printer, progress: BatchProgress) -> None:
        self._printer = printer
        self._progress = progress
        self.items: list[TransferOutcome | ItemResult] = []

    def listener(self, event: BatchEvent, /) -> None:
        """The SDK's `BatchListener`: progress, and the item's line when it is done."""
        self._progress(event)
        if event.kind == "done" and event.outcome is not None:
            self.add(event.outcome)

    def add(self, item: TransferOutcome | ItemResult) -> None:
        """Record a finished item (printed at once with `--json`)."""
        self.items.append(item)
        if self._printer.json_mode:
            self._printer.json_line(item_json(item))

    def close(self) -> None:
        self._progress.close()

    def outcome(self, marks: Symbols, verb: str) -> Outcome:
        """The command's result: the table, and an error line when an item failed."""
        failed = [item for item in self.items if not item.ok]
        error = None
        if failed:
            error = f"{len(failed)} of {len(self.items)} items failed; see the table above"
            if len(self.items) == 1 and failed[0].error is not None:
                error = describe(failed[0].error)  # one item: its own message, as before
            elif self._printer.json_mode:
                error = f'{len(failed)} of {len(self.items)} items failed ("state": "failed")'
        return Outcome(self.items, _table(self.items, marks, verb), error, streamed=True)


def _row(item: TransferOutcome | ItemResult, marks: Symbols) -> list[str]:
    mark = marks.ok if item.ok else marks.fail
    if isinstance(item, ItemResult):
        return [mark, item.state, item.id, "", describe(item.error) if item.error else ""]
    note = describe(item.error) if item.error else (item.reason or "")
    state = f"{item.state} (dry run)" if item.dry_run else item.state
    return [mark, state, item.remote_path or str(item.local_path), human_size(item.size),
            f"{item.remote_id or ''}  {note}".strip()]  # fmt: skip


def _table(items: Sequence[TransferOutcome | ItemResult], marks: Symbols, verb: str) -> str:
    if not items:
        return f"Nothing to {verb}"
    rows = [_row(item, marks) for item in items]
    counts: dict[str, int] = {}
    for item in items:
        counts[item.state] = counts.get(item.state, 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in counts.items())
    return table(["", "STATE", "ITEM", "SIZE", "ID / NOTE"], rows, right=(3,)) + f"\n{summary}"


def run_items(ids: Sequence[str], action: Callable[[str], None], report: BatchReport) -> None:
    """Run `action` on every id, recording each as deleted or failed (never stopping)."""
    for item_id in ids:
        try:
            action(item_id)
        except MissingCredentialsError:
            raise  # not about this item; the app explains it
        except (StreamtapeError, ValueError) as error:
            report.add(ItemResult(item_id, "failed", error))
        else:
            report.add(ItemResult(item_id, "deleted"))
