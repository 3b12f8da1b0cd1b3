"""The CLI and captcha tickets (streamtape-api.md §5.6 N10): a terminal is asked for the
answer; `--json` or no terminal fails with exit 1 and the captcha URL. Also the CLI wording
of SDK advice (`--timeout`, not `timeout=`)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from streamtape_sdk import APITimeoutError, OutcomeUnknownError
from streamtape_sdk.cli import _commands
from streamtape_sdk.cli._describe import describe
from streamtape_sdk.testing import FakeStreamtape
from tests.cli.clitools import Runner

ANSWER = "q7w3"


@pytest.fixture
def guarded(env: FakeStreamtape) -> str:
    file_id = env.add_file("guarded.bin", b"behind a captcha")
    env.require_captcha(file_id, answer=ANSWER)
    return file_id


@pytest.mark.parametrize("command", ["download", "link"])
@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_without_a_terminal_fails_with_the_captcha_url(
    run: Runner,
    env: FakeStreamtape,
    guarded: str,
    tmp_path: Path,
    command: str,
    json_flag: list[str],
) -> None:
    args = [command, guarded, *([str(tmp_path)] if command == "download" else []), *json_flag]
    result = run(*args)
    assert result.code == 1
    line = result.assert_one_error_line()
    assert f"{env.base_url}/captcha/" in line
    assert "STREAMTAPE_LOGIN" not in line
    assert "captcha_response=" not in line  # the CLI's advice, not the Python argument's
    assert "on a terminal" in line
    assert env.calls("/file/dl") == 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["download", "link"])
def test_on_a_terminal_it_asks_for_the_answer(
    run: Runner,
    env: FakeStreamtape,
    guarded: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    monkeypatch.setattr(_commands, "_is_terminal", lambda stream: True)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{ANSWER}\n"))
    args = [command, guarded, *([str(tmp_path)] if command == "download" else [])]
    result = run(*args)
    assert result.code == 0, result.err
    assert f"{env.base_url}/captcha/" in result.err
    assert "Type the characters" in result.err
    if command == "download":
        assert (tmp_path / "guarded.bin").read_bytes() == b"behind a captcha"
    else:
        assert result.out.strip().startswith(env.base_url)


def test_json_never_prompts(
    run: Runner, guarded: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_commands, "_is_terminal", lambda stream: True)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{ANSWER}\n"))
    result = run("download", guarded, str(tmp_path), "--json")
    assert result.code == 1
    assert "Type the characters" not in result.err


def test_cli_advice_names_its_own_options() -> None:
    error = OutcomeUnknownError(
        "creating folder 'x' may or may not have taken effect (...). A longer timeout= makes "
        "this less likely.",
        endpoint="/file/createfolder",
    )
    text = describe(error)
    assert "--timeout" in text
    assert "timeout=" not in text
    assert "--timeout" in describe(APITimeoutError("/x: no answer; raise timeout= or wait"))
