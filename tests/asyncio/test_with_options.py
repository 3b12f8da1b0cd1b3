"""`with_options()` is a cheap view over the client's connection pool, for both clients:
made per request 10,000 times it leaks neither memory nor connections."""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from collections.abc import Iterator

import pytest

from streamtape_sdk import RetryPolicy, Streamtape, Timeout
from streamtape_sdk.testing import FakeStreamtape
from tests.asyncfacade import CLIENT_KINDS, make_any_client

VIEWS = 10_000
#: Calls made through views (every 100th view): enough to use the shared pool.
CALL_EVERY = 100
#: Far above what the per-view objects of one iteration hold; far below 10,000 leaked views.
MEMORY_BOUND = 2 * 1024 * 1024


@pytest.fixture(params=CLIENT_KINDS)
def any_client(
    request: pytest.FixtureRequest, fake_streamtape: FakeStreamtape
) -> Iterator[Streamtape]:
    client = make_any_client(
        request.param,
        login=fake_streamtape.login,
        key=fake_streamtape.key,
        base_url=fake_streamtape.base_url,
    )
    try:
        yield client
    finally:
        client.close()


def test_views_change_only_what_was_given(any_client: Streamtape) -> None:
    view = any_client.with_options(timeout=5)
    assert view.timeout == Timeout(connect=5, read=5)
    assert view.retry == any_client.retry
    view = any_client.with_options(max_retries=7)
    assert view.retry == RetryPolicy(max_retries=7)
    assert view.timeout == any_client.timeout
    policy = RetryPolicy(max_retries=1, base_delay=0.1)
    assert any_client.with_options(retry=policy).retry is policy
    with pytest.raises(ValueError, match="not both"):
        any_client.with_options(max_retries=1, retry=policy)
    with pytest.raises(ValueError, match="timeout"):
        any_client.with_options(timeout=-1)
    assert view.base_url == any_client.base_url
    assert view.login == any_client.login


def test_closing_a_view_leaves_the_client_open(any_client: Streamtape) -> None:
    view = any_client.with_options(timeout=5)
    view.close()
    assert view.closed
    assert not any_client.closed
    assert any_client.account.info().email == "dev@example.com"


def test_ten_thousand_views_leak_nothing(any_client: Streamtape) -> None:
    any_client.account.info()  # warm up imports, parsers and the pool
    probe = weakref.ref(any_client.with_options(timeout=9))
    gc.collect()
    assert probe() is None, "a view outlived its last reference"
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for index in range(VIEWS):
            view = any_client.with_options(timeout=10 + index % 7, max_retries=index % 3)
            if index % CALL_EVERY == 0:
                view.account.info()
        del view
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < MEMORY_BOUND, f"{grown} bytes kept after {VIEWS} views"
    assert open_connections(any_client) <= 32


def open_connections(client: Streamtape) -> int:
    """Open connections of the async client's httpx2 pool; for the sync client, the number
    of urllib3 connection pools (one per host: views add none)."""
    target = getattr(client, "target", None)
    if target is not None:  # the async client behind a facade
        pool = target._transport.client._transport._pool
        return len(pool.connections)
    pools = 0
    for adapter in client._transport.session.adapters.values():
        manager: object = getattr(adapter, "poolmanager", None)
        pools += len(getattr(manager, "pools", ()))
    return pools
