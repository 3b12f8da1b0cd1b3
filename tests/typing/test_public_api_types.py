"""A usage corpus of the whole public API, checked three ways.

`mypy --strict` and `pyright` (strict, see `pyrightconfig.json`) verify every `assert_type`
below statically: a return type or a model field type that drifts (to `Any`, to a wider
union, to a wire type) fails type checking. pytest runs the same calls against the emulator,
and `assert_type` is a no-op at run time, so the corpus is also real, working code.

Every public method of the client and of the four resources is called at least once.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import pytest
import requests
from typing_extensions import assert_type

from streamtape_sdk import (
    AccountInfo,
    APIConnectionError,
    APIError,
    Conversion,
    CreatedFolder,
    DownloadLink,
    DownloadTicket,
    FileInfo,
    Folder,
    FolderFile,
    FolderListing,
    FolderWalkEntry,
    InvalidEntry,
    KeyedResult,
    ListResult,
    NotFoundError,
    ProgressCallback,
    RemoteAddOutcome,
    RemoteUpload,
    RemoteUploadFailedError,
    RemoteUploadStatus,
    RetryPolicy,
    Streamtape,
    StreamtapeError,
    Timeout,
    TransferOutcome,
    UploadedFile,
    UploadURL,
    __version__,
)
from streamtape_sdk.resources import Account, Files, Folders, Remote
from streamtape_sdk.testing import FakeStreamtape


@pytest.fixture
def client(fake_streamtape: FakeStreamtape) -> Iterator[Streamtape]:
    with fake_streamtape.client() as instance:
        yield instance


@pytest.fixture
def seeded(fake_streamtape: FakeStreamtape) -> tuple[str, str]:
    """A folder and a file inside it; returns (folder_id, file_id)."""
    folder_id = fake_streamtape.add_folder("Typed")
    file_id = fake_streamtape.add_file("typed.mp4", b"t" * 2048, folder=folder_id)
    return folder_id, file_id


def test_client_surface(fake_streamtape: FakeStreamtape) -> None:
    session = requests.Session()
    client = Streamtape(
        login=fake_streamtape.login,
        key=fake_streamtape.key,
        base_url=fake_streamtape.base_url,
        timeout=10.0,
        max_retries=2,
        session=session,
        user_agent="typing-corpus/1.0",
    )
    assert_type(client.login, str | None)
    assert_type(client.base_url, str)
    assert_type(client.timeout, Timeout)
    assert_type(client.retry, RetryPolicy)
    assert_type(client.max_retries, int)
    assert_type(client.account, Account)
    assert_type(client.files, Files)
    assert_type(client.remote, Remote)
    assert_type(client.folders, Folders)
    assert fake_streamtape.key not in repr(client)
    with client as entered:
        assert_type(entered, Streamtape)
    assert_type(client.close(), None)
    session.close()
    version: str = __version__  # a Literal for pyright, a str for mypy: check assignability
    assert version


def test_account(client: Streamtape) -> None:
    info = client.account.info(timeout=5.0)
    assert_type(info, AccountInfo)
    assert_type(info.api_id, str)
    assert_type(info.email, str)
    assert_type(info.signup_at, datetime)
    assert info.signup_at.tzinfo is not None


def test_download_ticket_and_link(client: Streamtape, seeded: tuple[str, str]) -> None:
    _, file_id = seeded
    ticket = client.files.get_download_ticket(file_id)
    assert_type(ticket, DownloadTicket)
    assert_type(ticket.ticket, str)
    assert_type(ticket.wait_time, int)
    assert_type(ticket.valid_until, datetime | None)
    assert_type(ticket.remaining_wait(), float)

    link = client.files.get_download_link(file_id, ticket)
    assert_type(link, DownloadLink)
    assert_type(link.name, str)
    assert_type(link.size, int)
    assert_type(link.url, str)

    by_string = client.files.get_download_link(
        file_id, client.files.get_download_ticket(file_id).ticket, captcha_response=None
    )
    assert_type(by_string, DownloadLink)


def test_file_info(client: Streamtape, seeded: tuple[str, str]) -> None:
    _, file_id = seeded
    infos = client.files.info([file_id, "missingFile0001"])
    assert_type(infos, KeyedResult[FileInfo])
    found = infos[file_id]
    assert_type(found.id, str)
    assert_type(found.status, int)
    assert_type(found.name, str | None)
    assert_type(found.size, int)
    assert_type(found.content_type, str | None)
    assert_type(found.converted, bool)
    assert_type(found.thumb, str | None)
    assert_type(found.exists, bool)
    assert_type(infos.invalid, dict[str, InvalidEntry])
    assert found.exists
    assert not infos["missingFile0001"].exists
    assert_type(client.files.info(file_id), KeyedResult[FileInfo])
    assert_type(client.files.info(iter([file_id])), KeyedResult[FileInfo])


def test_upload_and_download(client: Streamtape, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []

    def progress(done: int, total: int | None) -> None:
        seen.append((done, total))

    callback: ProgressCallback = progress
    source = tmp_path / "clip.mp4"
    source.write_bytes(b"c" * 5000)

    target = client.files.get_upload_url(folder=None, sha256=None, httponly=False)
    assert_type(target, UploadURL)
    assert_type(target.url, str)
    assert_type(target.valid_until, datetime | None)

    uploaded = client.files.upload(source, progress=callback)
    assert_type(uploaded, UploadedFile)
    assert_type(uploaded.id, str)
    assert_type(uploaded.name, str)
    assert_type(uploaded.size, int)
    assert_type(uploaded.sha256, str | None)
    assert_type(uploaded.content_type, str | None)
    assert_type(uploaded.url, str)
    assert seen[-1] == (5000, 5000)

    stream: BinaryIO = io.BytesIO(b"streamed")
    from_stream = client.files.upload(stream, name="stream.bin", sha256=False)
    assert_type(from_stream, UploadedFile)
    from_str_path = client.files.upload(str(source), name="again.mp4", sha256=True)
    assert_type(from_str_path, UploadedFile)

    written = client.files.download(uploaded.id, tmp_path / "copy.mp4", progress=progress)
    assert_type(written, Path)
    assert written.read_bytes() == source.read_bytes()
    into_dir = client.files.download(from_stream.id, str(tmp_path), resume=False)
    assert_type(into_dir, Path)
    assert into_dir.name == "stream.bin"


def test_batches(client: Streamtape, tmp_path: Path) -> None:
    source = tmp_path / "tree" / "a.bin"
    source.parent.mkdir()
    source.write_bytes(b"a" * 100)
    many = client.files.upload_many([source], timeout=30.0)
    assert_type(many, list[TransferOutcome])
    ids = [o.remote_id for o in many if o.remote_id is not None]
    fetched = client.files.download_many(ids, tmp_path / "many", timeout=30.0, connections=2)
    assert_type(fetched, list[TransferOutcome])
    assert all(o.ok for o in fetched)
    folder = client.folders.create("Tree").folder_id
    tree = client.folders.upload_tree(tmp_path / "tree", folder, timeout=30.0)
    assert_type(tree, list[TransferOutcome])
    back = client.folders.download_tree(folder, tmp_path / "back", timeout=30.0, connections=4)
    assert_type(back, list[TransferOutcome])
    path = client.files.download(ids[0], tmp_path / "one.bin", connections=3, timeout=30.0)
    assert_type(path, Path)
    added = client.remote.add_many(["https://example.com/video.mp4"], timeout=30.0)
    assert_type(added, list[RemoteAddOutcome])
    (outcome,) = added
    assert_type(outcome.url, str)
    assert_type(outcome.upload, RemoteUpload | None)
    assert_type(outcome.error, StreamtapeError | None)
    assert_type(outcome.ok, bool)


def test_file_mutations(client: Streamtape, seeded: tuple[str, str]) -> None:
    folder_id, file_id = seeded
    assert_type(client.files.rename(file_id, "renamed.mp4"), None)
    other = client.folders.create("Other")
    assert_type(client.files.move(file_id, other.folder_id), None)
    assert_type(client.files.thumbnail_url(file_id), str)
    assert_type(client.files.delete(file_id), None)
    assert_type(client.folders.delete(folder_id), None)


def test_conversions(client: Streamtape, fake_streamtape: FakeStreamtape) -> None:
    fake_streamtape.add_file("running.mp4", b"r", converted=False)
    fake_streamtape.add_file("broken.mp4", b"b", fail_conversion=True)
    running = client.files.running_conversions()
    assert_type(running, ListResult[Conversion])
    conversion = running[0]
    assert_type(conversion.name, str | None)
    assert_type(conversion.folder_id, str | None)
    assert_type(conversion.status, str | None)
    assert_type(conversion.progress, float)
    assert_type(conversion.retries, int)
    assert_type(conversion.link, str | None)
    assert_type(conversion.link_id, str | None)
    assert_type(running.invalid, list[InvalidEntry])
    fake_streamtape.finish_conversions()
    assert_type(client.files.failed_conversions(), ListResult[Conversion])


def test_remote(client: Streamtape) -> None:
    job = client.remote.add(
        "https://example.com/video.mp4",
        folder=None,
        headers={"Referer": "https://example.com/"},
        name="video.mp4",
    )
    assert_type(job, RemoteUpload)
    assert_type(job.id, str)
    assert_type(job.folder_id, str | None)

    status = client.remote.status(job.id)
    assert_type(status, RemoteUploadStatus)
    assert_type(status.id, str)
    assert_type(status.remote_url, str | None)
    assert_type(status.status, str)
    assert_type(status.bytes_loaded, int | None)
    assert_type(status.bytes_total, int | None)
    assert_type(status.folder_id, str | None)
    assert_type(status.added, datetime | None)
    assert_type(status.last_update, datetime | None)
    assert_type(status.file_id, str | None)
    assert_type(status.url, str | None)
    assert_type(status.is_finished, bool)
    assert_type(status.is_failed, bool)
    assert_type(status.progress, float | None)

    # The emulator only fetches loopback URLs: this one ends in status "error".
    with pytest.raises(RemoteUploadFailedError):
        assert_type(client.remote.wait(job.id, timeout=30, poll_interval=0.05), RemoteUploadStatus)

    assert_type(client.remote.list(), KeyedResult[RemoteUploadStatus])
    assert_type(client.remote.list(limit=10), KeyedResult[RemoteUploadStatus])
    assert_type(client.remote.remove(job.id), None)
    client.remote.add("https://example.com/other.mp4", headers="Cookie: a=b")
    assert_type(client.remote.remove_all(), None)


def test_folders(client: Streamtape, seeded: tuple[str, str]) -> None:
    folder_id, _ = seeded
    created = client.folders.create("Child", parent=folder_id)
    assert_type(created, CreatedFolder)
    assert_type(created.folder_id, str)
    assert_type(client.folders.rename(created.folder_id, "Renamed"), None)

    root = client.folders.list()
    assert_type(root, FolderListing)
    assert_type(root.folders, list[Folder])
    assert_type(root.files, list[FolderFile])
    sub = client.folders.list(folder_id)
    folder = root.folders[0]
    assert_type(folder.id, str)
    assert_type(folder.name, str)
    file = sub.files[0]
    assert_type(file.name, str)
    assert_type(file.size, int)
    assert_type(file.link, str | None)
    assert_type(file.created_at, datetime)
    assert_type(file.downloads, int)
    assert_type(file.link_id, str)
    assert_type(file.file_id, str)
    assert_type(file.convert, str | None)

    walk = client.folders.walk()
    assert_type(walk, Iterator[FolderWalkEntry])
    entries = list(walk)
    entry = entries[0]
    assert_type(entry.path, str)
    assert_type(entry.folder_id, str | None)
    assert_type(entry.folders, list[Folder])
    assert_type(entry.files, list[FolderFile])
    assert [e.path for e in entries] == ["", "Typed", "Typed/Renamed"]
    assert_type(list(client.folders.walk(folder_id)), list[FolderWalkEntry])


def test_error_attributes(client: Streamtape) -> None:
    try:
        client.files.get_download_ticket("missingFile0001")
    except NotFoundError as error:
        assert_type(error, NotFoundError)
        assert_type(error.status, int)
        assert_type(error.message, str)
        assert_type(error.endpoint, str)
        assert_type(error.http_status, int | None)
        assert_type(error.retry_after, float | None)
    else:
        pytest.fail("expected NotFoundError")
    with Streamtape("login", "key", base_url="http://127.0.0.1:9", max_retries=0) as dead:
        try:
            dead.account.info()
        except APIConnectionError as error:
            assert_type(error.request_sent, bool)
        except (APIError, StreamtapeError):
            pytest.fail("expected APIConnectionError")
