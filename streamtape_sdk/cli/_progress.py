"""Progress on stderr: tqdm bars behind the SDK's `ProgressCallback`, spinners, countdowns.

Everything here is shown only on an interactive terminal (both stdout and stderr are TTYs)
and never with `--quiet`: a bar in a log file or a pipe is noise, and scripts read stdout.
tqdm is imported only when a bar is actually drawn, so the CLI works without the `cli` extra
as long as no bar is needed.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, NoReturn, TextIO

if TYPE_CHECKING:
    from tqdm import tqdm

    from streamtape_sdk import BatchEvent

from ._output import CLIError

__all__ = ["BatchProgress", "ProgressBar", "countdown", "interactive"]

_SPIN_INTERVAL = 0.2
_CLEAR = "\r\x1b[K"  # carriage return + erase to end of line


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def interactive(quiet: bool) -> bool:
    """Whether to draw progress: not `--quiet`, and stdout and stderr are both terminals."""
    return not quiet and _is_terminal(sys.stdout) and _is_terminal(sys.stderr)


def _tqdm_class() -> type[tqdm[NoReturn]]:
    try:
        from tqdm import tqdm
    except ImportError:
        raise CLIError(
            "progress bars need tqdm: pip install 'streamtape-sdk[cli]' (or pass --quiet)"
        ) from None
    return tqdm


class _Spinner:
    """A `message 3s` line on stderr, ticking from a thread while the caller blocks."""

    def __init__(self, message: str, stream: TextIO) -> None:
        self._message = message
        self._stream = stream
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="streamtape-spinner", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set():
            elapsed = time.monotonic() - started
            self._stream.write(f"{_CLEAR}{self._message} {elapsed:.0f}s")
            self._stream.flush()
            self._stop.wait(_SPIN_INTERVAL)
        self._stream.write(_CLEAR)
        self._stream.flush()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._stop.set()
            self._thread.join()


class ProgressBar:
    """A `ProgressCallback` that draws a tqdm byte bar on stderr.

    The bar is created on the first call, so nothing shows before bytes move; until then an
    optional `waiting` message ticks (a download first waits out its ticket). When disabled
    every call is a no-op, so commands pass the bar unconditionally.

    Examples:
        >>> with ProgressBar("upload a.mp4", enabled=False) as bar:
        ...     bar(10, 100)
    """

    def __init__(
        self,
        description: str,
        *,
        enabled: bool,
        waiting: str | None = None,
        stream: TextIO | None = None,
        position: int | None = None,
    ) -> None:
        self._description = description
        self._position = position
        self._enabled = enabled
        self._stream = stream or sys.stderr
        self._bar: tqdm[NoReturn] | None = None
        self._spinner: _Spinner | None = None
        self.last_done = 0
        """Bytes reported by the last call (also counted when the bar is hidden)."""
        if enabled:
            _tqdm_class()  # fail before the transfer starts, not in the middle of it
            if waiting:
                self._spinner = _Spinner(waiting, self._stream)
                self._spinner.start()

    def __call__(self, done: int, total: int | None, /) -> None:
        self.last_done = done
        if not self._enabled:
            return
        # `is None`, not truthiness: a tqdm without a total refuses bool().
        bar = self._open(total, done) if self._bar is None else self._bar
        if total is not None and bar.total != total:
            bar.total = total
            bar.refresh()  # switch from a plain counter to a percentage bar at once
        # `done` is absolute (a resumed download starts above 0): move to it, not by it.
        bar.update(done - bar.n)

    def _open(self, total: int | None, initial: int) -> tqdm[NoReturn]:
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None
        self._bar = _tqdm_class()(
            total=total,
            # A resumed download starts with bytes already on disk: they are the bar's
            # start, not bytes moved now (counting them showed rates like 9.82 GB/s).
            initial=initial,
            position=self._position,
            desc=self._description,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            file=self._stream,
            dynamic_ncols=True,
            leave=False,
        )
        return self._bar

    @property
    def position(self) -> int | None:
        """The terminal line (0 = first) the bar is drawn on; None: tqdm chooses."""
        return self._position

    def close(self) -> None:
        """Stop the spinner and remove the bar (the command prints its own result line)."""
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def countdown(
    remaining: Callable[[], float],
    message: str,
    *,
    enabled: bool,
    stream: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Show `message 3s` counting down on stderr until `remaining()` reaches 0.

    Used for the download ticket's `wait_time`, which the API enforces: the SDK would sleep
    through it silently, and a CLI that hangs for 10 s without a word looks broken. When
    disabled it returns at once and the SDK does the waiting.
    """
    if not enabled:
        return
    out = stream or sys.stderr
    left = remaining()
    while left > 0:
        out.write(f"{_CLEAR}{message} {math.ceil(left)}s")
        out.flush()
        sleep(min(_SPIN_INTERVAL, left))
        left = remaining()
    out.write(_CLEAR)
    out.flush()


class BatchProgress:
    """A `BatchListener` drawing one overall bar (items done) and one bar per active item.

    Item bars are labelled with the file name (never an id) and show the hashing pass as a
    percentage before the transfer. Disabled, it draws nothing.
    """

    def __init__(self, verb: str, *, enabled: bool, stream: TextIO | None = None) -> None:
        self._verb = verb
        self._enabled = enabled
        self._stream = stream or sys.stderr
        self._overall: tqdm[NoReturn] | None = None
        self._bars: dict[int, tuple[str, ProgressBar]] = {}
        self._free: list[int] = []
        self._next_position = 1
        if enabled:
            _tqdm_class()

    def __call__(self, event: BatchEvent, /) -> None:
        if not self._enabled:
            return
        if self._overall is None:
            self._overall = _tqdm_class()(
                total=event.count,
                desc=f"{self._verb} total",
                unit="file",
                file=self._stream,
                dynamic_ncols=True,
                leave=False,
                position=0,
            )
        name = event.local_path.name
        if event.kind == "done":
            position = self._close_item(event.index)
            if position is not None:
                self._free.append(position)
            self._overall.update(1)
        elif event.kind in ("hashing", "bytes"):
            label = f"hash {name}" if event.kind == "hashing" else f"{self._verb} {name}"
            current = self._bars.get(event.index)
            if current is None or current[0] != label:
                position = self._close_item(event.index) or self._take_position()
                bar = ProgressBar(label, enabled=True, stream=self._stream, position=position)
                current = (label, bar)
                self._bars[event.index] = current
            current[1](event.done, event.total)

    def _take_position(self) -> int:
        if self._free:
            return self._free.pop(0)
        self._next_position += 1
        return self._next_position - 1

    def _close_item(self, index: int) -> int | None:
        found = self._bars.pop(index, None)
        if found is None:
            return None
        position = found[1].position
        found[1].close()
        return position

    def close(self) -> None:
        """Remove every bar."""
        for index in list(self._bars):
            position = self._close_item(index)
            if position is not None:
                self._free.append(position)
        if self._overall is not None:
            self._overall.close()
            self._overall = None
