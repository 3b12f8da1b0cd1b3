"""`remote.wait` on a fake clock: promptness, and the post-conditions of a finished job
(streamtape-api.md §5.6 N1, N11, N12)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from requests import PreparedRequest

from streamtape_sdk import (
    RemoteUpload,
    RemoteUploadFailedError,
    RemoteUploadIncompleteError,
    Streamtape,
    TransferError,
    WaitTimeoutError,
)
from tests.unit.conftest import add_json, envelope, make_client, url

JOB = "Rm7JoB1d0Xa"
FILE_ID = "St0r3dF1le0001A"
SOURCE = "https://cdn.example.org/source.mp4"


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def timed_client(clock: FakeClock) -> Iterator[Streamtape]:
    with make_client() as client:
        client._transport.clock = clock
        client._transport.sleep = clock.sleep
        yield client


def status(state: str, loaded: int | None, total: int | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": JOB,
        "remoteurl": SOURCE,
        "status": state,
        "bytes_loaded": loaded,
        "bytes_total": total,
        "folderid": "0",
        "added": "2026-11-01 10:00:00",
        "last_update": "2026-11-01 10:00:00",
        "extid": False,
        "url": False,
        **extra,
    }


def finished(loaded: int = 100, total: int = 100, name: str = "source.mp4") -> dict[str, Any]:
    return status(
        "finished",
        loaded,
        total,
        extid=FILE_ID,
        url=f"https://streamtape.com/v/{FILE_ID}/{name}",
    )


def job_finishing_at(
    rsps: responses.RequestsMock, clock: FakeClock, done_at: float, reply: dict[str, Any]
) -> list[float]:
    """Serve the status of a job that stalls (no bytes move), then finishes at `done_at`;
    return the clock readings of the polls."""
    polls: list[float] = []

    def answer(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        polls.append(clock.now)
        current = reply if clock.now >= done_at else status("downloading", 10, 100)
        return 200, {}, json.dumps(envelope({JOB: current}))

    rsps.add_callback(responses.GET, url("/remotedl/status"), callback=answer)
    return polls


@pytest.mark.parametrize("poll_interval", [0.5, 2.0, 7.0])
@pytest.mark.parametrize("done_after", [0.1, 4.9, 61.3])
def test_wait_returns_within_one_poll_interval_of_the_finish(
    timed_client: Streamtape,
    rsps: responses.RequestsMock,
    clock: FakeClock,
    poll_interval: float,
    done_after: float,
) -> None:
    done_at = clock.now + done_after
    polls = job_finishing_at(rsps, clock, done_at, finished())
    result = timed_client.remote.wait(JOB, poll_interval=poll_interval, timeout=3600)
    assert result.is_complete
    assert done_at <= clock.now <= done_at + poll_interval
    assert all(gap <= poll_interval + 1e-9 for gap in clock.sleeps)
    assert polls[-1] == clock.now


def test_wait_times_out_with_a_last_poll_at_the_deadline(
    timed_client: Streamtape, rsps: responses.RequestsMock, clock: FakeClock
) -> None:
    start = clock.now
    polls = job_finishing_at(rsps, clock, start + 10_000, finished())
    with pytest.raises(WaitTimeoutError, match="still 'downloading'"):
        timed_client.remote.wait(JOB, poll_interval=3.0, timeout=10.0)
    assert polls[-1] == start + 10.0


def test_finished_with_missing_bytes_raises_with_both_figures(
    timed_client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(rsps, "/remotedl/status", {JOB: finished(loaded=40, total=100)})
    with pytest.raises(RemoteUploadIncompleteError) as caught:
        timed_client.remote.wait(JOB)
    error = caught.value
    assert isinstance(error, TransferError)
    assert isinstance(error, RemoteUploadFailedError)
    assert (error.bytes_loaded, error.bytes_total, error.file_id) == (40, 100, FILE_ID)
    assert "40 of 100 bytes" in str(error)
    assert FILE_ID in str(error)


def test_error_status_still_fails(timed_client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/remotedl/status", {JOB: status("error", 1234, None)})
    with pytest.raises(RemoteUploadFailedError) as caught:
        timed_client.remote.wait(JOB)
    assert type(caught.value) is RemoteUploadFailedError


def test_ignored_name_is_renamed_and_reported(
    timed_client: Streamtape, rsps: responses.RequestsMock
) -> None:
    """N11: the source's Content-Disposition name won over `name`."""
    add_json(rsps, "/remotedl/add", {"id": JOB, "folderid": "0"})
    add_json(rsps, "/remotedl/status", {JOB: finished(name="cdn-name.mp4")})
    add_json(rsps, "/file/rename", True)
    job = timed_client.remote.add(SOURCE, name="wanted.mp4")
    assert job.requested_name == "wanted.mp4"
    done = timed_client.remote.wait(job)
    assert (done.name, done.renamed_from, done.file_id) == ("wanted.mp4", "cdn-name.mp4", FILE_ID)
    rename = rsps.calls[-1].request
    assert str(rename.url).split("?")[0] == url("/file/rename")
    assert "name=wanted.mp4" in str(rename.url)
    assert f"file={FILE_ID}" in str(rename.url)


def test_name_kept_means_no_rename(timed_client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/remotedl/status", {JOB: finished(name="wanted.mp4")})
    done = timed_client.remote.wait(JOB, name="wanted.mp4")
    assert done.renamed_from is None
    assert len(rsps.calls) == 1


def test_rename_waits_for_the_file_id(
    timed_client: Streamtape, rsps: responses.RequestsMock
) -> None:
    """N1: `linkid` is `false` until the file exists; `file_id` falls back to it."""
    add_json(rsps, "/remotedl/status", {JOB: status("finished", 5, 5, linkid=False)})
    add_json(
        rsps,
        "/remotedl/status",
        {JOB: status("finished", 5, 5, linkid=FILE_ID, url=f"https://s.example/v/{FILE_ID}/x")},
    )
    add_json(rsps, "/file/rename", True)
    done = timed_client.remote.wait(RemoteUpload(id=JOB, requested_name="y.mp4"))
    assert (done.file_id, done.name, done.renamed_from) == (FILE_ID, "y.mp4", "x")


def test_failed_rename_names_the_stored_file(
    timed_client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(rsps, "/remotedl/status", {JOB: finished(name="cdn.mp4")})
    add_json(rsps, "/file/rename", status=400, msg="bad name")
    with pytest.raises(TransferError) as caught:
        timed_client.remote.wait(JOB, name="wanted.mp4")
    assert FILE_ID in str(caught.value)
    assert "is stored" in str(caught.value)


def test_wait_checks_its_name_before_any_io(timed_client: Streamtape) -> None:
    with pytest.raises(ValueError, match="name must not be empty"):
        timed_client.remote.wait(JOB, name=" ")
