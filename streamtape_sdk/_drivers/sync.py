"""The sync driver: carries out the core's effects with requests, through `Transport`.

It knows HTTP; nothing of endpoints' meaning, resources or models.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypeVar

import requests
from urllib3.exceptions import HTTPError

from .._core.effects import (
    Blocking,
    Effect,
    Emit,
    Flow,
    Gather,
    HttpRequest,
    OpenStream,
    ReadChunk,
    Reply,
    Sleep,
    StreamHead,
)
from .._core.run import iterate_sync, run_sync
from ..errors import APIConnectionError

if sys.version_info >= (3, 11):
    from typing import assert_never
else:  # pragma: no cover - Python 3.10
    from typing_extensions import assert_never

if TYPE_CHECKING:
    from .._transport import Transport

__all__ = ["SyncDriver"]

T = TypeVar("T")


def _lower_headers(response: requests.Response) -> dict[str, str]:
    return {name.lower(): value for name, value in response.headers.items()}


class _Stream:
    def __init__(self, response: requests.Response, path: str) -> None:
        self.response = response
        self.path = path


class SyncDriver:
    """Carries out effects for one run of a flow; closes the streams the flow left open."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._streams: list[_Stream] = []

    def run(self, flow: Flow[T]) -> T:
        try:
            return run_sync(flow, self.perform)
        finally:
            self._close_streams()

    def iterate(self, flow: Flow[None]) -> Iterator[object]:
        try:
            yield from iterate_sync(flow, self.perform)
        finally:
            self._close_streams()

    def _close_streams(self) -> None:
        streams, self._streams = self._streams, []
        for stream in streams:
            stream.response.close()

    def perform(self, effect: Effect) -> object:
        match effect:
            case HttpRequest():
                return self._send(effect)
            case OpenStream():
                response = self._open(effect.request, stream=True)
                handle = _Stream(response, effect.request.endpoint.path)
                self._streams.append(handle)
                return StreamHead(response.status_code, _lower_headers(response), handle)
            case ReadChunk():
                assert isinstance(effect.head.handle, _Stream)
                return _read(effect.head.handle, effect.size)
            case Sleep():
                # With the real clock, wake at once when the token fires; an injected
                # (test) sleep is called as-is, so fake-time tests see the exact waits.
                if effect.cancel is not None and self._transport.sleep is time.sleep:
                    effect.cancel.wait(effect.seconds)
                else:
                    self._transport.sleep(effect.seconds)
                return None
            case Blocking():
                return effect.run()
            case Gather():
                # One after the other: a sync client's calls are made on the caller's thread.
                return [SyncDriver(self._transport).run(flow) for flow in effect.flows]
            case Emit():
                raise TypeError("Emit outside an iterating flow")
            case _:
                assert_never(effect)

    def _open(self, request: HttpRequest, *, stream: bool) -> requests.Response:
        return self._transport.send(
            request.method,
            request.url,
            request.endpoint,
            params=request.params,
            data=request.body,
            headers=request.headers,
            stream=stream,
            timeout=request.timeout,
            **({} if request.reply_timeout is None else {"reply_timeout": request.reply_timeout}),
        )

    def _send(self, request: HttpRequest) -> Reply:
        response = self._open(request, stream=False)
        try:
            body = response.content
        except requests.RequestException as exc:
            error = APIConnectionError(
                f"{request.endpoint.path}: the reply broke off ({type(exc).__name__}); try again."
            )
        else:
            return Reply(response.status_code, _lower_headers(response), body)
        raise error


def _read(stream: _Stream, size: int) -> bytes:
    """Whatever has arrived, up to `size` bytes (`read1`), so bytes received before a broken
    connection are kept; b"" at the end of the body."""
    raw = stream.response.raw
    try:
        chunk: bytes = raw.read1(size, decode_content=False)
    except (requests.RequestException, HTTPError, ConnectionError) as exc:
        error = APIConnectionError(f"{stream.path}: the reply broke off ({type(exc).__name__})")
    else:
        if chunk:
            return chunk
        # A body cut short ends without an exception from read1 on some urllib3 versions.
        expected = stream.response.headers.get("Content-Length")
        if expected is not None and expected.isdigit() and raw.tell() < int(expected):
            error = APIConnectionError(
                f"{stream.path}: connection closed after {raw.tell()} of {expected} bytes"
            )
        else:
            return b""
    raise error
