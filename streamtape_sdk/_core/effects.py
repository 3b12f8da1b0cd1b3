"""The closed set of effects a core flow may ask a driver to carry out.

A flow is a `Generator[Effect, object, T]`: it yields an effect, and the driver sends back
the effect's result (or throws the `StreamtapeError`/`OSError` it ended with) until the flow
returns its `T`. Effects are frozen dataclasses; drivers dispatch them with `match` and close
the match with `assert_never`, so adding an effect is a type error in every driver until it
handles it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar, cast

from .._endpoints import Endpoint

if TYPE_CHECKING:
    from .._cancel import CancelToken

__all__ = [
    "Blocking",
    "Effect",
    "Emit",
    "Flow",
    "Gather",
    "HttpRequest",
    "OpenStream",
    "ReadChunk",
    "Reply",
    "RequestBody",
    "Sleep",
    "StreamHead",
    "blocking",
    "emit",
    "gather",
    "http",
    "open_stream",
    "read_chunk",
    "sleep",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Reply:
    """A complete HTTP reply: status, headers (names lower-cased) and the whole body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """A header's value by case-insensitive name, or None."""
        return self.headers.get(name.lower())


class RequestBody(Protocol):
    """A streamed request body of known length (sent with `Content-Length`, never chunked).

    Iterating it reads the source (blocking file reads: the async driver steps it in a worker
    thread); each piece is valid until the next step.
    """

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[bytes | memoryview]: ...


@dataclass(frozen=True)
class HttpRequest:
    """Send one HTTP request (no retry) and answer a `Reply` with the whole body read.

    `timeout` is the caller's per-call override in seconds (None: the client's `Timeout`);
    `reply_timeout` replaces the read timeout for the wait after an upload body's last byte.
    Network failures come back thrown as `APIConnectionError` (with `request_sent`).
    """

    method: str
    url: str
    endpoint: Endpoint
    params: Mapping[str, str] | None = None
    headers: Mapping[str, str] | None = None
    body: RequestBody | None = None
    timeout: float | None = None
    reply_timeout: float | None = None


@dataclass(frozen=True)
class StreamHead:
    """The status line and headers of a streamed reply; read its body with `ReadChunk`."""

    status: int
    headers: Mapping[str, str]
    handle: object = field(repr=False)

    def header(self, name: str) -> str | None:
        """A header's value by case-insensitive name, or None."""
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class OpenStream:
    """Send `request` and answer a `StreamHead` without reading the body.

    The driver closes the stream when the flow finishes or fails (it is scoped to the
    driver's run), and on `ReadChunk` returning b"" (end of body).
    """

    request: HttpRequest


@dataclass(frozen=True)
class ReadChunk:
    """Answer the next piece (at most `size` bytes) of an open stream's body; b"" at its end.

    Whatever has arrived is handed over at once, so bytes received before a dropped
    connection are kept. A broken body is thrown as `APIConnectionError`.
    """

    head: StreamHead
    size: int


@dataclass(frozen=True)
class Sleep:
    """Sleep `seconds` (on the client's injectable sleep), waking early when `cancel` fires."""

    seconds: float
    cancel: CancelToken | None = None


@dataclass(frozen=True)
class Blocking:
    """Run a blocking local step (hash a file, write a large chunk, fsync) and answer its
    result. The sync driver calls it inline; the async driver in a worker thread, so the
    event loop never stalls on disk work. Use `blocking()` for a typed result.

    A long step (the sliced download's worker threads) passes `interrupt`: when the async
    task is cancelled, the driver fires it and waits for the step to wind down.
    """

    run: Callable[[], object]
    interrupt: CancelToken | None = None


@dataclass(frozen=True)
class Gather:
    """Run `flows` concurrently, at most `limit` at a time, and answer the list of their
    results in order. The first failure is thrown; the other flows are stopped. The sync
    driver runs them one after the other. Use `gather()` for a typed result."""

    flows: Sequence[Flow[object]]
    limit: int


@dataclass(frozen=True)
class Emit:
    """Hand `value` to the consumer of an iterating flow (`folders.walk`); answers None once
    the consumer asks for the next value."""

    value: object


Effect = HttpRequest | OpenStream | ReadChunk | Sleep | Blocking | Gather | Emit
Flow = Generator[Effect, object, T]


# Typed wrappers: `reply = yield from http(request)` instead of a cast at every yield.


def http(request: HttpRequest) -> Flow[Reply]:
    """Send `request` and return its `Reply`."""
    reply = yield request
    assert isinstance(reply, Reply)
    return reply


def open_stream(request: HttpRequest) -> Flow[StreamHead]:
    """Send `request` and return the reply's head; read the body with `read_chunk`."""
    head = yield OpenStream(request)
    assert isinstance(head, StreamHead)
    return head


def read_chunk(head: StreamHead, size: int) -> Flow[bytes]:
    """The next piece of an open stream's body (b"" at its end)."""
    chunk = yield ReadChunk(head, size)
    assert isinstance(chunk, bytes)
    return chunk


def sleep(seconds: float, cancel: CancelToken | None = None) -> Flow[None]:
    """Sleep `seconds` (a zero sleep still goes to the driver: it yields to other tasks)."""
    yield Sleep(max(0.0, seconds), cancel)


def blocking(run: Callable[[], T], interrupt: CancelToken | None = None) -> Flow[T]:
    """Run a blocking local step off the event loop and return its result."""
    result = yield Blocking(run, interrupt)
    return cast(T, result)


def gather(flows: Sequence[Flow[T]], limit: int) -> Flow[list[T]]:
    """Run `flows` concurrently (at most `limit` at once); their results in order."""
    results = yield Gather(flows, limit)
    return cast("list[T]", results)


def emit(value: object) -> Flow[None]:
    """Hand `value` to the consumer of an iterating flow."""
    yield Emit(value)
