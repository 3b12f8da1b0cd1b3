"""An upload source that changes while it is sent (issue 12 item 9): a rotated log that
shrinks, a file that grows, bytes rewritten in place. Each ends promptly with `IntegrityError`
and nothing stored; before, a shrinking file made the multipart encoder spin forever."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from streamtape_sdk import IntegrityError, Streamtape, TransferError
from streamtape_sdk.testing import FakeStreamtape

from .conftest import RandomFile

MIB = 1024 * 1024

pytestmark = pytest.mark.timeout(30)  # the old code never returned


def _after_first_chunk(action: object) -> object:
    """A progress callback that runs `action()` once, after the first MiB has been sent."""
    done: list[int] = []

    def progress(sent: int, total: int | None) -> None:
        if sent >= MIB and not done:
            done.append(sent)
            action()  # type: ignore[operator]

    return progress


def test_a_file_truncated_while_sent_fails_and_stores_nothing(
    client: Streamtape, fake_streamtape: FakeStreamtape, random_file: RandomFile
) -> None:
    path = random_file("app.log", 3 * MIB + 5)
    progress = _after_first_chunk(lambda: os.truncate(path, MIB // 2))
    with pytest.raises(IntegrityError, match="shrank") as caught:
        client.files.upload(path, sha256=False, progress=progress)  # type: ignore[arg-type]
    assert isinstance(caught.value, TransferError)
    assert "3145733" in str(caught.value)
    assert fake_streamtape.files() == []


def test_a_file_emptied_while_sent_fails(
    client: Streamtape, fake_streamtape: FakeStreamtape, random_file: RandomFile
) -> None:
    path = random_file("app.log", 2 * MIB + 1)
    progress = _after_first_chunk(lambda: os.truncate(path, 0))
    with pytest.raises(IntegrityError, match="shrank"):
        client.files.upload(path, progress=progress)  # type: ignore[arg-type]
    assert fake_streamtape.files() == []


def test_a_file_that_grows_while_sent_fails(
    client: Streamtape, fake_streamtape: FakeStreamtape, random_file: RandomFile
) -> None:
    path = random_file("app.log", 2 * MIB + 3)

    def append() -> None:
        with path.open("ab") as out:
            out.write(b"one more line\n")

    with pytest.raises(IntegrityError, match="grew"):
        client.files.upload(path, sha256=False, progress=_after_first_chunk(append))  # type: ignore[arg-type]
    assert fake_streamtape.files() == []


def test_bytes_rewritten_in_place_are_caught_by_the_hash(
    client: Streamtape, fake_streamtape: FakeStreamtape, random_file: RandomFile
) -> None:
    path = random_file("video.mp4", 3 * MIB)

    def rewrite_the_end() -> None:
        with path.open("r+b") as out:
            out.seek(2 * MIB)
            out.write(b"\0" * 100)

    with pytest.raises(IntegrityError, match="changed while it was uploaded"):
        client.files.upload(path, progress=_after_first_chunk(rewrite_the_end))  # type: ignore[arg-type]
    assert fake_streamtape.files() == []


def test_a_file_object_read_from_its_position_still_uploads_whole(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    data = os.urandom(MIB + 17)
    path = tmp_path / "x.bin"
    path.write_bytes(b"HEADER" + data)
    with path.open("rb") as fh:
        fh.seek(6)
        uploaded = client.files.upload(fh, name="x.bin")
    assert uploaded.size == len(data)
    (stored,) = fake_streamtape.files()
    assert stored.path.read_bytes() == data


def test_an_unchanged_file_uploads_with_progress_to_the_end(
    client: Streamtape, fake_streamtape: FakeStreamtape, random_file: RandomFile
) -> None:
    path = random_file("ok.bin", 2 * MIB + 9)
    seen: list[tuple[int, int | None]] = []
    uploaded = client.files.upload(path, progress=lambda d, t: seen.append((d, t)))
    assert uploaded.size == 2 * MIB + 9
    assert seen[0] == (0, 2 * MIB + 9)
    assert seen[-1] == (2 * MIB + 9, 2 * MIB + 9)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    (stored,) = fake_streamtape.files()
    assert stored.path.read_bytes() == path.read_bytes()
