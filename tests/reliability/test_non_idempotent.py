"""Non-idempotent calls (`remote.add`, `folders.create`, the upload POST) are never repeated
after an ambiguous failure, so nothing is ever created twice; a failure known to happen
before anything was sent (connection refused) is retried."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import pytest
import responses

from streamtape_sdk import (
    APIConnectionError,
    CreatedFolder,
    OutcomeUnknownError,
    RemoteUpload,
    ServerError,
    Streamtape,
    StreamtapeError,
    UploadedFile,
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

#: Fault -> how many items the server created. `drop` and `slow` process the request (the
#: reply is lost or late); `http_503` answers instead of processing.
CREATED: dict[str, int] = {"drop": 1, "slow": 1, "http_503": 0}

#: (operation, fault) -> the exact error, or None when the call returns its result. A lost
#: reply is reconciled: the item is found and returned. A late one is not there yet when the
#: SDK looks, so it cannot tell (`OutcomeUnknownError`, never a repeat). The upload waits for
#: its reply for `Timeout.upload_reply`, far beyond the slow fault, so it just succeeds.
OUTCOME: dict[tuple[str, str], type[StreamtapeError] | None] = {
    ("remote.add", "drop"): None,
    ("remote.add", "slow"): OutcomeUnknownError,
    ("remote.add", "http_503"): ServerError,
    ("folders.create", "drop"): None,
    ("folders.create", "slow"): OutcomeUnknownError,
    ("folders.create", "http_503"): ServerError,
    ("files.upload", "drop"): None,
    ("files.upload", "slow"): None,
    ("files.upload", "http_503"): ServerError,
}


@dataclass(frozen=True)
class Target:
    """A non-idempotent operation: its emulator endpoint, the SDK call, how many items
    named `name` the emulator holds, the id of the call's result and of the stored item."""

    endpoint: str
    call: Callable[[Streamtape, str], object]
    count: Callable[[FakeStreamtape, str], int]
    identify: Callable[[object], str]
    stored_id: Callable[[FakeStreamtape, str], str]


TARGETS: dict[str, Target] = {
    "remote.add": Target(
        "/remotedl/add",
        lambda c, name: c.remote.add(REMOTE_URL, name=name),
        lambda fake, name: sum(r.name == name for r in fake.remote_uploads()),
        lambda result: cast(RemoteUpload, result).id,
        lambda fake, name: next(r.id for r in fake.remote_uploads() if r.name == name),
    ),
    "folders.create": Target(
        "/file/createfolder",
        lambda c, name: c.folders.create(name),
        lambda fake, name: sum(f.name == name for f in fake.folders()),
        lambda result: cast(CreatedFolder, result).folder_id,
        lambda fake, name: next(f.id for f in fake.folders() if f.name == name),
    ),
    "files.upload": Target(
        "upload",
        lambda c, name: c.files.upload(io.BytesIO(b"payload " * 1000), name=name),
        lambda fake, name: sum(f.name == name for f in fake.files()),
        lambda result: cast(UploadedFile, result).id,
        lambda fake, name: next(f.id for f in fake.files() if f.name == name),
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


@pytest.mark.parametrize("fault", list(CREATED))
@pytest.mark.parametrize("operation", list(TARGETS))
def test_ambiguous_failure_is_not_repeated(
    fake: FakeStreamtape, operation: str, fault: str
) -> None:
    target = TARGETS[operation]
    expected_error = OUTCOME[(operation, fault)]
    created = CREATED[fault]
    name = f"{operation}-{fault}.bin"
    sleep = FakeSleep()
    client = make_client(fake.base_url, timeout=MATRIX_TIMEOUT, max_retries=3, sleep=sleep)
    fake.inject(target.endpoint, fault, times=1, delay=SLOW_DELAY)

    with client:
        try:
            result: object = target.call(client, name)
            error: StreamtapeError | None = None
        except StreamtapeError as caught:
            result, error = None, caught

    assert (None if error is None else type(error)) is expected_error, repr(error)
    if isinstance(error, OutcomeUnknownError):
        assert "Before trying again" in str(error)
        assert "try again" not in str(error).lower()
    assert fake.calls(target.endpoint) == 1
    assert sleep.calls == []  # no backoff: no retry was even considered
    if target.endpoint == "upload":
        assert fake.calls("/file/ul") == 1  # the upload did not start over either
    assert _settled_count(fake, target, name, created) == created
    assert fake.calls(target.endpoint) == 1  # still one once everything settled
    if result is not None:
        assert target.identify(result) == target.stored_id(fake, name)


def test_the_issue_case_slow_upload_reply_is_not_a_duplicate(fake: FakeStreamtape) -> None:
    """Issue 10 §5: `timeout=1.0` and a 2.5 s slow upload reply used to raise "try again" and
    leave the file stored; the reply wait is now `Timeout.upload_reply`."""
    fake.inject("upload", "slow", times=1, delay=2.5)
    with fake.client(timeout=1.0) as client:
        uploaded = client.files.upload(io.BytesIO(b"payload " * 100), name="issue.bin")
    assert [f.id for f in fake.files() if f.name == "issue.bin"] == [uploaded.id]
    assert fake.calls("upload") == 1


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
