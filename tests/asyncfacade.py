"""Run the sync test suites against `AsyncStreamtape` without copying test bodies.

`SyncFacade` wraps an `AsyncStreamtape` so it looks like a `Streamtape`: every coroutine a
method returns is run to completion on a dedicated event-loop thread (`LoopThread`), async
iterators become iterators, and `client._transport.sleep = f` installs a sync test sleep as
an async one. Test bodies written for the sync client then exercise the async client's own
I/O path (httpx2 driver) over the same core.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from streamtape_sdk import AsyncStreamtape, Streamtape

T = TypeVar("T")

CLIENT_KINDS = ("sync", "async")


class LoopThread:
    """One asyncio event loop running in a daemon thread; `run` blocks until a coroutine ends.

    An exception raised by the coroutine is re-raised in the caller's thread as is.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


def _iterate(iterator: AsyncIterator[object], loop: LoopThread) -> Iterator[object]:
    async def next_item() -> tuple[bool, object]:
        try:
            return True, await anext(iterator)
        except StopAsyncIteration:
            return False, None

    while True:
        more, item = loop.run(next_item())
        if not more:
            return
        yield item


def async_sleep(sleep: Callable[[float], None]) -> Callable[[float], Coroutine[Any, Any, None]]:
    """A sync test sleep (`FakeSleep`, a recording clock) as the async client's `sleep=`."""

    async def wrapped(seconds: float) -> None:
        sleep(seconds)

    wrapped.sync = sleep  # type: ignore[attr-defined]
    return wrapped


class _TransportFacade:
    """`client._transport` of a facade: reads pass through; setting `sleep` wraps a sync
    sleep into an async one (the sync suites install fake sleeps this way)."""

    def __init__(self, transport: object) -> None:
        object.__setattr__(self, "_target", transport)

    def __getattr__(self, name: str) -> Any:
        value = getattr(object.__getattribute__(self, "_target"), name)
        if name == "sleep":
            return getattr(value, "sync", value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "sleep" and not inspect.iscoroutinefunction(value):
            value = async_sleep(value)
        setattr(object.__getattribute__(self, "_target"), name, value)

    def __repr__(self) -> str:
        return repr(object.__getattribute__(self, "_target"))


class SyncFacade:
    """A sync-looking view of an async object (client, resource), run on `loop`."""

    def __init__(self, target: object, loop: LoopThread, *, owns_loop: bool = False) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_loop", loop)
        object.__setattr__(self, "_owns_loop", owns_loop)

    @property
    def target(self) -> Any:
        """The wrapped async object."""
        return object.__getattribute__(self, "_target")

    def __getattr__(self, name: str) -> Any:
        target = object.__getattribute__(self, "_target")
        loop: LoopThread = object.__getattribute__(self, "_loop")
        value = getattr(target, name)
        if name == "_transport":
            return _TransportFacade(value)
        if name in ("account", "files", "remote", "folders"):
            return SyncFacade(value, loop)
        if not callable(value) or inspect.isclass(value):
            return value

        def call(*args: object, **kwargs: object) -> object:
            result = value(*args, **kwargs)
            if inspect.iscoroutine(result):
                result = loop.run(result)
            elif hasattr(result, "__anext__"):
                return _iterate(cast("AsyncIterator[object]", result), loop)
            if type(result).__name__ == "AsyncStreamtape":  # with_options()
                return SyncFacade(result, loop)
            return result

        return call

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(object.__getattribute__(self, "_target"), name, value)

    def close(self) -> None:
        loop: LoopThread = object.__getattribute__(self, "_loop")
        if loop.loop.is_closed():
            return
        loop.run(self.target.aclose())
        if object.__getattribute__(self, "_owns_loop"):
            loop.close()

    def __enter__(self) -> SyncFacade:
        object.__getattribute__(self, "_loop").run(self.target.__aenter__())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return repr(self.target)

    def __str__(self) -> str:
        return str(self.target)


def facade(build: Callable[[], AsyncStreamtape]) -> Streamtape:
    """An `AsyncStreamtape` (made by `build` on its own loop thread) that looks like a
    `Streamtape`; `close()` closes the client and stops the loop."""
    loop = LoopThread()

    async def make() -> AsyncStreamtape:
        return build()

    client = loop.run(make())
    return cast("Streamtape", SyncFacade(client, loop, owns_loop=True))


def make_any_client(kind: str, **kwargs: Any) -> Streamtape:
    """A `Streamtape(**kwargs)`, or for kind "async" an `AsyncStreamtape(**kwargs)` behind a
    `SyncFacade` (a sync `sleep=` is wrapped into an async one, `session=` refused)."""
    from streamtape_sdk import AsyncStreamtape, Streamtape

    if kind == "sync":
        return Streamtape(**kwargs)
    assert kind == "async", kind
    sleep = kwargs.pop("sleep", None)
    if sleep is not None and not inspect.iscoroutinefunction(sleep):
        kwargs["sleep"] = async_sleep(sleep)
    elif sleep is not None:
        kwargs["sleep"] = sleep
    return facade(lambda: AsyncStreamtape(**kwargs))
