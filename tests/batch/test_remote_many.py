"""`remote.add_many` and `remote.wait_many`: one status poll per interval for all jobs."""

from __future__ import annotations

import pytest

from streamtape_sdk import (
    ClientClosedError,
    MissingCredentialsError,
    RemoteAddOutcome,
    RemoteUpload,
    Streamtape,
    StreamtapeError,
)
from streamtape_sdk.testing import FakeStreamtape


def test_add_many_keeps_going_and_wait_many_polls_once_per_round(
    client: Streamtape, fake_streamtape: FakeStreamtape
) -> None:
    sources = [fake_streamtape.add_file(f"s{i}.bin", b"s" * (100 + i)) for i in range(3)]
    urls = [
        client.files.get_download_link(s, client.files.get_download_ticket(s)).url for s in sources
    ]
    fake_streamtape.inject("remotedl/add", "http_500", times=1)  # never retried: it fails
    added = client.remote.add_many([urls[0], urls[1], urls[2]])
    assert all(isinstance(outcome, RemoteAddOutcome) for outcome in added)
    assert [outcome.url for outcome in added] == urls
    assert [outcome.ok for outcome in added] == [False, True, True]
    assert added[0].upload is None
    assert isinstance(added[0].error, StreamtapeError)
    assert all(outcome.error is None for outcome in added[1:])
    jobs = [outcome.upload for outcome in added if outcome.upload is not None]
    assert all(isinstance(job, RemoteUpload) for job in jobs)
    assert len(jobs) == 2
    fake_streamtape.clear_requests_log()
    seen: list[str] = []
    done = client.remote.wait_many(
        [job.id for job in jobs], poll_interval=0.05, progress=lambda s: seen.append(s.id)
    )
    assert all(status.is_finished for status in done.values())
    assert set(done) == {job.id for job in jobs}
    polls = [r for r in fake_streamtape.requests_log if r.endpoint == "remotedl/status"]
    assert polls
    assert all("id" not in r.params for r in polls)
    assert set(seen) == set(done)


def test_add_many_outcomes_are_frozen(client: Streamtape, fake_streamtape: FakeStreamtape) -> None:
    source = fake_streamtape.add_file("s.bin", b"s" * 10)
    url = client.files.get_download_link(source, client.files.get_download_ticket(source)).url
    (outcome,) = client.remote.add_many([url])
    with pytest.raises(AttributeError):
        outcome.url = "x"  # type: ignore[misc]


def test_add_many_raises_client_wide_errors_once(fake_streamtape: FakeStreamtape) -> None:
    closed = fake_streamtape.client()
    closed.close()
    with pytest.raises(ClientClosedError):
        closed.remote.add_many(["https://example.com/a", "https://example.com/b"])
    anonymous = Streamtape(login="", key="", base_url=fake_streamtape.base_url)
    with anonymous, pytest.raises(MissingCredentialsError):
        anonymous.remote.add_many(["https://example.com/a", "https://example.com/b"])
    assert fake_streamtape.calls("remotedl/add") == 0


def test_add_many_checks_every_url_first(
    client: Streamtape, fake_streamtape: FakeStreamtape
) -> None:
    with pytest.raises(ValueError, match="url"):
        client.remote.add_many(["https://example.com/a", ""])
    assert fake_streamtape.calls("remotedl/add") == 0


def test_wait_many_returns_failed_jobs_instead_of_raising(
    client: Streamtape, fake_streamtape: FakeStreamtape
) -> None:
    ok = fake_streamtape.add_file("ok.bin", b"ok")
    url = client.files.get_download_link(ok, client.files.get_download_ticket(ok)).url
    good = client.remote.add(url)
    bad = client.remote.add("https://unreachable.invalid/x.bin")  # never fetched: ends in error
    done = client.remote.wait_many([good.id, bad.id], poll_interval=0.05)
    assert done[good.id].is_finished
    assert done[bad.id].is_failed
