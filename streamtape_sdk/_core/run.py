"""Stepping a flow: the one loop both drivers share.

`step` advances a flow with the previous effect's result (or its error) and says what the
flow wants next. The sync and async drivers are that loop around their own `perform`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from ..errors import StreamtapeError
from .effects import Effect, Emit, Flow

__all__ = ["Done", "iterate_async", "iterate_sync", "run_async", "run_sync", "step"]

T = TypeVar("T")

#: What a driver throws back into a flow: the SDK's errors and local filesystem errors.
#: Anything else (KeyboardInterrupt, task cancellation, a bug) closes the flow and propagates.
THROWN = (StreamtapeError, OSError)


@dataclass(frozen=True)
class Done(Generic[T]):
    """The flow returned `value`."""

    value: T


def step(flow: Flow[T], value: object, error: BaseException | None) -> Effect | Done[T]:
    """Resume `flow` with `value` (or throw `error` into it); its next effect, or `Done`."""
    try:
        if error is not None:
            return flow.throw(error)
        return flow.send(value)
    except StopIteration as stop:
        return Done(cast(T, stop.value))


def run_sync(flow: Flow[T], perform: Callable[[Effect], object]) -> T:
    """Drive `flow` to its result, carrying out each effect with `perform`."""
    value: object = None
    error: BaseException | None = None
    try:
        while True:
            effect = step(flow, value, error)
            if isinstance(effect, Done):
                return effect.value
            try:
                value, error = perform(effect), None
            except THROWN as exc:
                value, error = None, exc
    finally:
        flow.close()  # a no-op once it returned; runs its cleanup after an interruption


def iterate_sync(flow: Flow[None], perform: Callable[[Effect], object]) -> Iterator[object]:
    """Drive an iterating flow, yielding each `Emit`ted value to the caller."""
    value: object = None
    error: BaseException | None = None
    try:
        while True:
            effect = step(flow, value, error)
            if isinstance(effect, Done):
                return
            if isinstance(effect, Emit):
                yield effect.value
                value, error = None, None
                continue
            try:
                value, error = perform(effect), None
            except THROWN as exc:
                value, error = None, exc
    finally:
        flow.close()


async def run_async(flow: Flow[T], perform: Callable[[Effect], Awaitable[object]]) -> T:
    """Drive `flow` to its result, awaiting each effect's `perform`.

    Cancelling the task raises `CancelledError` out of the pending `perform`; the flow is
    closed (its `finally` blocks run: locks released, partial files kept) and the
    cancellation propagates.
    """
    value: object = None
    error: BaseException | None = None
    try:
        while True:
            effect = step(flow, value, error)
            if isinstance(effect, Done):
                return effect.value
            try:
                value, error = await perform(effect), None
            except THROWN as exc:
                value, error = None, exc
    finally:
        flow.close()


async def iterate_async(
    flow: Flow[None], perform: Callable[[Effect], Awaitable[object]]
) -> AsyncIterator[object]:
    """Drive an iterating flow, yielding each `Emit`ted value to the async caller."""
    value: object = None
    error: BaseException | None = None
    try:
        while True:
            effect = step(flow, value, error)
            if isinstance(effect, Done):
                return
            if isinstance(effect, Emit):
                yield effect.value
                value, error = None, None
                continue
            try:
                value, error = await perform(effect), None
            except THROWN as exc:
                value, error = None, exc
    finally:
        flow.close()
