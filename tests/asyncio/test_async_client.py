"""What only the async client has: task cancellation, a non-blocking event loop, concurrent
batches, `aclose()`, and httpx2's loggers kept free of the key."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

import pytest

from streamtape_sdk import AsyncStreamtape, ClientClosedError, FolderWalkEntry
from streamtape_sdk._core.effects import blocking
from streamtape_sdk._drivers.async_ import AsyncDriver
from streamtape_sdk.testing import FakeStreamtape

pytestmark = pytest.mark.anyio


def client_for(fake: FakeStreamtape, **kwargs: object) -> AsyncStreamtape:
    return AsyncStreamtape(fake.login, fake.key, base_url=fake.base_url, **kwargs)  # type: ignore[arg-type]


async def test_calls_run_concurrently_on_one_pool(fake_streamtape: FakeStreamtape) -> None:
    async with client_for(fake_streamtape) as client:
        infos = await asyncio.gather(*(client.account.info() for _ in range(20)))
    assert {info.email for info in infos} == {"dev@example.com"}


async def test_walk_is_an_async_iterator(fake_streamtape: FakeStreamtape) -> None:
    videos = fake_streamtape.add_folder("Videos")
    fake_streamtape.add_folder("2024", parent=videos)
    async with client_for(fake_streamtape) as client:
        entries = [entry async for entry in client.folders.walk()]
    assert all(isinstance(entry, FolderWalkEntry) for entry in entries)
    assert [entry.path for entry in entries] == ["", "Videos", "Videos/2024"]


async def test_info_batches_run_concurrently_within_a_bound(
    fake_streamtape: FakeStreamtape,
) -> None:
    ids = [fake_streamtape.add_file(f"f{i}.bin", b"x") for i in range(120)]
    async with client_for(fake_streamtape) as client:
        infos = await client.files.info(ids)
    assert set(infos) == set(ids)
    assert fake_streamtape.calls("/file/info") == 3  # batches of 50


async def test_a_closed_client_refuses_calls(fake_streamtape: FakeStreamtape) -> None:
    client = client_for(fake_streamtape)
    async with client:
        await client.account.info()
    assert client.closed
    with pytest.raises(ClientClosedError):
        await client.account.info()
    view = client.with_options(timeout=5)
    with pytest.raises(ClientClosedError):
        await view.account.info()


async def test_blocking_steps_run_off_the_event_loop(fake_streamtape: FakeStreamtape) -> None:
    loop_thread = threading.get_ident()
    async with client_for(fake_streamtape) as client:
        ran_on = await AsyncDriver(client._transport).run(blocking(threading.get_ident))
    assert ran_on != loop_thread


async def test_cancelling_a_download_keeps_its_state_and_the_client_usable(
    fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    data = bytes(range(256)) * 4096 * 8  # 8 MiB
    file_id = fake_streamtape.add_file("big.bin", data)
    dest = tmp_path / "big.bin"
    tasks: list[asyncio.Task[Path]] = []

    def progress(done: int, total: int | None) -> None:
        # Called on the loop, inside the task: the cancellation lands at its next await.
        if 0 < done < len(data) and len(tasks) == 1:
            tasks[0].cancel()
            tasks.append(tasks[0])

    async with client_for(fake_streamtape) as client:
        tasks.append(asyncio.create_task(client.files.download(file_id, dest, progress=progress)))
        with pytest.raises(asyncio.CancelledError):
            await tasks[0]
        assert not dest.exists()
        kept = [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
        assert kept, list(tmp_path.iterdir())
        assert 0 < kept[0].stat().st_size < len(data)
        # The client is still usable, and the next call resumes from the kept bytes.
        assert (await client.account.info()).email == "dev@example.com"
        await client.files.download(file_id, dest)
    assert dest.read_bytes() == data
    ranges = [r.range for r in fake_streamtape.requests_log if r.endpoint == "download"]
    assert ranges[0] is None
    assert ranges[-1] is not None
    assert ranges[-1].startswith("bytes=")


async def test_httpx2_log_records_never_carry_the_key(
    fake_streamtape: FakeStreamtape, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with client_for(fake_streamtape) as client:
        await client.account.info()
        fake_streamtape.inject("/account/info", "http_503", times=1)
        await client.with_options(retry=None, max_retries=1).account.info()
    assert any(r.name.startswith("httpx2") for r in caplog.records)
    for record in caplog.records:
        assert fake_streamtape.key not in record.getMessage(), record.name


async def test_the_emulator_gives_async_clients(
    fake_streamtape: FakeStreamtape, async_streamtape_client: AsyncStreamtape
) -> None:
    assert (await async_streamtape_client.account.info()).email == "dev@example.com"
    async with fake_streamtape.async_client(timeout=5, max_retries=0) as other:
        assert other.timeout.read == 5
        assert other.max_retries == 0
