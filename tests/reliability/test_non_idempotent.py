"""Non-idempotent calls (`remote.add`, `folders.create`, the upload POST) are never repeated
after an ambiguous failure, so nothing is ever created twice; a failure known to happen
before anything was sent (connection refused) is retried."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import responses

from streamtape_sdk import (
    APIConnectionError,
    APITimeoutError,
    ServerError,
    Streamtape,
    StreamtapeError,
)
from streamtape_sdk.testing import FakeStreamtape
from tests.fakes import FakeSleep
from tests.reliability.conftest import (
    LOGIN,
    MATRIX_TIMEOUT,
    REMOTE_URL,
    SECRET_KEY,
    SLOW_DELAY,
    closed_port,
    make_client,
)

#: Fault -> (the exact error, how many items the server created). `drop` and `slow` process
#: the request (the reply is lost or late); `http_503` answers instead of processing.
AMBIGUOUS: dict[str, tuple[type[StreamtapeError], int]] = {
    "drop": (APIConnectionError, 1),
    "slow": (APITimeoutError, 1),
    "http_503": (ServerError, 0),
}


@dataclass(frozen=True)
class Target:
    """A non-idempotent operation: its emulator endpoint, the SDK call, and how many items
    named `name` the emulator holds."""

    endpoint: str
    call: Callable[[Streamtape, str], object]
    count: Callable[[FakeStreamtape, str], int]


TARGETS: dict[str, Target] = {
    "remote.add": Target(
        "/remotedl/add",
        lambda c, name: c.remote.add(REMOTE_URL, name=name),
        lambda fake, name: sum(r.name == name for r in fake.remote_uploads()),
    ),
    "folders.create": Target(
        "/file/createfolder",
        lambda c, name: c.folders.create(name),
        lambda fake, name: sum(f.name == name for f in fake.folders()),
    ),
    "files.upload": Target(
        "upload",
        lambda c, name: c.files.upload(io.BytesIO(b"payload " * 1000), name=name),
        lambda fake, name: sum(f.name == name for f in fake.files()),
    ),
}


def _settled_count(fake: FakeStreamtape, target: Target, name: str, expected: int) -> int:
    """The item count once a late (slow) request has had time to be processed."""
    deadline = time.monotonic() + SLOW_DELAY + 5
    count = target.count(fake, name)
    while count < expected and time.monotonic() < deadline:
        time.sleep(0.05)
        count = target.count(fake, name)
    return count


@pytest.mark.parametrize("fault", list(AMBIGUOUS))
@pytest.mark.parametrize("operation", list(TARGETS))
def test_ambiguous_failure_is_not_repeated(
    fake: FakeStreamtape, operation: str, fault: str
) -> None:
    target = TARGETS[operation]
    error_type, created = AMBIGUOUS[fault]
    name = f"{operation}-{fault}.bin"
    sleep = FakeSleep()
    client = make_client(fake.base_url, timeout=MATRIX_TIMEOUT, max_retries=3, sleep=sleep)
    fake.inject(target.endpoint, fault, times=1, delay=SLOW_DELAY)

    with client, pytest.raises(StreamtapeError) as caught:
        target.call(client, name)

    assert type(caught.value) is error_type, repr(caught.value)
    if isinstance(caught.value, APIConnectionError):
        assert caught.value.request_sent is True
    assert fake.calls(target.endpoint) == 1
    assert sleep.calls == []  # no backoff: no retry was even considered
    if target.endpoint == "upload":
        assert fake.calls("/file/ul") == 1  # the upload did not start over either
    assert _settled_count(fake, target, name, created) == created
    assert fake.calls(target.endpoint) == 1  # still one once everything settled


@pytest.mark.parametrize("operation", ["remote.add", "folders.create"])
def test_refused_connection_is_retried(operation: str) -> None:
    """Nothing reached a server, so repeating cannot duplicate anything."""
    sleep = FakeSleep()
    client = make_client(f"http://127.0.0.1:{closed_port()}", max_retries=2, sleep=sleep)
    with client, pytest.raises(APIConnectionError) as caught:
        TARGETS[operation].call(client, "refused")
    assert type(caught.value) is APIConnectionError
    assert caught.value.request_sent is False
    assert len(sleep.calls) == 2  # both retries were made


def test_refused_connection_then_success_creates_once() -> None:
    """The first attempt is refused, then the server comes up: exactly one folder."""
    port = closed_port()
    started: list[FakeStreamtape] = []
    sleep = FakeSleep()

    def server_comes_up(seconds: float) -> None:
        sleep(seconds)
        if not started:
            started.append(FakeStreamtape(login=LOGIN, key=SECRET_KEY, port=port).start())

    client = make_client(f"http://127.0.0.1:{port}", max_retries=2, sleep=server_comes_up)
    try:
        with client:
            created = client.folders.create("after-refusal")
        (fake,) = started
        assert len(sleep.calls) == 1
        assert fake.calls("/file/createfolder") == 1
        assert [(f.id, f.name) for f in fake.folders()] == [(created.folder_id, "after-refusal")]
    finally:
        for emulator in started:
            emulator.stop()


def test_upload_post_refused_connection_is_retried() -> None:
    api = "https://api.example.test"
    dead = f"http://127.0.0.1:{closed_port()}"
    sleep = FakeSleep()
    client = make_client(api, max_retries=2, sleep=sleep)
    with responses.RequestsMock() as rsps, client:
        rsps.add_passthru(dead)
        ticket = {"url": f"{dead}/ul/token", "valid_until": "2030-01-01 00:00:00"}
        rsps.get(f"{api}/file/ul", json={"status": 200, "msg": "OK", "result": ticket})
        with pytest.raises(APIConnectionError) as caught:
            client.files.upload(io.BytesIO(b"abc"), name="a.bin", sha256=False)
        assert len(rsps.calls) == 1  # one upload URL, not one per attempt
    assert type(caught.value) is APIConnectionError
    assert caught.value.request_sent is False
    assert len(sleep.calls) == 2
