"""The retry policy: which failures are retried on which endpoints, Retry-After, the sleep budget,
`max_retries=0`, and the full-jitter backoff."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests
import responses
from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3.connection import HTTPConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import MaxRetryError, NewConnectionError

from streamtape_sdk import (
    APIConnectionError,
    APIError,
    BandwidthExceededError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    ResponseFormatError,
    ServerError,
    Streamtape,
    StreamtapeError,
)
from streamtape_sdk._retry import RetryPolicy
from streamtape_sdk._transport import parse_retry_after
from tests.fakes import FakeSleep
from tests.unit.conftest import (
    BASE_URL,
    LocalServer,
    add_body,
    add_json,
    closed_port,
    drop_connection,
    envelope,
    make_client,
    reply_json,
    url,
)

ACCOUNT = {"apiid": "a", "email": "e", "signup_at": "2019-12-31 23:59:59"}
HTML = "<html><body>502 Bad Gateway</body></html>"

Fault = Callable[[responses.RequestsMock, str], None]


def json_status(status: int) -> Fault:
    return lambda rsps, path: add_json(rsps, path, status=status, msg="busy")


def http_html(status: int) -> Fault:
    return lambda rsps, path: add_body(
        rsps, path, HTML, http_status=status, content_type="text/html"
    )


def raising(make: Callable[[], BaseException]) -> Fault:
    return lambda rsps, path: add_body(rsps, path, make())


def refused() -> requests.exceptions.ConnectionError:
    """What requests raises for a refused connection: the NewConnectionError inside."""
    reason = NewConnectionError(
        HTTPConnection("127.0.0.1", 9), "Failed to establish a new connection: [Errno 111] refused"
    )
    pool = HTTPConnectionPool("127.0.0.1", 9)
    return requests.exceptions.ConnectionError(MaxRetryError(pool, "/x", reason))


def dropped() -> requests.exceptions.ConnectionError:
    return requests.exceptions.ConnectionError(
        "('Connection aborted.', RemoteDisconnected('Remote end closed connection'))"
    )


TRANSIENT: dict[str, Fault] = {
    "json-509": json_status(509),
    "json-500": json_status(500),
    "json-502": json_status(502),
    "http-503-html": http_html(503),
    "http-502-empty": lambda rsps, path: add_body(rsps, path, "", http_status=502),
    "http-429-text": lambda rsps, path: add_body(rsps, path, "slow down", http_status=429),
    "read-timeout": raising(lambda: requests.exceptions.ReadTimeout("read timed out")),
    "connect-timeout": raising(lambda: requests.exceptions.ConnectTimeout("connect timed out")),
    "dropped": raising(dropped),
    "refused": raising(refused),
    "chunked": raising(lambda: requests.exceptions.ChunkedEncodingError("broken")),
}

IDEMPOTENT: dict[str, tuple[str, object, Callable[[Streamtape], object]]] = {
    "account.info": ("/account/info", ACCOUNT, lambda c: c.account.info()),
    "files.get_download_ticket": (
        "/file/dlticket",
        {"ticket": "t", "wait_time": 0},
        lambda c: c.files.get_download_ticket("f"),
    ),
    "files.get_download_link": (
        "/file/dl",
        {"name": "a", "size": 1, "url": "u"},
        lambda c: c.files.get_download_link("f", "t"),
    ),
    "files.info": ("/file/info", {"f": {"id": "f"}}, lambda c: c.files.info("f")),
    "files.get_upload_url": ("/file/ul", {"url": "u"}, lambda c: c.files.get_upload_url()),
    "remote.remove": ("/remotedl/remove", True, lambda c: c.remote.remove("r")),
    "remote.remove_all": ("/remotedl/remove", True, lambda c: c.remote.remove_all()),
    "remote.status": (
        "/remotedl/status",
        {"r": {"id": "r", "status": "new"}},
        lambda c: c.remote.status("r"),
    ),
    "folders.list": ("/file/listfolder", None, lambda c: c.folders.list()),
    "folders.rename": ("/file/renamefolder", True, lambda c: c.folders.rename("d", "n")),
    "folders.delete": ("/file/deletefolder", True, lambda c: c.folders.delete("d")),
    "files.rename": ("/file/rename", True, lambda c: c.files.rename("f", "n")),
    "files.move": ("/file/move", True, lambda c: c.files.move("f", "d")),
    "files.delete": ("/file/delete", True, lambda c: c.files.delete("f")),
    "files.running_conversions": (
        "/file/runningconverts",
        [],
        lambda c: c.files.running_conversions(),
    ),
    "files.failed_conversions": (
        "/file/failedconverts",
        [],
        lambda c: c.files.failed_conversions(),
    ),
    "files.thumbnail_url": (
        "/file/getsplash",
        "https://t.test/t.jpg",
        lambda c: c.files.thumbnail_url("f"),
    ),
}

NON_IDEMPOTENT: dict[str, tuple[str, object, Callable[[Streamtape], object]]] = {
    "remote.add": (
        "/remotedl/add",
        {"id": "r", "folderid": "0"},
        lambda c: c.remote.add("https://x.test/v"),
    ),
    "folders.create": ("/file/createfolder", {"folderid": "d"}, lambda c: c.folders.create("n")),
}


@pytest.mark.parametrize("fault", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_transient_faults_are_retried_then_succeed(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep, fault: Fault
) -> None:
    fault(rsps, "/account/info")
    fault(rsps, "/account/info")
    add_json(rsps, "/account/info", ACCOUNT)
    assert client.account.info().email == "e"
    assert len(rsps.calls) == 3
    assert len(fake_sleep.calls) == 2


@pytest.mark.parametrize(("path", "result", "call"), IDEMPOTENT.values(), ids=IDEMPOTENT.keys())
def test_every_idempotent_endpoint_is_retried(
    client: Streamtape,
    rsps: responses.RequestsMock,
    fake_sleep: FakeSleep,
    path: str,
    result: object,
    call: Callable[[Streamtape], object],
) -> None:
    http_html(503)(rsps, path)
    add_body(rsps, path, requests.exceptions.ReadTimeout("slow"))
    add_json(rsps, path, result)
    call(client)
    assert len(rsps.calls) == 3
    assert len(fake_sleep.calls) == 2


@pytest.mark.parametrize("fault", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_retries_exhausted_raise_the_last_error(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep, fault: Fault
) -> None:
    fault(rsps, "/account/info")  # responses repeats the last registered reply
    with pytest.raises((APIError, APIConnectionError)):
        client.account.info()
    assert len(rsps.calls) == 3  # 1 + max_retries=2
    assert len(fake_sleep.calls) == 2


AMBIGUOUS: dict[str, Fault] = {
    "json-500": json_status(500),
    "json-503": json_status(503),
    "http-503-html": http_html(503),
    "http-502-empty": lambda rsps, path: add_body(rsps, path, "", http_status=502),
    "read-timeout": raising(lambda: requests.exceptions.ReadTimeout("read timed out")),
    "dropped": raising(dropped),
    "chunked": raising(lambda: requests.exceptions.ChunkedEncodingError("broken")),
}


@pytest.mark.parametrize("fault", AMBIGUOUS.values(), ids=AMBIGUOUS.keys())
@pytest.mark.parametrize(
    ("path", "result", "call"), NON_IDEMPOTENT.values(), ids=NON_IDEMPOTENT.keys()
)
def test_non_idempotent_not_retried_after_ambiguous_failure(
    client: Streamtape,
    rsps: responses.RequestsMock,
    fake_sleep: FakeSleep,
    path: str,
    result: object,
    call: Callable[[Streamtape], object],
    fault: Fault,
) -> None:
    fault(rsps, path)
    add_json(rsps, path, result)
    # Reconciliation looks for the result and finds nothing.
    add_json(rsps, RECONCILED_BY[path], {})
    with pytest.raises((ServerError, OutcomeUnknownError)) as caught:
        call(client)
    called = [str(c.request.url).split("?")[0] for c in rsps.calls]
    assert [u for u in called if u == url(path)] == [url(path)]
    if isinstance(caught.value, OutcomeUnknownError):
        assert caught.value.endpoint == path
        assert called[-1] == url(RECONCILED_BY[path])
    else:
        assert len(rsps.calls) == 1  # a definite refusal needs no reconciliation
    assert fake_sleep.calls == []


#: The listing that tells whether a non-idempotent call took effect.
RECONCILED_BY = {"/remotedl/add": "/remotedl/status", "/file/createfolder": "/file/listfolder"}


BEFORE_SENDING: dict[str, Fault] = {
    "refused": raising(refused),
    "connect-timeout": raising(lambda: requests.exceptions.ConnectTimeout("connect timed out")),
}


@pytest.mark.parametrize("fault", BEFORE_SENDING.values(), ids=BEFORE_SENDING.keys())
@pytest.mark.parametrize(
    ("path", "result", "call"), NON_IDEMPOTENT.values(), ids=NON_IDEMPOTENT.keys()
)
def test_non_idempotent_retried_after_failure_before_sending(
    client: Streamtape,
    rsps: responses.RequestsMock,
    fake_sleep: FakeSleep,
    path: str,
    result: object,
    call: Callable[[Streamtape], object],
    fault: Fault,
) -> None:
    fault(rsps, path)
    fault(rsps, path)
    add_json(rsps, path, result)
    call(client)
    assert len(rsps.calls) == 3
    assert len(fake_sleep.calls) == 2


def test_non_idempotent_retried_after_real_connection_refused(fake_sleep: FakeSleep) -> None:
    with (
        make_client(fake_sleep, base_url=f"http://127.0.0.1:{closed_port()}") as client,
        pytest.raises(APIConnectionError) as info,
    ):
        client.folders.create("New", timeout=5)
    assert info.value.request_sent is False
    assert len(fake_sleep.calls) == 2


def test_real_dropped_connection_not_retried_for_remote_add(
    local_server: LocalServer, fake_sleep: FakeSleep
) -> None:
    local_server.actions.append(drop_connection)
    local_server.actions.append(reply_json(envelope({})))  # the remote list, for reconciliation
    with (
        make_client(fake_sleep, base_url=local_server.base_url) as client,
        pytest.raises(OutcomeUnknownError) as info,
    ):
        client.remote.add("https://x.test/v", timeout=5)
    assert isinstance(info.value.__cause__, APIConnectionError)
    assert info.value.__cause__.request_sent is True
    assert [p.split("?")[0] for p in local_server.paths] == ["/remotedl/add", "/remotedl/status"]
    assert fake_sleep.calls == []


def test_real_dropped_connection_retried_for_account_info(
    local_server: LocalServer, fake_sleep: FakeSleep
) -> None:
    local_server.actions += [drop_connection, drop_connection, reply_json(envelope(ACCOUNT))]
    with make_client(fake_sleep, base_url=local_server.base_url) as client:
        assert client.account.info(timeout=5).email == "e"
    assert [p.split("?")[0] for p in local_server.paths] == ["/account/info"] * 3
    assert len(fake_sleep.calls) == 2


@pytest.mark.parametrize(
    "fault",
    [
        json_status(400),
        json_status(403),
        json_status(404),
        json_status(451),
        lambda rsps, path: add_body(rsps, path, "<html></html>", content_type="text/html"),
        lambda rsps, path: add_json(rsps, path, {"wrong": "shape"}),
    ],
    ids=["400", "403", "404", "451", "html-200", "shape"],
)
def test_permanent_failures_are_not_retried(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep, fault: Fault
) -> None:
    fault(rsps, "/account/info")
    add_json(rsps, "/account/info", ACCOUNT)
    with pytest.raises((APIError, ResponseFormatError)) as info:
        client.account.info()
    assert not isinstance(info.value, (ServerError, BandwidthExceededError))
    assert len(rsps.calls) == 1
    assert fake_sleep.calls == []


@pytest.mark.parametrize("fault", [*TRANSIENT.values()], ids=[*TRANSIENT.keys()])
def test_max_retries_zero_turns_retrying_off(
    rsps: responses.RequestsMock, fake_sleep: FakeSleep, fault: Fault
) -> None:
    fault(rsps, "/account/info")
    add_json(rsps, "/account/info", ACCOUNT)
    with make_client(fake_sleep, max_retries=0) as client, pytest.raises(StreamtapeError):
        client.account.info()
    assert len(rsps.calls) == 1
    assert fake_sleep.calls == []


def test_more_retries_use_growing_capped_backoff(
    rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    http_html(503)(rsps, "/account/info")
    with make_client(fake_sleep, max_retries=6) as client, pytest.raises(ServerError):
        client.account.info()
    assert len(rsps.calls) == 7
    assert len(fake_sleep.calls) == 6
    for retry, slept in enumerate(fake_sleep.calls):
        assert 0.0 <= slept <= min(8.0, 0.5 * 2**retry)


# -- Retry-After ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"), [("3", 3.0), ("0", 0.0), ("1.5", 1.5), ("60", 60.0), (" 7 ", 7.0)]
)
def test_retry_after_seconds_is_honoured(
    client: Streamtape,
    rsps: responses.RequestsMock,
    fake_sleep: FakeSleep,
    header: str,
    expected: float,
) -> None:
    add_body(
        rsps,
        "/account/info",
        HTML,
        http_status=503,
        content_type="text/html",
        headers={"Retry-After": header},
    )
    add_json(rsps, "/account/info", ACCOUNT)
    client.account.info()
    assert fake_sleep.calls == [expected]


def test_retry_after_on_json_509(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    add_json(rsps, "/file/dl", status=509, msg="Bandwidth", headers={"Retry-After": "2"})
    add_json(rsps, "/file/dl", {"name": "a", "size": 1, "url": "u"})
    client.files.get_download_link("f", "t")
    assert fake_sleep.calls == [2.0]


def test_retry_after_http_date_is_honoured(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=10)
    add_body(
        rsps,
        "/account/info",
        HTML,
        http_status=503,
        content_type="text/html",
        headers={"Retry-After": format_datetime(when, usegmt=True)},
    )
    add_json(rsps, "/account/info", ACCOUNT)
    client.account.info()
    (slept,) = fake_sleep.calls
    assert 8.0 <= slept <= 10.0


def test_retry_after_date_in_the_past_means_now() -> None:
    past = datetime.now(timezone.utc) - timedelta(minutes=5)
    assert parse_retry_after(format_datetime(past, usegmt=True)) == 0.0


@pytest.mark.parametrize("header", [None, "", "soon", "-5", "Tue, 99 Foo 2024"])
def test_unusable_retry_after_is_ignored(header: str | None) -> None:
    assert parse_retry_after(header) is None


@pytest.mark.parametrize("header", ["61", "120", "3600"])
def test_retry_after_above_60_raises_without_sleeping(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep, header: str
) -> None:
    add_body(
        rsps,
        "/account/info",
        HTML,
        http_status=503,
        content_type="text/html",
        headers={"Retry-After": header},
    )
    add_json(rsps, "/account/info", ACCOUNT)
    with pytest.raises(ServerError) as info:
        client.account.info()
    assert info.value.retry_after == float(header)
    assert len(rsps.calls) == 1
    assert fake_sleep.calls == []


def test_retry_after_http_date_above_60_raises(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    when = datetime.now(timezone.utc) + timedelta(minutes=5)
    add_json(
        rsps,
        "/file/info",
        status=509,
        msg="later",
        headers={"Retry-After": format_datetime(when, usegmt=True)},
    )
    with pytest.raises(BandwidthExceededError) as info:
        client.files.info("f")
    assert info.value.retry_after is not None
    assert 290 <= info.value.retry_after <= 300
    assert fake_sleep.calls == []


def test_retry_after_does_not_make_non_idempotent_retry(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    add_json(rsps, "/remotedl/add", status=503, msg="x", headers={"Retry-After": "1"})
    with pytest.raises(ServerError):
        client.remote.add("https://x.test/v")
    assert fake_sleep.calls == []


def test_retry_after_on_permanent_error_is_not_honoured(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    add_json(rsps, "/account/info", status=403, msg="no", headers={"Retry-After": "1"})
    with pytest.raises(PermissionDeniedError):
        client.account.info()
    assert fake_sleep.calls == []


# -- the sleep budget -----------------------------------------------------------------------------


def test_total_sleep_budget_caps_retry_after(
    rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    add_body(
        rsps,
        "/account/info",
        HTML,
        http_status=503,
        content_type="text/html",
        headers={"Retry-After": "40"},
    )
    with make_client(fake_sleep, max_retries=5) as client, pytest.raises(ServerError):
        client.account.info()
    assert fake_sleep.calls == [40.0]  # a second 40 s would pass the 60 s budget
    assert len(rsps.calls) == 2


def test_total_sleep_budget_caps_backoff(
    rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    http_html(503)(rsps, "/account/info")
    with make_client(fake_sleep, max_retries=1000) as client:
        client._transport.retry = RetryPolicy(max_retries=1000, base_delay=8.0, max_delay=8.0)
        with pytest.raises(ServerError):
            client.account.info()
    assert fake_sleep.total <= 60.0
    assert 0 < len(fake_sleep.calls) < 1000
    assert len(rsps.calls) == len(fake_sleep.calls) + 1


def test_retries_are_logged_at_debug(
    client: Streamtape,
    rsps: responses.RequestsMock,
    fake_sleep: FakeSleep,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="streamtape_sdk")
    json_status(509)(rsps, "/file/info")
    add_json(rsps, "/file/info", {})
    client.files.info("abc")
    retries = [r for r in caplog.records if r.getMessage().startswith("Retrying ")]
    assert len(retries) == 1
    assert retries[0].levelno == logging.DEBUG
    assert retries[0].name == "streamtape_sdk"
    message = retries[0].getMessage()
    assert message.startswith(
        f"Retrying {BASE_URL}/file/info?file=abc&login=0123456789abcdef0123&key=*** in "
    )
    assert (
        "(retry 1 of 2) after BandwidthExceededError: "
        "/file/info (file='abc') failed with status 509" in message
    )


# -- RetryPolicy ----------------------------------------------------------------------------------


class _EdgeRng(random.Random):
    """Returns one end of the uniform range: shows the ceiling full jitter draws under."""

    def __init__(self, high: bool) -> None:
        super().__init__(0)
        self.high = high

    def uniform(self, a: float, b: float) -> float:
        return b if self.high else a


def test_backoff_ceilings_double_and_cap() -> None:
    policy = RetryPolicy()
    assert (
        policy.base_delay,
        policy.max_delay,
        policy.max_retry_after,
        policy.max_total_sleep,
    ) == (
        0.5,
        8.0,
        60.0,
        60.0,
    )
    top = _EdgeRng(high=True)
    assert [policy.backoff(r, top) for r in range(8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    assert [policy.backoff(r, _EdgeRng(high=False)) for r in range(8)] == [0.0] * 8


@settings(max_examples=50, deadline=None)
@given(retry=st.integers(min_value=0, max_value=30), seed=st.integers())
def test_backoff_full_jitter_bounds(retry: int, seed: int) -> None:
    policy = RetryPolicy()
    value = policy.backoff(retry, random.Random(seed))
    assert 0.0 <= value <= min(8.0, 0.5 * 2**retry)


def test_backoff_is_spread_over_the_whole_range() -> None:
    policy = RetryPolicy()
    rng = random.Random(1234)
    samples = [policy.backoff(3, rng) for _ in range(2000)]
    assert min(samples) < 0.2
    assert max(samples) > 3.8
    assert 1.8 < sum(samples) / len(samples) < 2.2  # uniform on [0, 4]


def test_backoff_uses_the_global_random_by_default() -> None:
    values = {RetryPolicy().backoff(4) for _ in range(20)}
    assert len(values) > 1
    assert all(0.0 <= v <= 8.0 for v in values)


@pytest.mark.parametrize(
    ("retry", "retry_after", "slept", "expected"),
    [
        (0, None, 0.0, 0.5),
        (1, None, 0.0, 1.0),
        (2, None, 0.0, None),  # max_retries=2 used up
        (0, 5.0, 0.0, 5.0),
        (0, 60.0, 0.0, 60.0),
        (0, 60.5, 0.0, None),
        (0, 30.0, 30.0, 30.0),
        (0, 30.0, 30.5, None),
        (0, None, 59.6, None),
        (0, -3.0, 0.0, 0.0),
    ],
)
def test_delay_decisions(
    retry: int, retry_after: float | None, slept: float, expected: float | None
) -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.delay(retry, retry_after, slept, _EdgeRng(high=True)) == expected


def test_retry_after_limit_is_independent_of_the_budget() -> None:
    policy = RetryPolicy(max_retries=3, max_total_sleep=1000.0)
    assert policy.delay(0, 60.0, 0.0) == 60.0
    assert policy.delay(0, 61.0, 0.0) is None
    assert RetryPolicy(max_retry_after=120.0, max_total_sleep=1000.0).delay(0, 90.0, 0.0) == 90.0


def test_policy_validation() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)
    with pytest.raises(ValueError, match="base_delay"):
        RetryPolicy(base_delay=-0.1)
    with pytest.raises(ValueError, match="max_delay"):
        RetryPolicy(max_delay=-1)
    with pytest.raises(TypeError, match="max_retries"):
        RetryPolicy(max_retries=True)
    with pytest.raises(TypeError, match="max_retries"):
        RetryPolicy(max_retries=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_delay"):
        RetryPolicy(max_delay=float("nan"))
    assert RetryPolicy(max_retries=0).delay(0, None, 0.0) is None


def test_not_found_is_not_retried_and_fast(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    add_json(rsps, "/file/dlticket", status=404, msg="File not found")
    started = time.monotonic()
    with pytest.raises(NotFoundError):
        client.files.get_download_ticket("f")
    assert time.monotonic() - started < 1.0
    assert fake_sleep.calls == []
