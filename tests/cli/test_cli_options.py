"""Global options: accepted before or after the command, environment fallbacks, --version."""

from __future__ import annotations

import pytest

from streamtape_sdk import __version__
from streamtape_sdk.cli._context import Settings
from streamtape_sdk.cli._parser import build_parser
from streamtape_sdk.testing import FakeStreamtape

from .clitools import KEY, LOGIN, Runner


def _settings(*argv: str) -> Settings:
    return Settings.from_args(build_parser().parse_args(list(argv)))


@pytest.mark.usefixtures("no_env")
@pytest.mark.parametrize(
    "argv",
    [
        ["--json", "--quiet", "--login", "L", "--key", "K", "--timeout", "5", "ls"],
        ["ls", "--json", "--quiet", "--login", "L", "--key", "K", "--timeout", "5"],
        ["--json", "--login", "L", "ls", "--quiet", "--key", "K", "--timeout", "5"],
        ["--login", "L", "--key", "K", "remote", "--json", "ls", "--quiet", "--timeout", "5"],
    ],
)
def test_global_options_before_or_after_the_command(argv: list[str]) -> None:
    settings = _settings(*argv)
    assert settings.json
    assert settings.quiet
    assert (settings.login, settings.key, settings.timeout) == ("L", "K", 5.0)


@pytest.mark.usefixtures("no_env")
def test_options_after_the_command_do_not_clobber_earlier_ones() -> None:
    settings = _settings("--json", "--login", "L", "ls")
    assert settings.json
    assert settings.login == "L"


def test_environment_fills_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMTAPE_LOGIN", "env-login")
    monkeypatch.setenv("STREAMTAPE_KEY", "env-key")
    monkeypatch.setenv("STREAMTAPE_BASE_URL", "http://env")
    assert _settings("ls") == Settings(
        "env-login", "env-key", "http://env", None, False, False, False
    )
    flags = _settings("ls", "--login", "flag", "--base-url", "http://flag")
    assert (flags.login, flags.key, flags.base_url) == ("flag", "env-key", "http://flag")


@pytest.mark.usefixtures("no_env")
def test_credentials_and_base_url_from_flags(run: Runner, fake: FakeStreamtape) -> None:
    result = run("account", "--login", LOGIN, "--key", KEY, "--base-url", fake.base_url)
    assert result.code == 0
    assert "dev@example.com" in result.out


@pytest.mark.usefixtures("env")
def test_timeout_flag_reaches_the_client(run: Runner) -> None:
    assert run("--timeout", "2.5", "account").code == 0


@pytest.mark.parametrize("argv", [["--version"], ["ls", "--version"]])
def test_version(run: Runner, argv: list[str]) -> None:
    result = run(*argv)
    assert result.code == 0
    assert result.out.strip() == f"streamtape {__version__}"


def test_help_lists_every_command(run: Runner) -> None:
    result = run("--help")
    assert result.code == 0
    for command in (
        "account", "ls", "tree", "info", "upload", "download", "link", "remote", "mkdir",
        "rename", "mv", "rm", "rmdir", "rename-folder", "conversions", "thumbnail",
        "fake-server", "demo",
    ):  # fmt: skip
        assert f"    {command}" in result.out


def test_remote_help_lists_actions(run: Runner) -> None:
    out = run("remote", "--help").out
    for action in ("add", "status", "ls", "rm"):
        assert f"    {action}" in out


def test_json_none_result_is_ok_true(run: Runner, env: FakeStreamtape) -> None:
    file_id = env.add_file("a.bin", b"a")
    assert run("rename", file_id, "b.bin", "--json").out.strip() == '{\n  "ok": true\n}'


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["mkdir", "x", "--parent", "-dTokDi_X-Q"], "parent"),
        (["rmdir", "-dTokDi_X-Q"], "folders"),
        (["ls", "-dTokDi_X-Q", "--json"], "folder"),
        (["remote", "status", "-abc_def-gh"], "id"),
    ],
)
def test_ids_starting_with_a_dash_are_values(argv: list[str], field: str) -> None:
    """Folder and remote ids are base64url and may start with "-" (1 in 64 do)."""
    value = getattr(build_parser().parse_args(argv), field)
    expected = argv[-1 if argv[-1] != "--json" else -2]
    assert value == ([expected] if isinstance(value, list) else expected)


def test_unknown_long_options_are_still_usage_errors(run: Runner) -> None:
    result = run("ls", "--bogus")
    assert result.code == 2
    assert "unrecognized arguments: --bogus" in result.err
