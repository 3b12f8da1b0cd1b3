"""Replies as the service really sends them (streamtape-api.md §5.6), end to end: the SDK
against the emulator over real sockets, not against `responses` mocks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from streamtape_sdk import (
    CaptchaRequiredError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RemoteUploadFailedError,
    RemoteUploadIncompleteError,
    Streamtape,
    Timeout,
)
from streamtape_sdk.models import DownloadTicket
from streamtape_sdk.testing import FakeStreamtape, Fault

ANNOUNCED = 1200
SENT = 480
ERROR_PAGE = b"<html><body><h1>404 Not Found</h1></body></html>\n" * 3


class _SourceHandler(BaseHTTPRequestHandler):
    """A loopback remote-upload source: `/short/...` announces more than it sends (N12),
    `/missing/...` answers an HTML 404 page, anything else a small body."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/missing"):
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(ERROR_PAGE)))
            self.end_headers()
            self.wfile.write(ERROR_PAGE)
            return
        if self.path.startswith("/short"):
            self.send_response(200)
            self.send_header("Content-Length", str(ANNOUNCED))
            self.end_headers()
            self.wfile.write(b"s" * SENT)
            self.close_connection = True
            return
        body = b"remote-bytes" * 10
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def source_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SourceHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _finished_job(fake: FakeStreamtape, client: Streamtape, url: str) -> str:
    job = client.remote.add(url)
    fake.wait_remote_upload(job.id)
    return job.id


# -- N1: linkid --------------------------------------------------------------------------


def test_remote_status_link_id_and_file_id(
    client: Streamtape, fake_streamtape: FakeStreamtape, source_url: str
) -> None:
    job_id = _finished_job(fake_streamtape, client, f"{source_url}/plain/a.bin")
    status = client.remote.status(job_id)
    stored = [f for f in fake_streamtape.files() if f.name == "a.bin"]
    assert len(stored) == 1
    assert status.link_id == stored[0].id
    assert status.file_id == stored[0].id
    assert status.is_complete


def test_a_job_still_running_has_no_link_id(
    client: Streamtape, fake_streamtape: FakeStreamtape
) -> None:
    # Port 9 (discard) refuses: the job ends in error and never gets a file (linkid false).
    job = client.remote.add("http://127.0.0.1:9/never.bin")
    fake_streamtape.wait_remote_upload(job.id)
    status = client.remote.status(job.id)
    assert status.link_id is None
    assert status.file_id is None
    assert status.is_failed


# -- N2: status of an unknown id answers every upload -----------------------------------


def test_remote_status_unknown_id_is_not_found_and_known_id_picks_its_entry(
    client: Streamtape, fake_streamtape: FakeStreamtape, source_url: str
) -> None:
    first = _finished_job(fake_streamtape, client, f"{source_url}/plain/one.bin")
    second = _finished_job(fake_streamtape, client, f"{source_url}/plain/two.bin")
    with pytest.raises(NotFoundError) as caught:
        client.remote.status("NoSuchJob123")
    assert "NoSuchJob123" in str(caught.value)
    assert client.remote.status(first).id == first
    assert client.remote.status(first).name == "one.bin"
    assert client.remote.status(second).name == "two.bin"


# -- N11: the service ignores `name`; wait renames ---------------------------------------


def test_remote_add_name_then_wait_renames_the_stored_file(
    client: Streamtape, fake_streamtape: FakeStreamtape
) -> None:
    source = fake_streamtape.add_file("source.bin", b"r" * 3000)
    link = client.files.get_download_link(source, client.files.get_download_ticket(source))
    job = client.remote.add(link.url, name="wanted.bin")
    assert job.requested_name == "wanted.bin"
    done = client.remote.wait(job, poll_interval=0.01, timeout=30)
    assert done.file_id is not None
    assert done.name == "wanted.bin"
    assert done.renamed_from == "source.bin"
    assert fake_streamtape.file(done.file_id).name == "wanted.bin"
    assert fake_streamtape.calls("/file/rename") == 1


def test_wait_does_not_rename_when_the_service_kept_the_name(
    client: Streamtape, fake_streamtape: FakeStreamtape, source_url: str
) -> None:
    job = client.remote.add(f"{source_url}/plain/x.bin", name="kept.bin")
    done = client.remote.wait(job, poll_interval=0.01, timeout=30)
    assert done.name == "kept.bin"
    assert done.renamed_from is None
    assert fake_streamtape.calls("/file/rename") == 0


# -- N12: truncated and error-page jobs --------------------------------------------------


def test_truncated_remote_upload_raises_incomplete_with_both_figures(
    client: Streamtape, fake_streamtape: FakeStreamtape, source_url: str
) -> None:
    job = client.remote.add(f"{source_url}/short/cut.mp4")
    with pytest.raises(RemoteUploadIncompleteError) as caught:
        client.remote.wait(job, poll_interval=0.01, timeout=30)
    error = caught.value
    assert (error.bytes_loaded, error.bytes_total) == (SENT, ANNOUNCED)
    assert error.upload_id == job.id
    assert error.file_id is not None
    assert str(SENT) in str(error)
    assert str(ANNOUNCED) in str(error)
    status = client.remote.status(job.id)
    assert status.is_finished
    assert status.is_truncated
    assert not status.is_complete
    assert status.progress == pytest.approx(SENT / ANNOUNCED)


def test_error_page_remote_upload_raises_failed(
    client: Streamtape, fake_streamtape: FakeStreamtape, source_url: str
) -> None:
    job = client.remote.add(f"{source_url}/missing/gone.mp4")
    with pytest.raises(RemoteUploadFailedError) as caught:
        client.remote.wait(job, poll_interval=0.01, timeout=30)
    assert not isinstance(caught.value, RemoteUploadIncompleteError)
    assert job.id in str(caught.value)
    status = client.remote.status(job.id)
    assert status.is_failed
    assert not status.is_finished
    assert status.bytes_loaded == len(ERROR_PAGE)
    assert [f.name for f in fake_streamtape.files()] == []


# -- conversions: integer percent on the wire, a fraction in the model ------------------


def test_running_conversion_progress_is_a_fraction() -> None:
    with FakeStreamtape(conversion_seconds=1000).start() as fake, fake.client() as client:
        file_id = fake.add_file("movie.mp4", b"m" * 10, converted=False)
        # Move the conversion 62.5% through its time: the "pending" phase, 50 percent.
        fake._state._files[file_id].conv_start = time.time() - 625
        [entry] = client.files.running_conversions()
        assert entry.status == "pending"
        assert entry.progress == pytest.approx(0.5)
        assert fake.calls("/file/runningconverts") == 1


# -- N9: null result on /file/dl ---------------------------------------------------------


def test_null_result_on_file_dl_is_not_found_naming_the_file(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    file_id = fake_streamtape.add_file("vanished.bin", b"v" * 10)
    fake_streamtape.inject("/file/dl", Fault.NULL_RESULT)
    with pytest.raises(NotFoundError) as caught:
        client.files.download(file_id, tmp_path / "out.bin")
    assert file_id in str(caught.value)
    assert "upgrade" not in str(caught.value).lower()
    assert not (tmp_path / "out.bin").exists()
    assert fake_streamtape.calls("download") == 0


def test_null_result_on_get_download_link_is_not_found(
    client: Streamtape, fake_streamtape: FakeStreamtape
) -> None:
    file_id = fake_streamtape.add_file("vanished.bin", b"v" * 10)
    ticket = client.files.get_download_ticket(file_id)
    fake_streamtape.inject("/file/dl", Fault.NULL_RESULT)
    with pytest.raises(NotFoundError, match=file_id):
        client.files.get_download_link(file_id, ticket)


# -- N10: captcha ------------------------------------------------------------------------


def test_captcha_without_solver_fails_before_file_dl(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    file_id = fake_streamtape.add_file("guarded.bin", b"g" * 10)
    fake_streamtape.require_captcha(file_id, answer="x7k2")
    with pytest.raises(CaptchaRequiredError) as caught:
        client.files.download(file_id, tmp_path / "out.bin")
    error = caught.value
    assert isinstance(error, PermissionDeniedError)
    assert error.captcha_url is not None
    assert error.captcha_url.startswith(fake_streamtape.base_url)
    assert error.captcha_url in str(error)
    assert "STREAMTAPE_LOGIN" not in str(error)  # not a credentials problem
    assert fake_streamtape.calls("/file/dl") == 0
    assert not (tmp_path / "out.bin").exists()


def test_captcha_with_solver_downloads(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    file_id = fake_streamtape.add_file("guarded.bin", b"g" * 100)
    fake_streamtape.require_captcha(file_id, answer="x7k2")
    seen: list[DownloadTicket] = []

    def solve(ticket: DownloadTicket) -> str:
        seen.append(ticket)
        return "x7k2"

    path = client.files.download(file_id, tmp_path / "out.bin", captcha_solver=solve)
    assert path.read_bytes() == b"g" * 100
    assert len(seen) == 1
    assert seen[0].requires_captcha
    assert seen[0].captcha_width
    assert seen[0].captcha_height


def test_captcha_wrong_answer_is_permission_denied(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    file_id = fake_streamtape.add_file("guarded.bin", b"g" * 10)
    fake_streamtape.require_captcha(file_id, answer="x7k2")
    with pytest.raises(CaptchaRequiredError) as caught:
        client.files.download(file_id, tmp_path / "out.bin", captcha_solver=lambda _t: "nope")
    assert "captcha" in str(caught.value).lower()
    assert "STREAMTAPE_LOGIN" not in str(caught.value)
    assert fake_streamtape.calls("/file/dl") == 1  # a refused answer is not re-sent
    assert not (tmp_path / "out.bin").exists()


# -- the ambiguous upload ---------------------------------------------------------


@pytest.mark.parametrize(
    ("timeout", "waits"),
    [(1.0, True), (Timeout(connect=1.0, read=1.0, upload_reply=1.0), False)],
    ids=["default-upload-reply", "short-upload-reply"],
)
def test_slow_upload_reply_stores_exactly_one_file(
    fake_streamtape: FakeStreamtape, tmp_path: Path, timeout: float | Timeout, waits: bool
) -> None:
    """Issue 10 §5: a 2.5 s upload reply with `timeout=1.0` never leads to a second copy.

    With the default `upload_reply` the SDK waits for the reply and returns the file. With a
    1 s one the reply is lost; the file is not stored yet when the SDK looks for it, so it
    says the outcome is unknown (never "try again"), and never re-sends."""
    path = tmp_path / "clip.bin"
    path.write_bytes(b"c" * 2048)
    fake_streamtape.inject("upload", Fault.SLOW, delay=2.5)
    uploaded = None
    with fake_streamtape.client(timeout=timeout) as client:
        client._transport.sleep = lambda _seconds: None
        if waits:
            uploaded = client.files.upload(path)
        else:
            with pytest.raises(OutcomeUnknownError) as caught:
                client.files.upload(path)
            assert "clip.bin" in str(caught.value)
            assert "Before trying again" in str(caught.value)
    deadline = time.monotonic() + 5
    while not fake_streamtape.files() and time.monotonic() < deadline:
        time.sleep(0.05)
    stored = fake_streamtape.files()
    assert [(f.name, f.size) for f in stored] == [("clip.bin", 2048)]
    assert fake_streamtape.calls("upload") == 1
    if uploaded is not None:
        assert uploaded.id == stored[0].id
