"""Every `examples/*.py` script runs against a started emulator and prints what the docs say.

Each script takes its client from the environment (`Streamtape()`), so it runs in a
subprocess whose `STREAMTAPE_LOGIN`, `STREAMTAPE_KEY` and `STREAMTAPE_BASE_URL` point at the
`fake_streamtape` fixture.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from streamtape_sdk.testing import FakeStreamtape

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: Scripts and the arguments each needs; a new example must be added here.
SCRIPTS = {
    "quickstart.py",
    "upload_and_download.py",
    "remote_upload.py",
    "walk_tree.py",
    "error_handling.py",
    "async_bot.py",
}


def run_example(
    fake: FakeStreamtape, script: str, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        STREAMTAPE_LOGIN=fake.login,
        STREAMTAPE_KEY=fake.key,
        STREAMTAPE_BASE_URL=fake.base_url,
    )
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def assert_ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[str]:
    """A loopback HTTP server (the emulator fetches remote uploads from loopback only)."""
    root = tmp_path / "served"
    root.mkdir()
    (root / "movie.mp4").write_bytes(b"m" * 300_000)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))

    class Quiet(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass

    server = Quiet(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/movie.mp4"
    finally:
        server.shutdown()
        server.server_close()


def test_every_example_is_covered() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == SCRIPTS


def test_quickstart(fake_streamtape: FakeStreamtape) -> None:
    fake_streamtape.add_folder("Videos")
    fake_streamtape.add_file("clip.mp4", b"x" * 1000)
    out = assert_ok(run_example(fake_streamtape, "quickstart.py"))
    assert "account: dev@example.com" in out
    assert "root: 1 folders, 1 files" in out
    assert "[dir]  Videos" in out
    assert "[file] clip.mp4  1000 bytes" in out
    assert "1 of 1 files converted" in out


def test_upload_and_download(fake_streamtape: FakeStreamtape) -> None:
    out = assert_ok(run_example(fake_streamtape, "upload_and_download.py"))
    assert "uploading sample.bin" in out
    assert "100% of 3145728 bytes" in out
    assert "size=3145728" in out
    assert "downloaded to sample.bin: identical" in out
    (stored,) = fake_streamtape.files()
    assert stored.name == "sample.bin"
    assert stored.size == 3 * 1024 * 1024


def test_upload_and_download_given_path(fake_streamtape: FakeStreamtape, tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("hello streamtape\n")
    out = assert_ok(run_example(fake_streamtape, "upload_and_download.py", str(source)))
    assert "downloaded to notes.txt: identical" in out


def test_remote_upload(fake_streamtape: FakeStreamtape, file_server: str) -> None:
    out = assert_ok(run_example(fake_streamtape, "remote_upload.py", file_server, "movie.mp4"))
    assert "queued remote upload" in out
    assert "finished: file id" in out
    (stored,) = fake_streamtape.files()
    assert stored.name == "movie.mp4"
    assert stored.size == 300_000
    assert fake_streamtape.remote_uploads() == []  # removed after finishing


def test_remote_upload_failure(fake_streamtape: FakeStreamtape) -> None:
    # The emulator fetches loopback URLs only; anything else ends in status "error".
    result = run_example(fake_streamtape, "remote_upload.py", "https://example.com/video.mp4")
    assert result.returncode == 1
    assert "failed:" in result.stderr


def test_remote_upload_usage(fake_streamtape: FakeStreamtape) -> None:
    result = run_example(fake_streamtape, "remote_upload.py")
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_walk_tree(fake_streamtape: FakeStreamtape) -> None:
    videos = fake_streamtape.add_folder("Videos")
    fake_streamtape.add_file("a.mp4", b"a" * 1500, folder=videos)
    year = fake_streamtape.add_folder("2024", parent=videos)
    fake_streamtape.add_file("b.mp4", b"b" * 2500, folder=year)
    fake_streamtape.add_file("readme.txt", b"r" * 10)
    out = assert_ok(run_example(fake_streamtape, "walk_tree.py"))
    lines = out.splitlines()
    assert lines.index("/") < lines.index("/Videos") < lines.index("/Videos/2024")
    assert "         1,500  a.mp4" in out
    assert "3 files, 4,010 bytes" in out


def test_error_handling(fake_streamtape: FakeStreamtape) -> None:
    out = assert_ok(run_example(fake_streamtape, "error_handling.py"))
    assert "NotFoundError: status=404 endpoint=/file/dlticket" in out
    assert "file/info entry: exists=False status=404 name=None" in out
    assert "PermissionDeniedError: status=403" in out
    assert "MissingCredentialsError" in out
    assert "NotFoundError: status=404 message=" in out
    assert fake_streamtape.key not in out


def test_async_bot(fake_streamtape: FakeStreamtape) -> None:
    out = assert_ok(run_example(fake_streamtape, "async_bot.py"))
    assert "account: dev@example.com" in out
    assert "uploaded clip.bin: 2097152 bytes" in out
    assert "info of 1 file" in out
    assert "/async-demo: 1 files" in out
    assert "download cancelled; the client stays usable" in out
    assert "downloaded back.bin: identical" in out
    assert fake_streamtape.key not in out
