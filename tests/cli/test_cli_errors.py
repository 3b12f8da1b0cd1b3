"""Failures: one `error:` line on stderr, the right exit status, no traceback, no key."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from streamtape_sdk.cli import _commands
from streamtape_sdk.cli._output import Outcome
from streamtape_sdk.testing import FakeStreamtape, Fault

from .clitools import KEY, WRONG_KEY, Run, Runner


def _one_line(result: Run, code: int = 1) -> str:
    assert result.code == code
    return result.assert_one_error_line()


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    "argv",
    [
        ["info", "NoSuchFile0000", "--json"],
        ["link", "NoSuchFile0000"],
        ["download", "NoSuchFile0000"],
        ["rename", "NoSuchFile0000", "x"],
        ["mv", "NoSuchFile0000", "NoSuchFolder"],
        ["rm", "NoSuchFile0000"],
        ["thumbnail", "NoSuchFile0000"],
        ["ls", "NoSuchFolder"],
        ["tree", "NoSuchFolder"],
        ["rmdir", "NoSuchFolder"],
        ["rename-folder", "NoSuchFolder", "x"],
        ["mkdir", "x", "--parent", "NoSuchFolder"],
        ["remote", "status", "NoSuchRemote"],
        ["remote", "rm", "NoSuchRemote"],
    ],
)
def test_unknown_ids(run: Runner, argv: list[str]) -> None:
    line = _one_line(run(*argv))
    assert line.startswith("streamtape: error: ")


@pytest.mark.usefixtures("env")
def test_unknown_file_says_not_found(run: Runner) -> None:
    line = _one_line(run("link", "NoSuchFile0000"))
    assert "not found" in line.lower()


def test_wrong_key(run: Runner, env: FakeStreamtape, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMTAPE_KEY", WRONG_KEY)
    line = _one_line(run("account"))
    assert "403" in line
    assert WRONG_KEY not in line


def test_wrong_key_on_the_command_line(run: Runner, env: FakeStreamtape) -> None:
    result = run("ls", "--key", WRONG_KEY)
    assert WRONG_KEY not in _one_line(result)


@pytest.mark.usefixtures("no_env")
def test_missing_credentials_names_flags_and_env(run: Runner) -> None:
    line = _one_line(run("account"))
    assert "--login" in line
    assert "STREAMTAPE_KEY" in line


@pytest.mark.usefixtures("no_env")
def test_only_login_is_still_missing_credentials(run: Runner) -> None:
    line = _one_line(run("ls", "--login", "someone"))
    assert "no API credentials" in line


@pytest.mark.usefixtures("env")
def test_missing_upload_path(run: Runner, tmp_path: Path) -> None:
    line = _one_line(run("upload", str(tmp_path / "nope.mp4")))
    assert "nope.mp4" in line
    assert "no such file" in line


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    "argv",
    [
        ["ls", "--bogus"],
        ["frobnicate"],
        [],
        ["info"],
        ["remote"],
        ["--timeout", "-1", "ls"],
        ["demo", "--size-mb", "0"],
    ],
)
def test_usage_errors_exit_2_with_one_line(run: Runner, argv: list[str]) -> None:
    result = run(*argv)
    line = _one_line(result, code=2)
    assert "--help" in line


@pytest.mark.usefixtures("env")
def test_name_with_several_paths_is_a_usage_error(run: Runner, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"a")
    b.write_bytes(b"b")
    line = _one_line(run("upload", str(a), str(b), "--name", "x"), code=2)
    assert line == "streamtape upload: error: --name can only be used with a single PATH"


def test_connection_refused(run: Runner, no_env: None) -> None:
    result = run("account", "--login", "l", "--key", KEY, "--base-url", "http://127.0.0.1:9")
    line = _one_line(result)
    assert "streamtape: error:" in line


def test_html_page_instead_of_json(run: Runner, env: FakeStreamtape) -> None:
    env.inject("/account/info", Fault.HTML_200, times=1)
    line = _one_line(run("account"))
    assert "account/info" in line


def test_debug_shows_traceback_and_logs_but_not_the_key(run: Runner, env: FakeStreamtape) -> None:
    result = run("info", "NoSuchFile0000", "x", "--debug")  # `run` asserts KEY is absent
    assert result.code == 1
    assert "DEBUG" in result.err
    assert "key=***" in result.err
    assert KEY not in result.err
    result = run("link", "NoSuchFile0000", "--debug")
    assert "Traceback" in result.err
    assert result.err.rstrip().splitlines()[-1].startswith("streamtape: error:")


def test_keyboard_interrupt_exits_130(
    run: Runner, env: FakeStreamtape, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(ctx: object, args: argparse.Namespace) -> Outcome:
        raise KeyboardInterrupt

    monkeypatch.setitem(_commands.COMMANDS, "account", interrupted)
    result = run("account")
    assert result.code == 130
    assert result.err_lines == ["streamtape: interrupted"]


def test_unexpected_exception_is_one_line(
    run: Runner, env: FakeStreamtape, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(ctx: object, args: argparse.Namespace) -> Outcome:
        raise LookupError("boom\nsecond line")

    monkeypatch.setitem(_commands.COMMANDS, "account", broken)
    line = _one_line(run("account"))
    assert line == (
        "streamtape: error: unexpected LookupError: boom second line "
        "(run with --debug for a traceback)"
    )


def test_key_never_printed_even_if_a_model_echoes_it(
    run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The API documents `apiid` as "your api key": if it ever is, the CLI must mask it.
    with FakeStreamtape(login=KEY, key=KEY) as fake:
        monkeypatch.setenv("STREAMTAPE_BASE_URL", fake.base_url)
        monkeypatch.setenv("STREAMTAPE_LOGIN", fake.login)
        monkeypatch.setenv("STREAMTAPE_KEY", fake.key)
        human = run("account")
        as_json = run("account", "--json")
    assert "***" in human.out
    data = as_json.json
    assert isinstance(data, dict)
    assert data["api_id"] == "***"
    assert data["email"] == "dev@example.com"
