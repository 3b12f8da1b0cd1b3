"""Server strings are untrusted: walk paths stay inside the root, and the CLI's human output
escapes control characters while `--json` keeps them exact. Also: uploading from stdin."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path, PurePosixPath

import pytest
import responses

from streamtape_sdk import Streamtape
from streamtape_sdk.cli import main
from streamtape_sdk.cli._format import printable
from streamtape_sdk.testing import FakeStreamtape
from streamtape_sdk.transfers._names import safe_path_component
from tests.unit.conftest import add_json, make_client

HOSTILE_NAMES = ["..", ".", "/etc", "", "a\x00b", "a/../../b", "..\\..\\x", "\x1b[2J", "n" * 300]


def test_walk_paths_are_relative_and_inside_the_root(rsps: responses.RequestsMock) -> None:
    folders = [{"id": f"f{i}", "name": name} for i, name in enumerate(HOSTILE_NAMES)]
    add_json(rsps, "/file/listfolder", {"folders": folders, "files": []})
    add_json(rsps, "/file/listfolder", {"folders": [{"id": "deep", "name": ".."}], "files": []})
    add_json(rsps, "/file/listfolder", {"folders": [], "files": []})
    root = Path("/mirror")
    with make_client() as client:
        paths = [entry.path for entry in client.folders.walk()]
    assert paths[0] == ""
    assert len(paths) == len(HOSTILE_NAMES) + 2  # every folder, plus one nested ".."
    for path in paths[1:]:
        parts = PurePosixPath(path).parts
        assert not PurePosixPath(path).is_absolute(), path
        assert all(part not in ("", ".", "..") for part in parts), path
        assert not any(ord(ch) < 32 or ch == "\\" for ch in path), path
        assert all(len(part.encode()) <= 255 for part in parts), path
        joined = os.path.normpath(root / path)
        assert joined.startswith(str(root) + os.sep), path
    assert len(set(paths)) == len(paths)  # no two folders share a local path


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_safe_path_component(name: str) -> None:
    part = safe_path_component(name, "id1")
    assert part not in ("", ".", "..")
    assert "/" not in part
    assert "\\" not in part
    assert "\x00" not in part
    assert len(part.encode()) <= 255


def test_safe_names_are_unchanged() -> None:
    assert safe_path_component("Holidays 2024", "x") == "Holidays 2024"
    assert safe_path_component("..", "abc") == "_.. (abc)"


# -- CLI: human output escapes, --json is exact ---------------------------------------------------

EVIL = "evil\x1b]0;title\x07\x1b[2J\rFAKE\nROW\u202e\x9b"


def test_printable_escapes_what_terminals_act_on() -> None:
    assert printable(EVIL) == "evil\\x1b]0;title\\x07\\x1b[2J\\rFAKE\\nROW\\u202e\\x9b"
    assert printable("plain ünïcödé/name.mp4") == "plain ünïcödé/name.mp4"


@pytest.fixture
def evil_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeStreamtape, str]]:
    fake = FakeStreamtape(login="cliLogin", key="cliKey1234567", wait_time=0)
    fake.start()
    folder = fake.add_folder(EVIL)
    file_id = fake.add_file(EVIL + ".mp4", b"abc", folder=None)
    fake.add_file("inner" + EVIL, b"x", folder=folder)
    monkeypatch.setenv("STREAMTAPE_BASE_URL", fake.base_url)
    monkeypatch.setenv("STREAMTAPE_LOGIN", fake.login)
    monkeypatch.setenv("STREAMTAPE_KEY", fake.key)
    yield fake, file_id
    fake.stop()


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("command", [["ls"], ["tree"], ["info", "{id}"]])
def test_cli_human_output_escapes_control_characters(
    evil_env: tuple[FakeStreamtape, str], command: list[str]
) -> None:
    _, file_id = evil_env
    argv = [part.format(id=file_id) for part in command]
    code, out, _ = _run(*argv)
    assert code == 0
    for raw in ("\x1b", "\r", "\x07", "\u202e", "\x9b"):
        assert raw not in out
    assert "evil\\x1b]0;title" in out
    assert "FAKE\\nROW" in out  # one row, not a forged second one
    code, out, _ = _run("--json", *argv)
    assert code == 0
    assert "\x1b" not in out  # JSON escapes C0 controls itself
    assert "\x9b" not in out  # and C1 / bidi ones are written as \\uXXXX escapes
    assert "\u202e" not in out
    assert _contains(json.loads(out), EVIL)  # the exact string, once decoded


def _contains(data: object, text: str) -> bool:
    """Whether `text` is (part of) some string inside a decoded JSON document."""
    if isinstance(data, str):
        return text in data
    if isinstance(data, dict):
        return any(_contains(k, text) or _contains(v, text) for k, v in data.items())
    if isinstance(data, list):
        return any(_contains(item, text) for item in data)
    return False


def test_cli_json_strings_are_exact(evil_env: tuple[FakeStreamtape, str]) -> None:
    _, file_id = evil_env
    code, out, _ = _run("--json", "info", file_id)
    assert code == 0
    data = json.loads(out)
    names = [entry["name"] for entry in (data.values() if isinstance(data, dict) else data)]
    assert names == [EVIL + ".mp4"]


# -- uploading from stdin / a pipe ----------------------------------------------------------------


def test_upload_from_stdin_is_spooled(
    streamtape_client: Streamtape,
    fake_streamtape: FakeStreamtape,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    payload = os.urandom(3000)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(payload)))
    uploaded = streamtape_client.files.upload("-", name="piped.bin")
    assert uploaded.name == "piped.bin"
    assert uploaded.size == len(payload)
    assert fake_streamtape.file_bytes(uploaded.id) == payload


def test_upload_from_stdin_needs_a_name(streamtape_client: Streamtape) -> None:
    with pytest.raises(ValueError, match="name="):
        streamtape_client.files.upload("-")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX only")
def test_upload_from_a_pipe_path(
    streamtape_client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b"through a pipe")
    os.close(write_end)
    uploaded = streamtape_client.files.upload(f"/dev/fd/{read_end}", name="pipe.txt")
    os.close(read_end)
    assert uploaded.size == len(b"through a pipe")
    assert fake_streamtape.file_bytes(uploaded.id) == b"through a pipe"


def test_non_seekable_stream_is_spooled(
    streamtape_client: Streamtape, fake_streamtape: FakeStreamtape
) -> None:
    class Stream(io.RawIOBase):
        def __init__(self) -> None:
            self.left = b"streamed bytes"

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            n = min(len(buffer), len(self.left), 3)
            buffer[:n], self.left = self.left[:n], self.left[n:]
            return n

    stream = io.BufferedReader(Stream())  # type: ignore[type-var]
    uploaded = streamtape_client.files.upload(stream, name="s.bin")
    assert fake_streamtape.file_bytes(uploaded.id) == b"streamed bytes"
