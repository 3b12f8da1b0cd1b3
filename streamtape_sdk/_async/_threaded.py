"""Running a blocking batch job (the shared batch engine of `upload_many`, `download_many`,
`upload_tree`, `download_tree`) from async code, with real cancellation.

The job runs in a worker thread over the client's sync twin. Cancelling the awaiting task
fires the job's `CancelToken` (running transfers stop at their next chunk, keeping resumable
state), waits for the thread to wind down, then lets the cancellation propagate. A caller's
own token is honoured too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from .._cancel import CancelToken

__all__ = ["run_cancellable"]

T = TypeVar("T")

#: How often the caller's token is checked, and the thread's end is polled after a cancel.
_POLL = 0.05


async def run_cancellable(job: Callable[[CancelToken], T], cancel: CancelToken | None) -> T:
    """Run `job(token)` in a worker thread; `token` fires when `cancel` does or when the
    awaiting task is cancelled."""
    import anyio  # with httpx2, on first use: `import streamtape_sdk` never needs it
    import anyio.to_thread

    token = CancelToken()
    finished = threading.Event()

    def work() -> T:
        try:
            return job(token)
        finally:
            finished.set()

    async def forward_caller_cancel() -> None:
        assert cancel is not None
        while not finished.is_set():
            if cancel.cancelled:
                token.cancel()
                return
            await anyio.sleep(_POLL)

    results: list[T] = []
    try:
        async with anyio.create_task_group() as group:
            if cancel is not None:
                group.start_soon(forward_caller_cancel)
            results.append(await anyio.to_thread.run_sync(work, abandon_on_cancel=True))
            group.cancel_scope.cancel()
        return results[0]
    except BaseException:
        token.cancel()
        with anyio.CancelScope(shield=True):
            while not finished.is_set():
                await anyio.sleep(_POLL)
        raise
