"""The retry budget, on a fake clock and through the client: the total sleep per call is
capped, a `Retry-After` above the limit raises at once, backoff ceilings double up to the cap,
and `max_retries=0` never sleeps. Faults come from the emulator or from `responses`."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import responses

from streamtape_sdk import (
    APIConnectionError,
    APITimeoutError,
    BandwidthExceededError,
    NotFoundError,
    ServerError,
    StreamtapeError,
)
from streamtape_sdk import _retry as retry_module
from streamtape_sdk._retry import RetryPolicy
from streamtape_sdk.testing import FakeStreamtape
from tests.reliability.conftest import FakeClock, closed_port, make_client

API = "https://api.example.test"
DEFAULTS = RetryPolicy()
UNBOUNDED_RETRIES = 50


class CeilingRandom:
    """Stands in for the `random` module in `_retry`: records each jitter range and returns
    its top, so every backoff equals its ceiling."""

    def __init__(self) -> None:
        self.ceilings: list[float] = []

    def uniform(self, low: float, high: float) -> float:
        assert low == 0.0
        self.ceilings.append(high)
        return high


def _busy(rsps: responses.RequestsMock, path: str, retry_after: str | None = None) -> None:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    rsps.get(
        f"{API}{path}",
        json={"status": 503, "msg": "busy", "result": None},
        status=503,
        headers=headers,
    )


def _expected_ceilings(count: int, policy: RetryPolicy = DEFAULTS) -> list[float]:
    return [min(policy.max_delay, policy.base_delay * 2**retry) for retry in range(count)]


def test_defaults_are_the_documented_ones() -> None:
    assert (DEFAULTS.base_delay, DEFAULTS.max_delay, DEFAULTS.max_retry_after) == (0.5, 8.0, 60.0)
    assert DEFAULTS.max_total_sleep == 60.0


def test_total_sleep_is_capped_with_retry_after() -> None:
    """Retry-After: 10 on every reply: six sleeps fill the 60 s budget, the 7th would not fit."""
    fake_clock = FakeClock()
    client = make_client(API, max_retries=UNBOUNDED_RETRIES)
    fake_clock.install(client)
    with client, responses.RequestsMock() as rsps:
        _busy(rsps, "/account/info", retry_after="10")
        with pytest.raises(ServerError) as caught:
            client.account.info()
        assert len(rsps.calls) == 7
    assert type(caught.value) is ServerError
    assert caught.value.retry_after == 10.0
    assert fake_clock.sleeps == [10.0] * 6
    assert fake_clock.elapsed == DEFAULTS.max_total_sleep


def test_total_sleep_is_capped_with_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoffs at their ceilings (0.5, 1, 2, 4, 8, 8, ...) stop before passing 60 s."""
    jitter = CeilingRandom()
    monkeypatch.setattr(retry_module, "random", jitter)
    fake_clock = FakeClock()
    client = make_client(API, max_retries=UNBOUNDED_RETRIES)
    fake_clock.install(client)
    with client, responses.RequestsMock() as rsps:
        _busy(rsps, "/file/listfolder")
        with pytest.raises(ServerError):
            client.folders.list()
        attempts = len(rsps.calls)
    expected = _expected_ceilings(10)  # 55.5 s in all; an 11th 8 s sleep would pass 60
    assert fake_clock.sleeps == expected
    assert sum(expected) <= DEFAULTS.max_total_sleep < sum(expected) + DEFAULTS.max_delay
    assert attempts == len(expected) + 1
    # The 11th backoff was drawn and refused: the budget, not max_retries, ended the call.
    assert jitter.ceilings == _expected_ceilings(11)


def test_the_budget_is_per_call() -> None:
    fake_clock = FakeClock()
    client = make_client(API, max_retries=UNBOUNDED_RETRIES)
    fake_clock.install(client)
    with client, responses.RequestsMock() as rsps:
        _busy(rsps, "/account/info", retry_after="30")
        for _ in range(2):
            with pytest.raises(ServerError):
                client.account.info()
    assert fake_clock.sleeps == [30.0, 30.0] * 2


def _http_date_in_5_minutes() -> str:
    return format_datetime(datetime.now(timezone.utc) + timedelta(minutes=5), usegmt=True)


@pytest.mark.parametrize(
    "make_retry_after",
    # The date is made when the test runs, not when it is collected: a slow run (other
    # interpreters, a busy machine) can reach this test more than 5 minutes after collection.
    [lambda: "61", lambda: "3600", _http_date_in_5_minutes],
    ids=["61s", "1h", "http-date+5min"],
)
def test_retry_after_above_the_limit_raises_without_sleeping(
    make_retry_after: Callable[[], str],
) -> None:
    retry_after = make_retry_after()
    fake_clock = FakeClock()
    client = make_client(API, max_retries=5)
    fake_clock.install(client)
    with client, responses.RequestsMock() as rsps:
        _busy(rsps, "/file/info", retry_after=retry_after)
        with pytest.raises(ServerError) as caught:
            client.files.info("abcdefghijklmno")
        assert len(rsps.calls) == 1
    assert type(caught.value) is ServerError
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > DEFAULTS.max_retry_after
    assert fake_clock.sleeps == []


def test_retry_after_at_the_limit_is_honoured() -> None:
    fake_clock = FakeClock()
    client = make_client(API, max_retries=2)
    fake_clock.install(client)
    account = {"apiid": "a", "email": "e@example.com", "signup_at": "2019-12-31 23:59:59"}
    with client, responses.RequestsMock() as rsps:
        _busy(rsps, "/account/info", retry_after="60")
        rsps.get(f"{API}/account/info", json={"status": 200, "msg": "OK", "result": account})
        assert client.account.info().api_id == "a"
    assert fake_clock.sleeps == [60.0]


def test_emulator_429_retry_after_is_honoured(fake: FakeStreamtape) -> None:
    fake_clock = FakeClock()
    client = make_client(fake.base_url, max_retries=3)
    fake_clock.install(client)
    fake.inject("/account/info", "http_429", times=2)
    with client:
        assert client.account.info().api_id == fake.login
    assert fake_clock.sleeps == [1.0, 1.0]
    assert fake.calls("/account/info") == 3


def test_emulator_429_beyond_the_retries_is_a_bandwidth_error(fake: FakeStreamtape) -> None:
    fake_clock = FakeClock()
    client = make_client(fake.base_url, max_retries=2)
    fake_clock.install(client)
    fake.inject("/file/listfolder", "http_429", times=5)
    with client, pytest.raises(BandwidthExceededError) as caught:
        client.folders.list()
    assert type(caught.value) is BandwidthExceededError
    assert (caught.value.status, caught.value.retry_after) == (429, 1.0)
    assert fake_clock.sleeps == [1.0, 1.0]
    assert fake.calls("/file/listfolder") == 3


def test_backoff_ceilings_double_up_to_the_cap(
    fake: FakeStreamtape, monkeypatch: pytest.MonkeyPatch
) -> None:
    jitter = CeilingRandom()
    monkeypatch.setattr(retry_module, "random", jitter)
    fake_clock = FakeClock()
    client = make_client(fake.base_url, max_retries=8)
    fake_clock.install(client)
    fake.inject("/file/getsplash", "http_503", times=8)
    file_id = fake.add_file("a.mp4", b"a")
    with client:
        assert client.files.thumbnail_url(file_id).endswith(f"/thumb/{file_id}.jpg")
    assert jitter.ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    assert fake_clock.sleeps == jitter.ceilings
    assert fake.calls("/file/getsplash") == 9


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_jittered_waits_stay_under_their_ceilings(
    fake: FakeStreamtape, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    monkeypatch.setattr(retry_module, "random", random.Random(seed))
    fake_clock = FakeClock()
    client = make_client(fake.base_url, max_retries=9)
    fake_clock.install(client)
    fake.inject("/remotedl/status", "json_509", times=9)
    with client, pytest.raises(NotFoundError):  # no such upload, once the 509s are over
        client.remote.status("abcdefghijk")
    ceilings = _expected_ceilings(9)
    assert len(fake_clock.sleeps) == 9
    assert all(0 <= wait <= top for wait, top in zip(fake_clock.sleeps, ceilings, strict=True))
    assert len(set(fake_clock.sleeps)) == 9  # jittered, not a fixed schedule
    assert fake_clock.elapsed <= DEFAULTS.max_total_sleep


@pytest.mark.parametrize("fault", ["http_503", "json_509", "drop", "slow"])
def test_max_retries_zero_never_sleeps(fake: FakeStreamtape, fault: str) -> None:
    expected = {
        "http_503": ServerError,
        "json_509": BandwidthExceededError,
        "drop": APIConnectionError,
        "slow": APITimeoutError,
    }[fault]
    fake_clock = FakeClock()
    client = make_client(fake.base_url, max_retries=0, timeout=0.5)
    fake_clock.install(client)
    fake.inject("/account/info", fault, times=1, delay=1.5)
    with client, pytest.raises(StreamtapeError) as caught:
        client.account.info()
    assert type(caught.value) is expected
    assert fake_clock.sleeps == []
    assert fake.calls("/account/info") == 1


def test_max_retries_zero_never_sleeps_on_a_refused_connection() -> None:
    fake_clock = FakeClock()
    client = make_client(f"http://127.0.0.1:{closed_port()}", max_retries=0)
    fake_clock.install(client)
    with client, pytest.raises(APIConnectionError) as caught:
        client.folders.create("x")
    assert caught.value.request_sent is False
    assert fake_clock.sleeps == []
