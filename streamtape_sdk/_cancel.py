"""`CancelToken`: a thread-safe flag that stops a transfer or a wait at its next step."""

from __future__ import annotations

import threading

__all__ = ["CancelToken"]


class CancelToken:
    """Cancels the transfers and waits it is passed to (`cancel=`), from any thread.

    A cancelled download keeps its resumable state; the call raises `TransferCancelledError`.
    One token may be shared by many calls (a batch); once cancelled it stays cancelled.

    Examples:
        >>> token = CancelToken()  # doctest: +SKIP
        >>> threading.Timer(10, token.cancel).start()  # doctest: +SKIP
        >>> client.files.download(file_id, "out.mp4", cancel=token)  # doctest: +SKIP
    """

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask every call holding this token to stop as soon as it can."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether `cancel()` was called."""
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking early on cancellation; return `cancelled`."""
        return self._event.wait(seconds)

    def __repr__(self) -> str:
        return f"CancelToken(cancelled={self.cancelled})"
