"""Real processes: `python -m streamtape_sdk`, the console script, and `fake-server`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from streamtape_sdk import __version__
from streamtape_sdk.testing import FakeStreamtape

from .clitools import KEY

CLI = [sys.executable, "-m", "streamtape_sdk"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMTAPE_")}
    return {**env, **extra}


def _cli(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *argv], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_version() -> None:
    done = _cli("--version", env=_env())
    assert done.returncode == 0
    assert done.stdout.strip() == f"streamtape {__version__}"


def test_ls_json_against_the_emulator(fake: FakeStreamtape) -> None:
    fake.add_file("clip.mp4", b"abc")
    env = _env(
        STREAMTAPE_BASE_URL=fake.base_url, STREAMTAPE_LOGIN=fake.login, STREAMTAPE_KEY=fake.key
    )
    done = _cli("ls", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["files"][0]["name"] == "clip.mp4"
    assert done.stderr == ""


def test_missing_credentials_one_line() -> None:
    done = _cli("account", env=_env())
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("streamtape: error: no API credentials")


def test_wrong_key_one_line_without_the_key(fake: FakeStreamtape) -> None:
    env = _env(STREAMTAPE_BASE_URL=fake.base_url, STREAMTAPE_LOGIN=fake.login)
    done = _cli("ls", "--key", "Yy7SomeOtherKey9", env=env)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "Yy7SomeOtherKey9" not in done.stderr
    assert "Traceback" not in done.stderr


def test_usage_error_exit_2() -> None:
    done = _cli("upload", env=_env())
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1


def test_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("streamtape")
    if not script.exists():
        pytest.skip("the console script is not installed in this environment")
    done = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0
    assert "demo" in done.stdout


@pytest.fixture
def fake_server() -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    """`streamtape fake-server --port 0` running; yields it and the env lines it printed."""
    proc = subprocess.Popen(
        [*CLI, "fake-server", "--port", "0", "--wait-time", "0"],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        settings: dict[str, str] = {}
        assert proc.stdout is not None
        while "STREAMTAPE_KEY" not in settings:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "fake-server exited"
            name, sep, value = line.strip().removeprefix("export ").partition("=")
            if sep:
                settings[name] = value
        yield proc, settings
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_fake_server_serves_the_cli_and_stops_on_ctrl_c(
    fake_server: tuple[subprocess.Popen[str], dict[str, str]],
) -> None:
    proc, settings = fake_server
    done = _cli("account", "--json", env=_env(**settings))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["email"] == "dev@example.com"
    assert KEY not in done.stdout
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 0
