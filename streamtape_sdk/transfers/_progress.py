"""The progress protocol shared by uploads, downloads and `remote.wait`."""

from __future__ import annotations

from typing import Protocol

__all__ = ["ProgressCallback"]


class ProgressCallback(Protocol):
    """Called as bytes move: `progress(done, total)`.

    `done` is the bytes transferred so far (for a resumed download, including the bytes already
    on disk); `total` is the expected size, or None while unknown. It is called from the
    thread doing the transfer, often (about once per 1 MiB chunk): keep it cheap. Its return
    value is ignored, so the usual tqdm one-liner type-checks:
    `progress=lambda done, total: bar.update(done - bar.n)`.

    Examples:
        >>> def show(done: int, total: int | None) -> None:
        ...     print(f"{done}/{total}")
    """

    def __call__(self, done: int, total: int | None, /) -> object: ...
