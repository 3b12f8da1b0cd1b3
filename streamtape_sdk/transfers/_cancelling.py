"""How transfers and waits honour a `CancelToken`: checks between steps, and sleeps that wake
up as soon as the token fires."""

from __future__ import annotations

import time
from collections.abc import Callable

from .._cancel import CancelToken
from ..errors import TransferCancelledError

__all__ = ["check_cancel", "sleep_unless_cancelled"]


def check_cancel(cancel: CancelToken | None, message: Callable[[], str]) -> None:
    """Raise `TransferCancelledError(message())` when `cancel` has fired."""
    if cancel is not None and cancel.cancelled:
        raise TransferCancelledError(message())


def sleep_unless_cancelled(
    sleep: Callable[[float], None], seconds: float, cancel: CancelToken | None
) -> None:
    """Sleep `seconds` with `sleep`; with the real clock, wake at once when `cancel` fires.

    A test clock (any `sleep` other than `time.sleep`) is called as-is, so fake-time tests
    keep their recorded waits.
    """
    if cancel is not None and sleep is time.sleep:
        cancel.wait(seconds)
    else:
        sleep(seconds)
