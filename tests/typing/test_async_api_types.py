"""A usage corpus of the async surface, checked like `test_public_api_types.py`.

`mypy --strict` and `pyright` verify every `assert_type` statically (each awaited method
returns exactly what its sync twin returns; `walk` is an `AsyncIterator`); pytest runs the
same calls against the emulator through anyio's pytest plugin.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from typing_extensions import assert_type

from streamtape_sdk import (
    AccountInfo,
    AsyncStreamtape,
    Conversion,
    CreatedFolder,
    DownloadLink,
    DownloadTicket,
    FileInfo,
    FolderListing,
    FolderWalkEntry,
    RemoteUpload,
    RemoteUploadFailedError,
    RemoteUploadStatus,
    RetryPolicy,
    Timeout,
    UploadedFile,
    UploadURL,
)
from streamtape_sdk._async.resources import AsyncAccount, AsyncFiles, AsyncFolders, AsyncRemote
from streamtape_sdk.models import KeyedResult, ListResult
from streamtape_sdk.testing import FakeStreamtape

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def make(fake: FakeStreamtape) -> AsyncStreamtape:
    return AsyncStreamtape(fake.login, fake.key, base_url=fake.base_url, max_retries=0)


async def test_client_surface(fake_streamtape: FakeStreamtape) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    clock: Callable[[], float] = lambda: 0.0  # noqa: E731
    async_sleep: Callable[[float], Awaitable[None]] = sleep
    client = AsyncStreamtape(
        login=fake_streamtape.login,
        key=fake_streamtape.key,
        base_url=fake_streamtape.base_url,
        timeout=Timeout(connect=5, read=10),
        retry=RetryPolicy(max_retries=2),
        proxy=None,
        user_agent="typing-corpus/1.0",
        clock=clock,
        sleep=async_sleep,
    )
    assert_type(client.login, str | None)
    assert_type(client.base_url, str)
    assert_type(client.timeout, Timeout)
    assert_type(client.retry, RetryPolicy)
    assert_type(client.max_retries, int)
    assert_type(client.closed, bool)
    assert_type(client.account, AsyncAccount)
    assert_type(client.files, AsyncFiles)
    assert_type(client.remote, AsyncRemote)
    assert_type(client.folders, AsyncFolders)
    assert_type(client.with_options(timeout=3, max_retries=1), AsyncStreamtape)
    async with client as entered:
        assert_type(entered, AsyncStreamtape)
        assert_type(await entered.account.info(timeout=5.0), AccountInfo)
    assert_type(await client.aclose(), None)


async def test_files(fake_streamtape: FakeStreamtape, tmp_path: Path) -> None:
    folder_id = fake_streamtape.add_folder("Typed")
    file_id = fake_streamtape.add_file("typed.mp4", b"t" * 2048, folder=folder_id)
    source = tmp_path / "clip.mp4"
    source.write_bytes(b"c" * 5000)
    async with make(fake_streamtape) as client:
        ticket = await client.files.get_download_ticket(file_id)
        assert_type(ticket, DownloadTicket)
        assert_type(await client.files.get_download_link(file_id, ticket), DownloadLink)
        assert_type(await client.files.info([file_id]), KeyedResult[FileInfo])
        assert_type(await client.files.get_upload_url(), UploadURL)
        uploaded = await client.files.upload(source)
        assert_type(uploaded, UploadedFile)
        written = await client.files.download(uploaded.id, tmp_path / "copy.mp4")
        assert_type(written, Path)
        assert written.read_bytes() == source.read_bytes()
        assert_type(await client.files.rename(file_id, "renamed.mp4"), None)
        assert_type(await client.files.move(file_id, folder_id), None)
        assert_type(await client.files.thumbnail_url(file_id), str)
        assert_type(await client.files.running_conversions(), ListResult[Conversion])
        assert_type(await client.files.failed_conversions(), ListResult[Conversion])
        assert_type(await client.files.delete(file_id), None)


async def test_remote(fake_streamtape: FakeStreamtape) -> None:
    async with make(fake_streamtape) as client:
        job = await client.remote.add("https://example.com/video.mp4", name="video.mp4")
        assert_type(job, RemoteUpload)
        assert_type(await client.remote.status(job.id), RemoteUploadStatus)
        with pytest.raises(RemoteUploadFailedError):
            await client.remote.wait(job.id, timeout=30, poll_interval=0.05)
        assert_type(await client.remote.list(limit=10), KeyedResult[RemoteUploadStatus])
        assert_type(await client.remote.remove(job.id), None)
        assert_type(await client.remote.remove_all(), None)


async def test_folders(fake_streamtape: FakeStreamtape) -> None:
    async with make(fake_streamtape) as client:
        created = await client.folders.create("Child")
        assert_type(created, CreatedFolder)
        assert_type(await client.folders.rename(created.folder_id, "Renamed"), None)
        assert_type(await client.folders.list(), FolderListing)
        walk = client.folders.walk()
        assert_type(walk, AsyncIterator[FolderWalkEntry])
        assert [entry.path async for entry in walk] == ["", "Renamed"]
        assert_type(await client.folders.delete(created.folder_id), None)
