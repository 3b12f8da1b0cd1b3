"""Downloads never publish a wrong file, never destroy an unrelated one, and never give up
while they make progress (issue 12, cases 1-8 and their siblings).

The emulator serves tickets and links; `tests.linkhost` stands in for link hosts that
misbehave (wrong ranges, 429, changed content), reached by swapping the link's URL.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from streamtape_sdk import (
    CancelToken,
    IntegrityError,
    ResponseFormatError,
    Streamtape,
    TransferCancelledError,
    TransferError,
)
from streamtape_sdk.models import DownloadLink, RemoteUploadStatus
from streamtape_sdk.resources.files import Files
from streamtape_sdk.resources.remote import Remote
from streamtape_sdk.testing import FakeStreamtape
from streamtape_sdk.transfers import state_paths
from tests.fakes import FakeSleep
from tests.linkhost import LinkHost, link_host

KIB = 1024


class StopError(Exception):
    """Raised by a progress callback to interrupt a download."""


def _stop_after(nbytes: int) -> Callable[[int, int | None], None]:
    def progress(done: int, total: int | None) -> None:
        if done >= nbytes:
            raise StopError(f"stopped at {done}")

    return progress


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.fixture
def sleep(client: Streamtape) -> FakeSleep:
    recorder = FakeSleep()
    client._transport.sleep = recorder
    return recorder


@pytest.fixture
def out(tmp_path: Path) -> Path:
    directory = tmp_path / "out"
    directory.mkdir()
    return directory


@pytest.fixture
def hosted(
    fake_streamtape: FakeStreamtape, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[bytes], tuple[str, LinkHost]]]:
    """Add a file to the emulator whose link points at a scripted `LinkHost`."""
    hosts: list[LinkHost] = []
    real = Files.get_download_link
    stack: list[object] = []

    def get_link(self: Files, file_id: str, *args: object, **kwargs: object) -> DownloadLink:
        link = real(self, file_id, *args, **kwargs)  # type: ignore[arg-type]
        host = hosts[-1]
        return link.model_copy(update={"url": host.url, "size": len(host.content)})

    monkeypatch.setattr(Files, "get_download_link", get_link)

    def make(content: bytes) -> tuple[str, LinkHost]:
        manager = link_host(content)
        host = manager.__enter__()
        stack.append(manager)
        hosts.append(host)
        return fake_streamtape.add_file("file.bin", content), host

    yield make
    for manager in reversed(stack):
        manager.__exit__(None, None, None)  # type: ignore[attr-defined]


# -- case 1: resume state belongs to one file ------------------------------------------------


def test_case1_an_interrupted_download_is_never_resumed_onto_another_file(
    client: Streamtape, fake_streamtape: FakeStreamtape, out: Path
) -> None:
    a = fake_streamtape.add_file("a.bin", os.urandom(600 * KIB))
    b_bytes = os.urandom(700 * KIB)
    b = fake_streamtape.add_file("b.bin", b_bytes)
    dest = out / "out.mp4"
    with pytest.raises(StopError):
        client.files.download(a, dest, progress=_stop_after(1))
    assert not dest.exists()
    fake_streamtape.clear_requests_log()

    client.files.download(b, dest)

    assert dest.read_bytes() == b_bytes
    ranges = [r.range for r in fake_streamtape.requests_log if r.endpoint == "download"]
    assert ranges == [None]  # B started from byte 0: A's bytes are not B's prefix
    # A's state is still there, for A.
    partial_a = state_paths(dest, a)[0]
    assert partial_a.exists()
    assert _leftovers(out) == sorted(["out.mp4", partial_a.name, partial_a.name + ".json"])


def test_resume_state_of_another_announced_size_is_dropped(
    client: Streamtape, hosted: Callable[[bytes], tuple[str, LinkHost]], out: Path
) -> None:
    file_id, host = hosted(os.urandom(500 * KIB))
    dest = out / "a.bin"
    with pytest.raises(StopError):
        client.files.download(file_id, dest, progress=_stop_after(1))
    host.content = os.urandom(600 * KIB)  # the file behind the same id changed size
    client.files.download(file_id, dest)
    assert dest.read_bytes() == host.content
    assert [r.range for r in host.seen] == [None, None]


# -- case 2: a file named like a partial file ------------------------------------------------


def test_case2_a_file_named_like_a_partial_file_is_left_alone(
    client: Streamtape, fake_streamtape: FakeStreamtape, out: Path
) -> None:
    first = os.urandom(300 * KIB)
    second = os.urandom(400 * KIB)
    first_id = fake_streamtape.add_file("video.mp4.part", first)
    second_id = fake_streamtape.add_file("video.mp4", second)
    assert client.files.download(first_id, out) == out / "video.mp4.part"
    assert client.files.download(second_id, out) == out / "video.mp4"
    assert (out / "video.mp4.part").read_bytes() == first
    assert (out / "video.mp4").read_bytes() == second
    assert _leftovers(out) == ["video.mp4", "video.mp4.part"]


# -- case 3: overlapping downloads -----------------------------------------------------------


def test_case3_overlapping_downloads_never_publish_a_corrupt_file(
    fake_streamtape: FakeStreamtape, out: Path
) -> None:
    content = os.urandom(512 * KIB)
    digest = hashlib.sha256(content).hexdigest()
    file_id = fake_streamtape.add_file("clip.mp4", content)
    dest = out / "clip.mp4"
    corrupt = refused = succeeded = 0
    with fake_streamtape.client(max_retries=3) as client:
        client._transport.sleep = lambda _s: None
        for _round in range(50):
            start = threading.Barrier(2)
            errors: list[BaseException] = []

            def run(start: threading.Barrier, errors: list[BaseException]) -> None:
                start.wait()
                try:
                    client.files.download(file_id, dest)
                except TransferError as failure:
                    errors.append(failure)

            threads = [threading.Thread(target=run, args=(start, errors)) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            for error in errors:
                assert type(error) is TransferError, error  # never an IntegrityError
                assert f"already being downloaded by pid {os.getpid()}" in str(error)
            refused += len(errors)
            succeeded += 2 - len(errors)
            if hashlib.sha256(dest.read_bytes()).hexdigest() != digest:
                corrupt += 1
            assert _leftovers(out) == ["clip.mp4"]
            dest.unlink()
    assert corrupt == 0
    assert succeeded >= 50  # at least one of each pair published the file


def test_a_live_owner_is_named_and_a_dead_owners_state_is_resumed(
    client: Streamtape, fake_streamtape: FakeStreamtape, out: Path
) -> None:
    import fcntl

    content = os.urandom(600 * KIB)
    file_id = fake_streamtape.add_file("a.bin", content)
    dest = out / "a.bin"
    with pytest.raises(StopError):
        client.files.download(file_id, dest, progress=_stop_after(1))
    partial, _checkpoint, lock = state_paths(dest, file_id)
    kept = partial.stat().st_size
    # A live owner: the lock is held by another open file.
    lock.write_text('{"pid": 4242, "host": "other-box", "token": "x"}')
    with lock.open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(TransferError, match="already being downloaded by pid 4242"):
            client.files.download(file_id, dest)
    assert partial.stat().st_size == kept  # the refused call touched nothing
    # The owner died (its lock released, its lock file left behind): resumable.
    fake_streamtape.clear_requests_log()
    client.files.download(file_id, dest)
    assert dest.read_bytes() == content
    ranges = [r.range for r in fake_streamtape.requests_log if r.endpoint == "download"]
    assert ranges == [f"bytes={kept}-"]
    assert _leftovers(out) == ["a.bin"]


# -- case 4: symbolic links ------------------------------------------------------------------


@pytest.mark.parametrize("planted", ["old_part", "partial", "checkpoint"])
def test_case4_a_planted_symlink_is_never_followed(
    planted: str, client: Streamtape, fake_streamtape: FakeStreamtape, out: Path, tmp_path: Path
) -> None:
    content = os.urandom(300 * KIB)
    file_id = fake_streamtape.add_file("a.bin", content)
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    dest = out / "a.bin"
    partial, checkpoint, _lock = state_paths(dest, file_id)
    link = {"old_part": out / "a.bin.part", "partial": partial, "checkpoint": checkpoint}[planted]
    link.symlink_to(victim)

    client.files.download(file_id, dest)

    assert victim.read_bytes() == b"precious"
    assert not dest.is_symlink()
    assert dest.read_bytes() == content


def test_a_symlink_at_the_lock_is_refused(
    client: Streamtape, fake_streamtape: FakeStreamtape, out: Path, tmp_path: Path
) -> None:
    file_id = fake_streamtape.add_file("a.bin", b"abc")
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    dest = out / "a.bin"
    state_paths(dest, file_id)[2].symlink_to(victim)
    with pytest.raises(TransferError, match="symbolic link"):
        client.files.download(file_id, dest)
    assert victim.read_bytes() == b"precious"
    assert not dest.exists()


# -- case 5: every 206 is checked ------------------------------------------------------------


@pytest.mark.parametrize("bad", ["wrong_offset", "wrong_total", "ignore_range", "short"])
def test_case5_a_wrong_or_partial_206_is_never_appended(
    bad: str,
    client: Streamtape,
    sleep: FakeSleep,
    hosted: Callable[[bytes], tuple[str, LinkHost]],
    out: Path,
) -> None:
    content = os.urandom(400 * KIB)
    file_id, host = hosted(content)
    host.push("drop", bad, bad)
    dest = client.files.download(file_id, out / "f.bin")
    assert dest.read_bytes() == content
    assert _leftovers(out) == ["f.bin"]


def test_a_lying_206_is_caught_by_expected_sha256(
    client: Streamtape, sleep: FakeSleep, hosted: Callable[[bytes], tuple[str, LinkHost]], out: Path
) -> None:
    content = os.urandom(400 * KIB)
    file_id, host = hosted(content)
    host.push("drop", "lying_offset")
    with pytest.raises(IntegrityError, match="sha256"):
        client.files.download(
            file_id, out / "f.bin", expected_sha256=hashlib.sha256(content).hexdigest()
        )
    assert _leftovers(out) == []  # nothing published, the useless state removed


def test_a_file_changed_between_attempts_starts_over_with_if_range(
    client: Streamtape, sleep: FakeSleep, hosted: Callable[[bytes], tuple[str, LinkHost]], out: Path
) -> None:
    file_id, host = hosted(os.urandom(400 * KIB))
    first_etag = host.etag
    host.push("drop", "change")
    dest = client.files.download(file_id, out / "f.bin")
    assert dest.read_bytes() == host.content  # the new bytes, whole
    assert host.seen[1].if_range == first_etag
    assert host.seen[1].range is not None


# -- case 6: progress resets the failure count -----------------------------------------------


def test_case6_a_link_that_drops_every_256_kib_is_never_abandoned(
    client: Streamtape, fake_streamtape: FakeStreamtape, sleep: FakeSleep, out: Path
) -> None:
    content = os.urandom(5_100 * KIB)
    file_id = fake_streamtape.add_file("big.bin", content)
    fake_streamtape.inject("download", "drop", times=25)
    dest = client.files.download(file_id, out / "big.bin")
    assert dest.read_bytes() == content
    assert fake_streamtape.calls("download") >= 20  # more drops than the old limit of 10


def test_giving_up_states_the_bytes_kept(
    client: Streamtape, fake_streamtape: FakeStreamtape, sleep: FakeSleep, out: Path
) -> None:
    file_id = fake_streamtape.add_file("big.bin", os.urandom(1_000 * KIB))
    fake_streamtape.inject("download", "drop", times=2)
    fake_streamtape.inject("download", "http_503", times=4)
    dest = out / "big.bin"
    with pytest.raises(TransferError) as caught:
        client.files.download(file_id, dest)
    kept = state_paths(dest, file_id)[0].stat().st_size
    assert f"({kept} of {1_000 * KIB} bytes kept for a resume)" in str(caught.value)
    assert "4 times in a row without progress" in str(caught.value)


# -- case 7: 429 waits on the same link; only a refused link is renewed ----------------------


def test_case7_a_429_honours_retry_after_on_the_same_link(
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    sleep: FakeSleep,
    hosted: Callable[[bytes], tuple[str, LinkHost]],
    out: Path,
) -> None:
    content = os.urandom(100 * KIB)
    file_id, host = hosted(content)
    host.push("429", "429", "429")
    dest = client.files.download(file_id, out / "f.bin")
    assert dest.read_bytes() == content
    assert fake_streamtape.calls("/file/dlticket") == 1
    assert [s for s in sleep.calls if s > 0] == [7.0, 7.0, 7.0]


def test_a_refused_link_is_renewed_once_per_refusal(
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    sleep: FakeSleep,
    hosted: Callable[[bytes], tuple[str, LinkHost]],
    out: Path,
) -> None:
    content = os.urandom(100 * KIB)
    file_id, host = hosted(content)
    host.push("403", "503")
    dest = client.files.download(file_id, out / "f.bin")
    assert dest.read_bytes() == content
    assert fake_streamtape.calls("/file/dlticket") == 2  # the first, and one for the 403


def test_a_retry_after_beyond_the_policy_gives_up_at_once(
    fake_streamtape: FakeStreamtape, hosted: Callable[[bytes], tuple[str, LinkHost]], out: Path
) -> None:
    from streamtape_sdk import RetryPolicy

    file_id, host = hosted(os.urandom(10 * KIB))
    host.push("429")
    sleep = FakeSleep()
    with Streamtape(
        fake_streamtape.login,
        fake_streamtape.key,
        base_url=fake_streamtape.base_url,
        retry=RetryPolicy(max_retry_after=5.0),
    ) as client:
        client._transport.sleep = sleep
        with pytest.raises(TransferError, match="asked to wait 7 s"):
            client.files.download(file_id, out / "f.bin")
    assert sleep.calls == []


# -- case 8: unusable URLs -------------------------------------------------------------------


def _rewrite_links(monkeypatch: pytest.MonkeyPatch, **update: object) -> None:
    """Make every download link the SDK receives carry `update` (e.g. a hostile url or name)."""
    real = Files.get_download_link

    def get_link(self: Files, *args: object, **kwargs: object) -> DownloadLink:
        link = real(self, *args, **kwargs)  # type: ignore[arg-type]
        return link.model_copy(update=update)

    monkeypatch.setattr(Files, "get_download_link", get_link)


@pytest.mark.parametrize("url", ["", "http://", "htp://x", "/file/abc", "file.bin"])
def test_case8_an_unusable_link_is_a_response_format_error_at_once(
    url: str,
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    sleep: FakeSleep,
    monkeypatch: pytest.MonkeyPatch,
    out: Path,
) -> None:
    file_id = fake_streamtape.add_file("a.bin", b"abc")
    _rewrite_links(monkeypatch, url=url)
    with pytest.raises(ResponseFormatError, match="cannot be used"):
        client.files.download(file_id, out / "a.bin")
    assert sleep.calls == []
    assert fake_streamtape.calls("/file/dlticket") == 1
    assert _leftovers(out) == []


@pytest.mark.parametrize("url", ["", "http://", "htp://x", "/upload"])
def test_case8_an_unusable_upload_url_is_a_response_format_error_at_once(
    url: str,
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    sleep: FakeSleep,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    real = Files.get_upload_url

    def get_url(self: Files, *args: object, **kwargs: object) -> object:
        target = real(self, *args, **kwargs)  # type: ignore[arg-type]
        return target.model_copy(update={"url": url})

    monkeypatch.setattr(Files, "get_upload_url", get_url)
    source = tmp_path / "up.bin"
    source.write_bytes(b"abc")
    with pytest.raises(ResponseFormatError, match="cannot be used"):
        client.files.upload(source)
    assert sleep.calls == []


# -- cancellation and progress callbacks -----------------------------------------------------


def test_a_cancelled_download_keeps_its_state_and_resumes(
    client: Streamtape, fake_streamtape: FakeStreamtape, out: Path
) -> None:
    content = os.urandom(3 * 1024 * KIB)
    file_id = fake_streamtape.add_file("a.bin", content)
    token = CancelToken()

    def cancel_soon(done: int, total: int | None) -> None:
        token.cancel()

    dest = out / "a.bin"
    with pytest.raises(TransferCancelledError, match="resume"):
        client.files.download(file_id, dest, progress=cancel_soon, cancel=token)
    partial, checkpoint, lock = state_paths(dest, file_id)
    kept = partial.stat().st_size
    assert 0 < kept < len(content)
    assert checkpoint.exists()
    assert not lock.exists()
    assert not dest.exists()
    fake_streamtape.clear_requests_log()
    client.files.download(file_id, dest)
    assert dest.read_bytes() == content
    assert [r.range for r in fake_streamtape.requests_log if r.endpoint == "download"] == [
        f"bytes={kept}-"
    ]


def test_a_cancelled_token_stops_before_the_ticket(
    client: Streamtape, fake_streamtape: FakeStreamtape, out: Path
) -> None:
    file_id = fake_streamtape.add_file("a.bin", b"abc")
    token = CancelToken()
    token.cancel()
    with pytest.raises(TransferCancelledError):
        client.files.download(file_id, out, cancel=token)
    assert fake_streamtape.calls("/file/dlticket") == 0


def test_an_exception_from_progress_propagates_and_keeps_the_state(
    client: Streamtape, fake_streamtape: FakeStreamtape, out: Path
) -> None:
    content = os.urandom(2 * 1024 * KIB)
    file_id = fake_streamtape.add_file("a.bin", content)
    dest = out / "a.bin"
    with pytest.raises(StopError):
        client.files.download(file_id, dest, progress=_stop_after(1))
    partial, checkpoint, lock = state_paths(dest, file_id)
    assert partial.stat().st_size > 0
    assert checkpoint.exists()
    assert not lock.exists()
    client.files.download(file_id, dest)
    assert dest.read_bytes() == content


def test_upload_cancel_stops_between_chunks(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(4 * 1024 * KIB))
    token = CancelToken()
    seen: list[int] = []

    def progress(done: int, total: int | None) -> None:
        seen.append(done)
        if done > 0:
            token.cancel()

    with pytest.raises(TransferCancelledError, match="cancelled"):
        client.files.upload(source, progress=progress, cancel=token)
    assert max(seen) < source.stat().st_size


def test_remote_wait_cancel(
    client: Streamtape, monkeypatch: pytest.MonkeyPatch, fake_streamtape: FakeStreamtape
) -> None:
    job = client.remote.add("https://example.com/never.bin")
    real = Remote.status

    def running(self: Remote, upload_id: str, **kwargs: object) -> RemoteUploadStatus:
        status = real(self, upload_id, **kwargs)  # type: ignore[arg-type]
        return status.model_copy(update={"status": "downloading", "bytes_loaded": 1})

    monkeypatch.setattr(Remote, "status", running)
    token = CancelToken()
    polls: list[int | None] = []

    def progress(done: int, total: int | None) -> None:
        polls.append(done)
        token.cancel()

    with pytest.raises(TransferCancelledError, match="goes on on the server"):
        client.remote.wait(job.id, timeout=3600, progress=progress, cancel=token)
    assert len(polls) == 1


# -- overwrite, safe names, expected_sha256 --------------------------------------------------


def test_a_server_chosen_name_never_replaces_an_existing_file(
    client: Streamtape, fake_streamtape: FakeStreamtape, out: Path
) -> None:
    file_id = fake_streamtape.add_file("a.bin", b"new")
    (out / "a.bin").write_bytes(b"mine")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        client.files.download(file_id, out)
    assert (out / "a.bin").read_bytes() == b"mine"
    assert fake_streamtape.calls("download") == 0
    assert client.files.download(file_id, out, overwrite=True).read_bytes() == b"new"
    (out / "a.bin").write_bytes(b"mine")
    assert client.files.download(file_id, out / "a.bin").read_bytes() == b"new"  # explicit path


@pytest.mark.parametrize(
    ("served", "expected"),
    [
        ("a\x00b.mp4", "a_b.mp4"),
        ("...", None),
        ("..", None),
        ("x" * 300 + ".mp4", "x" * 251 + ".mp4"),
        ("é" * 200 + ".mkv", "é" * 125 + ".mkv"),
        ("line\nbreak.txt", "line_break.txt"),
    ],
)
def test_server_names_that_cannot_be_files_get_a_safe_name(
    served: str,
    expected: str | None,
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    monkeypatch: pytest.MonkeyPatch,
    out: Path,
) -> None:
    file_id = fake_streamtape.add_file("a.bin", b"abc")
    _rewrite_links(monkeypatch, name=served)
    path = client.files.download(file_id, out)
    assert path.name == (expected if expected is not None else file_id)
    assert len(path.name.encode()) <= 255
    assert path.read_bytes() == b"abc"
    assert _leftovers(out) == [path.name]


def test_expected_sha256(client: Streamtape, fake_streamtape: FakeStreamtape, out: Path) -> None:
    content = os.urandom(300 * KIB)
    file_id = fake_streamtape.add_file("a.bin", content)
    digest = hashlib.sha256(content).hexdigest()
    with pytest.raises(ValueError, match="64 hexadecimal"):
        client.files.download(file_id, out, expected_sha256="abc")
    assert fake_streamtape.calls("/file/dlticket") == 0
    with pytest.raises(IntegrityError, match="sha256"):
        client.files.download(file_id, out, expected_sha256="0" * 64)
    assert _leftovers(out) == []
    assert client.files.download(file_id, out, expected_sha256=digest.upper()).read_bytes() == (
        content
    )


def test_expected_sha256_covers_the_resumed_prefix(
    client: Streamtape, fake_streamtape: FakeStreamtape, out: Path
) -> None:
    content = os.urandom(2 * 1024 * KIB)
    file_id = fake_streamtape.add_file("a.bin", content)
    dest = out / "a.bin"
    with pytest.raises(StopError):
        client.files.download(file_id, dest, progress=_stop_after(1))
    partial = state_paths(dest, file_id)[0]
    with partial.open("r+b") as handle:  # corrupt the kept prefix on disk
        handle.write(b"\xff" * 16)
    digest = hashlib.sha256(content).hexdigest()
    with pytest.raises(IntegrityError, match="sha256"):
        client.files.download(file_id, dest, expected_sha256=digest)
    assert not dest.exists()
    assert client.files.download(file_id, dest, expected_sha256=digest).read_bytes() == content


# -- the emulator's link modes ---------------------------------------------------------------


@pytest.mark.parametrize("fault", ["range_ignored", "short_206", "wrong_offset_206", "http_429"])
def test_emulator_link_modes_after_a_drop_end_byte_identical(
    fault: str,
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    sleep: FakeSleep,
    out: Path,
) -> None:
    content = os.urandom(900 * KIB)
    file_id = fake_streamtape.add_file("a.bin", content)
    fake_streamtape.inject("download", "drop")
    fake_streamtape.inject("download", fault, times=2)
    dest = client.files.download(file_id, out / "a.bin")
    assert dest.read_bytes() == content
    assert _leftovers(out) == ["a.bin"]
    # A range_ignored reply carries the whole file: it ends the download at once.
    left = {"download": 1} if fault == "range_ignored" else {}
    assert fake_streamtape.pending_faults() == left
    fake_streamtape.reset_faults()  # the unfired one is expected: not a forgotten fault
    assert fake_streamtape.calls("/file/dlticket") == 1  # none of these renews the ticket
    if fault == "http_429":
        assert sleep.calls == [pytest.approx(sleep.calls[0]), 1.0, 1.0]  # Retry-After: 1


def test_emulator_content_replaced_between_attempts_is_fetched_whole(
    client: Streamtape, fake_streamtape: FakeStreamtape, sleep: FakeSleep, out: Path
) -> None:
    file_id = fake_streamtape.add_file("a.bin", os.urandom(800 * KIB))
    new = os.urandom(800 * KIB)  # same size: only the validator tells them apart
    fake_streamtape.inject("download", "drop")

    def replace_once(done: int, total: int | None) -> None:
        if fake_streamtape.file_bytes(file_id) != new:
            fake_streamtape.replace_file_content(file_id, new)

    dest = client.files.download(file_id, out / "a.bin", progress=replace_once)
    assert dest.read_bytes() == new
    gets = [r for r in fake_streamtape.requests_log if r.endpoint == "download"]
    assert len(gets) == 2
    assert gets[1].range is not None  # it asked for the tail, with If-Range...
    # ...and the emulator answered with the whole new file, which replaced the old prefix.


def test_a_complete_kept_partial_is_revalidated_before_it_is_published(
    client: Streamtape, fake_streamtape: FakeStreamtape, out: Path
) -> None:
    # Interrupted after the last byte arrived, then the file changed on the server: the kept
    # bytes are the old version and must not be published as the new one.
    file_id = fake_streamtape.add_file("a.bin", b"v1" * 150_000)

    def stop_at_the_end(done: int, total: int | None) -> None:
        if done == total:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        client.files.download(file_id, out / "a.bin", progress=stop_at_the_end)
    fake_streamtape.replace_file_content(file_id, b"v2" * 150_000)
    dest = client.files.download(file_id, out / "a.bin")
    assert dest.read_bytes() == b"v2" * 150_000
    assert _leftovers(out) == ["a.bin"]


def test_an_unchanged_complete_partial_costs_one_byte(
    client: Streamtape, fake_streamtape: FakeStreamtape, out: Path
) -> None:
    content = os.urandom(300 * KIB)
    file_id = fake_streamtape.add_file("a.bin", content)

    def stop_at_the_end(done: int, total: int | None) -> None:
        if done == total:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        client.files.download(file_id, out / "a.bin", progress=stop_at_the_end)
    fake_streamtape.clear_requests_log()
    assert client.files.download(file_id, out / "a.bin").read_bytes() == content
    [get] = [r for r in fake_streamtape.requests_log if r.endpoint == "download"]
    assert get.range == f"bytes={len(content) - 1}-"


def test_a_published_file_gets_the_umask_mode_not_the_private_partial_mode(
    client: Streamtape, fake_streamtape: FakeStreamtape, out: Path
) -> None:
    file_id = fake_streamtape.add_file("a.bin", b"data")
    old = os.umask(0o022)
    try:
        dest = client.files.download(file_id, out / "a.bin")
    finally:
        os.umask(old)
    assert dest.stat().st_mode & 0o777 == 0o644


def test_a_cancel_during_the_ticket_wait_stops_the_wait(
    fake_streamtape: FakeStreamtape, out: Path
) -> None:
    # The real clock and a ticket wait far beyond the test's timeout: only the token can end
    # the wait in time.
    fake_streamtape.set_wait_time(600)
    file_id = fake_streamtape.add_file("a.bin", b"data")
    token = CancelToken()
    threading.Timer(0.2, token.cancel).start()
    with (
        fake_streamtape.client() as client,
        pytest.raises(TransferCancelledError, match="download"),
    ):
        client.files.download(file_id, out / "a.bin", cancel=token)
    assert fake_streamtape.calls("/file/dl") == 0
    assert _leftovers(out) == []


def test_a_directory_named_like_the_file_is_refused_before_the_bytes(
    client: Streamtape, fake_streamtape: FakeStreamtape, out: Path
) -> None:
    file_id = fake_streamtape.add_file("a.bin", b"data")
    (out / "a.bin").mkdir()
    for overwrite in (False, True):
        with pytest.raises(IsADirectoryError, match="in the way"):
            client.files.download(file_id, out, overwrite=overwrite)
    assert fake_streamtape.calls("download") == 0
    assert _leftovers(out) == ["a.bin"]
