"""Downloads survive dropped connections (resuming with `Range`), never leave a half file at
the destination, and keep the `.part` file for a later call when they give up."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from streamtape_sdk import TransferError
from streamtape_sdk.testing import FakeStreamtape
from streamtape_sdk.transfers import state_paths
from tests.fakes import FakeSleep
from tests.reliability.conftest import make_client, record_figure, sha256_file, write_random_file

BIG = 64 * 1024 * 1024
SMALL = 4 * 1024 * 1024
DROPS = 10


def _download_ranges(fake: FakeStreamtape) -> list[str | None]:
    """The `Range` header of every download-link GET the emulator received, in order."""
    return [r.range for r in fake.requests_log if r.endpoint == "download"]


@pytest.mark.slow
def test_64_mib_download_survives_ten_drops(fake: FakeStreamtape, tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    expected = write_random_file(source, BIG)
    file_id = fake.add_file("movie.mp4", source)
    source.unlink()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    sleep = FakeSleep()
    fake.inject("download", "drop", times=DROPS)

    started = time.monotonic()
    with make_client(fake.base_url, sleep=sleep) as client:
        dest = client.files.download(file_id, out_dir / "movie.mp4")
    elapsed = time.monotonic() - started

    assert dest == out_dir / "movie.mp4"
    assert sorted(p.name for p in out_dir.iterdir()) == ["movie.mp4"]  # no .part, nothing else
    assert dest.stat().st_size == BIG
    assert sha256_file(dest) == expected == fake.file(file_id).sha256
    assert fake.pending_faults() == {}  # every injected drop was consumed
    ranges = _download_ranges(fake)
    assert len(ranges) == DROPS + 1
    assert ranges[0] is None  # the first request asks for the whole file
    offsets = [int(r.removeprefix("bytes=").removesuffix("-")) for r in ranges[1:] if r]
    assert len(offsets) == DROPS  # every resume asked for a range...
    assert offsets == sorted(offsets)  # ...from where the previous attempt stopped
    assert 0 < offsets[0] < BIG
    assert len(sleep.calls) == DROPS  # one backoff per resume
    record_figure(
        "download resilience",
        f"{BIG // 2**20} MiB byte-identical after {DROPS} dropped connections in {elapsed:.1f} s",
    )


def test_giving_up_keeps_the_part_file_and_a_second_call_resumes(
    fake: FakeStreamtape, tmp_path: Path
) -> None:
    source = tmp_path / "source.bin"
    expected = write_random_file(source, SMALL)
    file_id = fake.add_file("clip.mp4", source)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    dest = out_dir / "clip.mp4"
    part, checkpoint, _lock = state_paths(dest, file_id)
    # Drops keep bytes (progress); then refusals in a row exhaust max_retries=2.
    fake.inject("download", "drop", times=3)
    fake.inject("download", "http_500", times=3)

    with make_client(fake.base_url, max_retries=2) as client:
        with pytest.raises(TransferError, match="3 times in a row without progress") as caught:
            client.files.download(file_id, dest)
        assert type(caught.value) is TransferError
        assert fake.calls("download") == 6
        assert not dest.exists()
        assert sorted(p.name for p in out_dir.iterdir()) == sorted([part.name, checkpoint.name])
        kept = part.stat().st_size
        assert 0 < kept < SMALL
        assert fake.pending_faults() == {}

        fake.clear_requests_log()
        assert client.files.download(file_id, dest) == dest

    assert sorted(p.name for p in out_dir.iterdir()) == ["clip.mp4"]
    assert sha256_file(dest) == expected
    # One GET, which asked only for the missing tail.
    assert _download_ranges(fake) == [f"bytes={kept}-"]


#: Every test here runs against both clients (see `client_kind` in conftest.py).
pytestmark = pytest.mark.usefixtures("client_kind")
