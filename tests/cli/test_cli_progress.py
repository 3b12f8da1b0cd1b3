"""Progress bars, spinners and countdowns: drawn only on a terminal, never with --quiet."""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import pytest

from streamtape_sdk.cli import _progress
from streamtape_sdk.cli._output import CLIError
from streamtape_sdk.cli._progress import ProgressBar, countdown, interactive
from streamtape_sdk.testing import FakeStreamtape

from .clitools import Runner


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend stdout and stderr are terminals (capsys streams are not)."""
    monkeypatch.setattr(_progress, "_is_terminal", lambda stream: True)


def test_not_interactive_when_captured() -> None:
    assert interactive(quiet=False) is False


@pytest.mark.usefixtures("terminal")
def test_interactive_on_a_terminal_unless_quiet() -> None:
    assert interactive(quiet=False) is True
    assert interactive(quiet=True) is False


def test_disabled_bar_draws_nothing_but_counts() -> None:
    stream = io.StringIO()
    with ProgressBar("upload x", enabled=False, waiting="wait", stream=stream) as bar:
        bar(5, 10)
    assert stream.getvalue() == ""
    assert bar.last_done == 5


def test_enabled_bar_draws_bytes_and_moves_to_absolute_positions() -> None:
    stream = io.StringIO()
    with ProgressBar("upload x", enabled=True, stream=stream) as bar:
        bar(4096, 8192)
        bar(6144, 8192)  # absolute: a resumed download starts above zero
        bar(8192, 8192)
    text = stream.getvalue()
    assert "upload x" in text
    assert "/8.00k" in text  # binary-scaled bytes (tqdm throttles the redraws in between)


def test_bar_learns_the_total_late() -> None:
    stream = io.StringIO()
    with ProgressBar("remote x", enabled=True, stream=stream) as bar:
        bar(10, None)
        bar(20, 40)
    assert "/40" in stream.getvalue()


def test_spinner_ticks_until_bytes_move() -> None:
    stream = io.StringIO()
    with ProgressBar(
        "download x", enabled=True, waiting="Waiting for ticket...", stream=stream
    ) as bar:
        time.sleep(0.3)
        bar(1, 2)
    text = stream.getvalue()
    assert "Waiting for ticket... 0s" in text
    assert text.index("Waiting for ticket") < text.index("download x")


def test_countdown_counts_down_with_the_clock() -> None:
    stream = io.StringIO()
    left = [2.5]

    def sleep(seconds: float) -> None:
        left[0] -= seconds

    countdown(lambda: left[0], "Waiting:", enabled=True, stream=stream, sleep=sleep)
    text = stream.getvalue()
    assert "Waiting: 3s" in text
    assert "Waiting: 1s" in text
    assert text.endswith("\r\x1b[K")


def test_countdown_disabled_returns_at_once() -> None:
    stream = io.StringIO()
    countdown(lambda: 100.0, "Waiting:", enabled=False, stream=stream)
    assert stream.getvalue() == ""


def test_missing_tqdm_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with pytest.raises(CLIError, match=r"pip install 'streamtape-sdk\[cli\]'"):
        ProgressBar("x", enabled=True)
    ProgressBar("x", enabled=False)  # hidden bars never need tqdm


@pytest.mark.usefixtures("env", "terminal")
def test_upload_draws_a_bar_on_stderr_only(run: Runner, tmp_path: Path) -> None:
    path = tmp_path / "movie.bin"
    path.write_bytes(b"m" * 300_000)
    result = run("upload", str(path))
    assert result.code == 0
    assert "upload movie.bin" in result.err
    assert "upload movie.bin" not in result.out
    assert "movie.bin" in result.out


@pytest.mark.usefixtures("env", "terminal")
def test_quiet_hides_the_bar(run: Runner, tmp_path: Path) -> None:
    path = tmp_path / "movie.bin"
    path.write_bytes(b"m" * 1000)
    result = run("upload", str(path), "--quiet")
    assert result.code == 0
    assert result.err == ""


@pytest.mark.usefixtures("env", "terminal")
def test_download_bar(run: Runner, env: FakeStreamtape, tmp_path: Path) -> None:
    file_id = env.add_file("clip.mp4", b"c" * 100_000)
    result = run("download", file_id, str(tmp_path))
    assert result.code == 0
    assert f"download {file_id}" in result.err


@pytest.mark.usefixtures("env", "terminal")
def test_remote_wait_bar(run: Runner, env: FakeStreamtape) -> None:
    source = env.add_file("source.bin", b"s" * 100_000)
    url = run("link", source).out.strip()
    result = run("remote", "add", url, "--wait")
    assert result.code == 0
    assert "remote " in result.err


@pytest.mark.usefixtures("env", "terminal")
def test_link_counts_the_ticket_down(run: Runner, env: FakeStreamtape) -> None:
    env.set_wait_time(1)
    file_id = env.add_file("clip.mp4", b"c")
    result = run("link", file_id)
    assert result.code == 0
    assert "Waiting for the download ticket: 1s" in result.err
    assert result.out.strip().endswith("/clip.mp4")


@pytest.mark.usefixtures("env", "terminal")
def test_missing_tqdm_fails_the_command_in_one_line(
    run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    path = tmp_path / "a.bin"
    path.write_bytes(b"a")
    result = run("upload", str(path))
    assert result.code == 1
    assert "--quiet" in result.assert_one_error_line()
    assert run("upload", str(path), "--quiet").code == 0
