"""`files.download(connections=N)`: parallel ranges for one file, validated, with one stream
as the fallback, one shared link renewal, and the host's per-link connection limit."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from streamtape_sdk import CancelToken, DownloadLink, IntegrityError, TransferCancelledError
from streamtape_sdk._core.effects import Flow
from streamtape_sdk.testing import FakeStreamtape
from streamtape_sdk.transfers._sliced import MIN_PART_SIZE
from tests.reliability.conftest import make_client, sha256_file, write_random_file

SIZE = 4 * MIN_PART_SIZE + 12345  # four parts, the last one longer


def _setup(fake: FakeStreamtape, tmp_path: Path) -> tuple[str, str, Path]:
    source = tmp_path / "source.bin"
    digest = write_random_file(source, SIZE)
    file_id = fake.add_file("clip.mp4", source)
    out = tmp_path / "out"
    out.mkdir()
    fake.clear_requests_log()
    return file_id, digest, out


def _ranges(fake: FakeStreamtape) -> list[str | None]:
    return [r.range for r in fake.requests_log if r.endpoint == "download"]


def test_four_connections_fetch_four_validated_ranges(fake: FakeStreamtape, tmp_path: Path) -> None:
    file_id, digest, out = _setup(fake, tmp_path)
    with make_client(fake.base_url) as client:
        dest = client.files.download(file_id, out, connections=4, expected_sha256=digest)
    assert sha256_file(dest) == digest
    assert sorted(p.name for p in out.iterdir()) == ["clip.mp4"]
    ranges = _ranges(fake)
    assert len(ranges) == 4
    assert all(r and r.startswith("bytes=") for r in ranges)
    spans = sorted(tuple(int(n) for n in str(r).removeprefix("bytes=").split("-")) for r in ranges)
    assert spans[0][0] == 0
    assert spans[-1][1] == SIZE - 1
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(spans))


def test_connection_limit_is_respected_without_failing(
    fake: FakeStreamtape, tmp_path: Path
) -> None:
    file_id, digest, out = _setup(fake, tmp_path)
    fake.set_link_connection_limit(2)
    with make_client(fake.base_url) as client:
        dest = client.files.download(file_id, out, connections=4)
    assert sha256_file(dest) == digest
    assert len(_ranges(fake)) >= 4


@pytest.mark.parametrize("mode", ["range_ignored", "short_206", "wrong_offset_206", "drop"])
def test_link_modes_still_give_the_right_bytes(
    fake: FakeStreamtape, tmp_path: Path, mode: str
) -> None:
    file_id, digest, out = _setup(fake, tmp_path)
    fake.inject("download", mode, times=1)
    with make_client(fake.base_url) as client:
        dest = client.files.download(file_id, out, connections=4, expected_sha256=digest)
    assert sha256_file(dest) == digest
    assert fake.pending_faults() == {}


def test_range_ignored_falls_back_to_one_stream(fake: FakeStreamtape, tmp_path: Path) -> None:
    file_id, digest, out = _setup(fake, tmp_path)
    fake.inject("download", "range_ignored", times=10)
    with make_client(fake.base_url) as client:
        dest = client.files.download(file_id, out, connections=4)
    assert sha256_file(dest) == digest


def test_expired_link_is_renewed_once_for_all_parts(fake: FakeStreamtape, tmp_path: Path) -> None:
    file_id, digest, out = _setup(fake, tmp_path)
    with make_client(fake.base_url) as client:
        fake.expire_links()  # takes effect after the link is issued: see below
        core = client.files._core  # the flows the sync shell runs
        original = core.get_download_link

        calls = 0

        def link_then_expire(*args: object, **kwargs: object) -> Flow[DownloadLink]:
            nonlocal calls
            calls += 1
            link = yield from original(*args, **kwargs)  # type: ignore[arg-type]
            if calls == 1:
                fake.expire_links()
            return link

        core.get_download_link = link_then_expire  # type: ignore[method-assign]
        dest = client.files.download(file_id, out, connections=4)
    assert sha256_file(dest) == digest
    assert calls == 2  # the first link, and ONE renewal shared by the four parts


def test_wrong_hash_is_refused_after_assembly(fake: FakeStreamtape, tmp_path: Path) -> None:
    file_id, _digest, out = _setup(fake, tmp_path)
    with make_client(fake.base_url) as client, pytest.raises(IntegrityError, match="sha256"):
        client.files.download(file_id, out, connections=4, expected_sha256="0" * 64)
    assert not (out / "clip.mp4").exists()


def test_cancel_keeps_a_resumable_prefix(fake: FakeStreamtape, tmp_path: Path) -> None:
    file_id, digest, out = _setup(fake, tmp_path)
    token = CancelToken()

    def progress(done: int, total: int | None) -> None:
        if done > MIN_PART_SIZE // 2:
            token.cancel()

    with make_client(fake.base_url) as client:
        with pytest.raises(TransferCancelledError):
            client.files.download(file_id, out, progress, connections=4, cancel=token)
        assert not (out / "clip.mp4").exists()
        dest = client.files.download(file_id, out, connections=4)
    assert sha256_file(dest) == digest


@pytest.mark.parametrize(
    ("value", "error"), [(0, ValueError), (17, ValueError), (2.0, TypeError), (True, TypeError)]
)
def test_connections_is_checked_before_io(
    fake: FakeStreamtape, tmp_path: Path, value: object, error: type[Exception]
) -> None:
    with make_client(fake.base_url) as client, pytest.raises(error, match="connections"):
        client.files.download("abc", tmp_path, connections=value)  # type: ignore[arg-type]
    assert fake.requests_log == []
