"""Uploads, downloads, remote.wait: bad input and faults against the emulator."""

from __future__ import annotations

import hashlib
import io
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from streamtape_sdk import (
    DownloadLink,
    IntegrityError,
    NotFoundError,
    PermissionDeniedError,
    RemoteUploadFailedError,
    Streamtape,
    TransferError,
    UploadURL,
    WaitTimeoutError,
)
from streamtape_sdk._core.effects import Flow
from streamtape_sdk._core.files import FilesCore
from streamtape_sdk.testing import FakeStreamtape
from streamtape_sdk.transfers import state_paths

MIB = 1024 * 1024


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(MIB):
            digest.update(chunk)
    return digest.hexdigest()


class Progress:
    """Records progress calls and checks they never go backwards within one transfer."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []

    def __call__(self, done: int, total: int | None) -> None:
        self.calls.append((done, total))


# -- upload ---------------------------------------------------------------------------------


def test_upload_path_streams_and_verifies(
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    tmp_path: Path,
    random_file: Callable[[str, int], Path],
) -> None:
    source = random_file("movie file.mp4", 3 * MIB + 17)
    folder = fake_streamtape.add_folder("Uploads")
    progress = Progress()
    uploaded = client.files.upload(source, folder=folder, progress=progress)
    assert (uploaded.name, uploaded.size) == ("movie file.mp4", source.stat().st_size)
    assert uploaded.sha256 == sha256_file(source)
    stored = fake_streamtape.file(uploaded.id)
    assert stored.folder_id == folder
    assert sha256_file(stored.path) == sha256_file(source)
    # The hash was sent with the URL request, so the server checked the bytes.
    (ul_request,) = [r for r in fake_streamtape.requests_log if r.endpoint == "file/ul"]
    assert ul_request.params["sha256"] == uploaded.sha256
    dones = [done for done, _ in progress.calls]
    assert dones == sorted(dones)
    assert progress.calls[-1] == (stored.size, stored.size)


def test_upload_file_object_from_its_position(
    client: Streamtape, fake_streamtape: FakeStreamtape
) -> None:
    buffer = io.BytesIO(b"HEADER" + b"payload" * 1000)
    buffer.seek(6)
    uploaded = client.files.upload(buffer, name="payload.bin", sha256=False)
    assert fake_streamtape.file_bytes(uploaded.id) == b"payload" * 1000
    (ul_request,) = [r for r in fake_streamtape.requests_log if r.endpoint == "file/ul"]
    assert "sha256" not in ul_request.params


def test_upload_zero_byte_file(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.txt"
    empty.touch()
    uploaded = client.files.upload(empty)
    assert uploaded.size == 0
    assert fake_streamtape.file_bytes(uploaded.id) == b""


def test_upload_bad_sources_fail_before_any_request(
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    tmp_path: Path,
    random_file: Callable[[str, int], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(FileNotFoundError, match=r"missing\.mp4"):
        client.files.upload(tmp_path / "missing.mp4")
    with pytest.raises(IsADirectoryError, match="directory"):
        client.files.upload(tmp_path)
    with pytest.raises(ValueError, match="name="):
        client.files.upload(io.BytesIO(b"abc"))
    # A pipe is no longer refused: it is spooled to a temporary file (its size must be
    # known up front); without a name it is refused before any request.
    read_end, write_end = os.pipe()
    os.write(write_end, b"piped")
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe, pytest.raises(ValueError, match="name="):
        client.files.upload(pipe)
    with pytest.raises(ValueError, match="binary"):
        client.files.upload(io.StringIO("text"), name="t.txt")  # type: ignore[arg-type]
    locked = random_file("locked.bin", 10)

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(PermissionError, match=r"locked\.bin"):
        client.files.upload(locked)
    assert fake_streamtape.requests_log == []


def test_sha256_mismatch_is_an_integrity_error(
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    tmp_path: Path,
    random_file: Callable[[str, int], Path],
) -> None:
    source = random_file("a.bin", 1000)
    with pytest.raises(IntegrityError, match="sha256"):
        client.files.upload(source, sha256="0" * 64)
    assert fake_streamtape.files() == []


def test_expired_upload_url_is_refused_and_not_retried(
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    tmp_path: Path,
    random_file: Callable[[str, int], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = random_file("a.bin", 1000)
    real = FilesCore.get_upload_url

    def expiring(self: FilesCore, *args: object, **kwargs: object) -> Flow[UploadURL]:
        target = yield from real(self, *args, **kwargs)  # type: ignore[arg-type]
        fake_streamtape.expire_links()
        return target

    monkeypatch.setattr(FilesCore, "get_upload_url", expiring)
    with pytest.raises(PermissionDeniedError, match="expired"):
        client.files.upload(source)
    assert fake_streamtape.calls("upload") == 1
    assert fake_streamtape.files() == []


def test_upload_dropped_reply_is_not_retried(
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    tmp_path: Path,
    random_file: Callable[[str, int], Path],
) -> None:
    source = random_file("a.bin", 2000)
    fake_streamtape.inject("upload", "drop")
    uploaded = client.files.upload(source)  # the reply was lost: found by listing the folder
    assert fake_streamtape.calls("upload") == 1
    (stored,) = fake_streamtape.files()  # the server stored it once; we did not repeat
    assert (uploaded.id, uploaded.name, uploaded.size) == (stored.id, "a.bin", 2000)
    assert uploaded.reconciled is True


# -- download -------------------------------------------------------------------------------


def test_download_into_directory_with_progress(
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    tmp_path: Path,
    random_file: Callable[[str, int], Path],
) -> None:
    source = random_file("src.bin", 2 * MIB + 5)
    file_id = fake_streamtape.add_file("clip.mp4", source)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    progress = Progress()
    written = client.files.download(file_id, out_dir, progress=progress)
    assert written == out_dir / "clip.mp4"
    assert sha256_file(written) == sha256_file(source)
    assert progress.calls[-1] == (source.stat().st_size, source.stat().st_size)
    assert sorted(p.name for p in out_dir.iterdir()) == ["clip.mp4"]


def test_download_survives_dropped_connections(
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    tmp_path: Path,
    random_file: Callable[[str, int], Path],
) -> None:
    source = random_file("src.bin", 4 * MIB)
    file_id = fake_streamtape.add_file("big.bin", source)
    fake_streamtape.inject("download", "drop", times=4)
    dest = tmp_path / "dest.bin"
    client.files.download(file_id, dest)
    assert sha256_file(dest) == sha256_file(source)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dest.bin", "src.bin"]
    ranges = [r for r in fake_streamtape.requests_log if r.endpoint == "download"]
    assert len(ranges) == 5


def test_download_gives_up_then_resumes_from_part_file(
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    tmp_path: Path,
    random_file: Callable[[str, int], Path],
) -> None:
    source = random_file("src.bin", 3 * MIB)
    file_id = fake_streamtape.add_file("big.bin", source)
    # One drop keeps a prefix; then four refusals in a row without progress use up the
    # client's retries (max_retries=3).
    fake_streamtape.inject("download", "drop")
    fake_streamtape.inject("download", "http_500", times=4)
    dest = tmp_path / "dest.bin"
    with pytest.raises(TransferError, match=r"4 times in a row without progress.*resume"):
        client.files.download(file_id, dest)
    part, checkpoint, lock = state_paths(dest, file_id)
    assert part.exists()
    assert checkpoint.exists()
    assert not lock.exists()
    assert part.name == f".dest.bin.{file_id}.part"
    assert not dest.exists()
    kept = part.stat().st_size
    assert 0 < kept < source.stat().st_size
    fake_streamtape.clear_requests_log()
    client.files.download(file_id, dest)
    assert sha256_file(dest) == sha256_file(source)
    (request,) = [r for r in fake_streamtape.requests_log if r.endpoint == "download"]
    assert request.range == f"bytes={kept}-"


def test_download_renews_an_expired_link(
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    tmp_path: Path,
    random_file: Callable[[str, int], Path],
) -> None:
    source = random_file("src.bin", 2 * MIB)
    file_id = fake_streamtape.add_file("big.bin", source)
    fake_streamtape.inject("download", "drop")

    def expire_once(done: int, total: int | None) -> None:
        if done and fake_streamtape.calls("/file/dlticket") == 1:
            fake_streamtape.expire_links()

    dest = client.files.download(file_id, tmp_path / "d.bin", progress=expire_once)
    assert sha256_file(dest) == sha256_file(source)
    assert fake_streamtape.calls("/file/dlticket") == 2


@pytest.mark.parametrize("delta", [+100, -100])
def test_download_size_mismatch_leaves_nothing(
    delta: int,
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file_id = fake_streamtape.add_file("a.bin", os.urandom(5000))
    real = FilesCore.get_download_link

    def lying(self: FilesCore, *args: object, **kwargs: object) -> Flow[DownloadLink]:
        link = yield from real(self, *args, **kwargs)  # type: ignore[arg-type]
        return link.model_copy(update={"size": link.size + delta})

    monkeypatch.setattr(FilesCore, "get_download_link", lying)
    with pytest.raises(IntegrityError, match="announced"):
        client.files.download(file_id, tmp_path / "a.bin")
    assert list(tmp_path.iterdir()) == []


def test_download_to_unusable_directory_fails_before_any_request(
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file_id = fake_streamtape.add_file("a.bin", b"abc")
    with pytest.raises(FileNotFoundError, match="no such directory"):
        client.files.download(file_id, tmp_path / "nope" / "a.bin")
    monkeypatch.setattr(os, "access", lambda *_args, **_kw: False)  # root can write anywhere
    with pytest.raises(PermissionError, match="not writable"):
        client.files.download(file_id, tmp_path / "a.bin")
    assert fake_streamtape.requests_log == []


def test_empty_file_downloads(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    file_id = fake_streamtape.add_file("empty.txt", b"")
    dest = client.files.download(file_id, tmp_path)
    assert dest.read_bytes() == b""


# -- remote.wait ----------------------------------------------------------------------------


def test_remote_wait_reports_progress(client: Streamtape, fake_streamtape: FakeStreamtape) -> None:
    source = fake_streamtape.add_file("s.bin", b"x" * 10_000)
    link = client.files.get_download_link(source, client.files.get_download_ticket(source))
    job = client.remote.add(link.url)
    progress = Progress()
    done = client.remote.wait(job.id, poll_interval=0.01, progress=progress)
    assert done.is_finished
    assert progress.calls[-1] == (10_000, 10_000)


def test_remote_wait_raises_on_error(client: Streamtape) -> None:
    job = client.remote.add("http://example.invalid/video.mp4")
    with pytest.raises(RemoteUploadFailedError, match=r"example\.invalid"):
        client.remote.wait(job.id, poll_interval=0.01, timeout=10)


def test_remote_wait_times_out(client: Streamtape, fake_streamtape: FakeStreamtape) -> None:
    client._transport.sleep = time.sleep
    source = fake_streamtape.add_file("s.bin", b"x" * 100)
    link = client.files.get_download_link(source, client.files.get_download_ticket(source))
    fake_streamtape.inject("download", "slow", delay=3.0)
    job = client.remote.add(link.url)
    started = time.monotonic()
    with pytest.raises(WaitTimeoutError, match="longer timeout"):
        client.remote.wait(job.id, poll_interval=0.05, timeout=0.5)
    assert time.monotonic() - started < 2.5


def test_download_to_a_missing_directory_path_is_refused(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    file_id = fake_streamtape.add_file("a.bin", b"abc")
    with pytest.raises(FileNotFoundError, match="no such directory"):
        client.files.download(file_id, f"{tmp_path}/downloads/")
    assert list(tmp_path.iterdir()) == []
    assert fake_streamtape.requests_log == []


def test_a_definite_refusal_then_404_is_still_not_found(
    client: Streamtape, fake_streamtape: FakeStreamtape
) -> None:
    fake_streamtape.inject("/file/delete", "json_509")
    with pytest.raises(NotFoundError):
        client.files.delete("neverExisted123")
