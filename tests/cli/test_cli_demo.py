"""`streamtape demo`: the whole tour runs green, reports failures by step, cleans up."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from streamtape_sdk.cli import _demo
from streamtape_sdk.testing import FakeStreamtape, Fault

from .clitools import Runner

STEP_TITLES = [
    "Account info",
    "Create a folder",
    "Generate 2.0 MiB file",
    "Upload",
    "List the folder",
    "Folder tree",
    "File info",
    "Download ticket",
    "Download link",
    "Download",
    "Verify sha256",
    "Remote upload",
    "Rename",
    "Move",
    "Delete",
    "Conversions",
    "Thumbnail",
    "Clean up",
]


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary files of the demo (and its emulator) go here, to check they are removed."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


@pytest.fixture
def no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the 3 s ticket waits (the real wait is covered by test_demo_small_runs_green)."""
    monkeypatch.setattr(_demo, "TICKET_WAIT", 0)


@pytest.mark.slow
def test_demo_small_runs_green(run: Runner, private_tmp: Path) -> None:
    result = run("demo", "--size-mb", "2")
    assert result.code == 0, result.err
    assert result.err == ""  # no bars or countdowns off a terminal
    lines = result.out.splitlines()
    for number, title in enumerate(STEP_TITLES, start=1):
        assert any(f"{number:>2}/18  {title}" in line for line in lines), title
    assert "wait_time 3 s" in result.out
    assert "identical to the original" in result.out
    assert "18/18 steps passed, 6.0 MiB moved" in result.out
    assert list(private_tmp.iterdir()) == []  # temp file, downloads, emulator storage: gone


@pytest.mark.usefixtures("no_wait", "private_tmp")
def test_demo_json_summary(run: Runner) -> None:
    result = run("demo", "--size-mb", "1", "--json")
    assert result.code == 0
    data = result.json
    assert isinstance(data, dict)
    assert data["ok"] is True
    assert data["error"] is None
    assert [step["title"] for step in data["steps"]][-1] == "Clean up"
    assert all(step["ok"] for step in data["steps"])
    assert data["bytes_uploaded"] == data["bytes_downloaded"] == data["bytes_remote"] == 1024**2


class _FailingRename(FakeStreamtape):
    """An emulator whose rename answers with an HTML page (not retried by the SDK)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def start(self) -> FakeStreamtape:
        super().start()
        self.inject("/file/rename", Fault.HTML_200, times=1)
        return self


@pytest.mark.usefixtures("no_wait")
def test_demo_failure_names_the_step_and_cleans_up(
    run: Runner, private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_demo, "FakeStreamtape", _FailingRename)
    result = run("demo", "--size-mb", "1")
    assert result.code == 1
    line = result.assert_one_error_line()
    assert line.startswith("streamtape: error: demo failed at step 13 (Rename): ")
    assert "demo failed at step 13/18 (Rename) after 12 passed steps" in result.out
    assert "14/18" not in result.out
    assert list(private_tmp.iterdir()) == []


@pytest.mark.usefixtures("no_wait", "private_tmp")
def test_demo_failure_json(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_demo, "FakeStreamtape", _FailingRename)
    result = run("demo", "--size-mb", "1", "--json")
    assert result.code == 1
    data = result.json
    assert isinstance(data, dict)
    assert data["ok"] is False
    assert data["steps"][-1] == {**data["steps"][-1], "title": "Rename", "ok": False}


@pytest.mark.slow
@pytest.mark.usefixtures("private_tmp")
def test_demo_default_size_is_quick(run: Runner) -> None:
    started = time.monotonic()
    result = run("demo")
    assert result.code == 0, result.err
    assert "18/18 steps passed, 150.0 MiB moved" in result.out
    assert time.monotonic() - started < 30


@pytest.mark.usefixtures("no_wait", "private_tmp")
def test_demo_debug_logs_mask_the_emulator_key(
    run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys: list[str] = []

    class _Recording(FakeStreamtape):
        def start(self) -> FakeStreamtape:
            keys.append(self.key)
            return super().start()

    monkeypatch.setattr(_demo, "FakeStreamtape", _Recording)
    result = run("demo", "--size-mb", "1", "--debug")
    assert result.code == 0
    assert "DEBUG" in result.err
    assert keys
    assert keys[0] not in result.err
    assert keys[0] not in result.out
