"""The parser's option-value convention: words that start with "-" but name no option are values.

Folder and remote-upload ids are base64url, so 1 in 64 starts with "-". The parser tells them
from options with argparse's public interface only (no private method or attribute), the same
way on every supported Python.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import streamtape_sdk.cli
from streamtape_sdk.cli._parser import _Parser, build_parser

from .clitools import Runner

#: base64url, the alphabet of folder and remote-upload ids.
_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#: An id that starts with one "-" (ids starting with "--" read as long options: see docs/cli.md).
dash_ids = st.text(_B64URL, min_size=5, max_size=24).map(lambda tail: "-" + tail.lstrip("-") + "x")


def _parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


@pytest.mark.parametrize(
    ("argv", "field", "expected"),
    [
        (["rmdir", "-dTokDi_X-Q"], "folders", ["-dTokDi_X-Q"]),
        (["mkdir", "X", "--parent", "-dTokDi_X-Q"], "parent", "-dTokDi_X-Q"),
        (["mkdir", "X", "--parent=-dTokDi_X-Q"], "parent", "-dTokDi_X-Q"),
        (["ls", "--json", "--", "-dTokDi_X-Q"], "folder", "-dTokDi_X-Q"),
        # "-h" followed by more is an id, not help with an attached argument.
        (["ls", "-hXYZ_123ab"], "folder", "-hXYZ_123ab"),
        (["rename-folder", "-vQ3", "-new name"], "name", "-new name"),
        (["rm", "A", "-B_b", "C"], "files", ["A", "-B_b", "C"]),
        (["remote", "rm", "-abc_def-gh"], "id", "-abc_def-gh"),
        (["remote", "add", "http://h/x", "--folder", "-F1", "--header", "-X: 1"], "folder", "-F1"),
        (["upload", "a.bin", "--name", "-dash.bin"], "name", "-dash.bin"),
        (["--login", "-L0gin", "ls"], "login", "-L0gin"),
        (["ls", "--key", "-K3y_value"], "key", "-K3y_value"),
        (["info", "-123456"], "files", ["-123456"]),
    ],
)
def test_words_starting_with_a_dash_that_name_no_option_are_values(
    argv: list[str], field: str, expected: object
) -> None:
    assert getattr(_parse(*argv), field) == expected


_PARSER = build_parser()


@settings(max_examples=60, deadline=None)  # a shared 2-core machine: no timing assertions
@given(folder=dash_ids, parent=dash_ids)
def test_any_dash_id_is_a_value_in_every_position(folder: str, parent: str) -> None:
    assert _PARSER.parse_args(["rmdir", folder]).folders == [folder]
    assert _PARSER.parse_args(["mkdir", folder, "--parent", parent]).parent == parent
    files = _PARSER.parse_args(["rm", "A", folder, parent, "--json"]).files
    assert files == ["A", folder, parent]


def test_options_around_dash_ids_keep_their_meaning() -> None:
    args = _parse("--json", "mkdir", "-n", "--parent", "-P", "--quiet", "--timeout", "2")
    assert (args.name, args.parent, args.json, args.quiet, args.timeout) == (
        "-n",
        "-P",
        True,
        True,
        2.0,
    )


@pytest.mark.parametrize("argv", [["ls", "--bogus"], ["rmdir", "-dTok", "--bogus"]])
def test_unknown_long_options_remain_usage_errors(run: Runner, argv: list[str]) -> None:
    result = run(*argv)
    assert result.code == 2
    assert "unrecognized arguments: --bogus" in result.assert_one_error_line()


def test_an_option_without_its_value_is_a_usage_error(run: Runner) -> None:
    result = run("mkdir", "X", "--parent")
    assert result.code == 2
    assert "--parent: expected one argument" in result.assert_one_error_line()


@pytest.mark.parametrize(
    ("argv", "quoted"),
    [
        (["--timeout", "-abc", "ls"], "not a number: '-abc'"),
        (["fake-server", "--port", "-p0rt"], "invalid int value: '-p0rt'"),
        (["-dTokDi_X-Q"], "invalid choice: '-dTokDi_X-Q'"),
    ],
)
def test_errors_quote_the_word_as_typed(run: Runner, argv: list[str], quoted: str) -> None:
    result = run(*argv)
    assert result.code == 2
    line = result.assert_one_error_line()
    assert quoted in line
    assert "\\x00" not in line
    assert "\x00" not in line


def test_short_help_still_works(run: Runner) -> None:
    result = run("rmdir", "-h")
    assert result.code == 0
    assert result.out.startswith("usage: streamtape rmdir")


def test_new_options_need_no_special_case() -> None:
    """Options added later (here a short flag and a short option with a value, declared on a
    command's parser) are recognised from the root, where the command line is read."""
    root = _Parser(prog="tool")
    commands = root.add_subparsers(dest="command", required=True)
    child = commands.add_parser("get", short_options=root.short_options)
    child.add_argument("-r", "--recursive", action="store_true")
    child.add_argument("-j", "--jobs", type=int, default=1)
    child.add_argument("ids", nargs="+")
    args = root.parse_args(["get", "-r", "-j", "4", "-dTok"])
    assert (args.recursive, args.jobs, args.ids) == (True, 4, ["-dTok"])
    args = root.parse_args(["get", "-j8", "-rX", "-r"])
    # "-j8" is -j with its value attached; "-rX" is no option ("-r" takes none): a value.
    assert (args.recursive, args.jobs, args.ids) == (True, 8, ["-rX"])


def test_every_short_option_in_the_help_is_tracked(capsys: pytest.CaptureFixture[str]) -> None:
    """A short option added where the parser cannot see it (a group's add_argument without
    `track`) would be read as a value; the help texts show every option there is."""
    parser = build_parser()
    assert isinstance(parser, _Parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--help"])
    top = capsys.readouterr().out
    commands = re.findall(r"^ {4}([a-z][a-z-]+) ", top, flags=re.MULTILINE)
    assert {"ls", "rmdir", "remote", "completion"} <= set(commands)
    paths = [[c] for c in commands] + [["remote", a] for a in ("add", "status", "ls", "rm")]
    for path in [[], *paths]:
        with pytest.raises(SystemExit):
            build_parser().parse_args([*path, "--help"])
        help_text = capsys.readouterr().out
        for short in set(re.findall(r"(?<![\w-])-[A-Za-z0-9](?![\w-])", help_text)):
            assert parser.short_options.is_option(short), (path, short)


def test_no_private_argparse_name_is_used() -> None:
    """argparse's private methods change between Python versions (`_parse_optional` returned
    a list from 3.12 on); the CLI uses none of them."""
    private = re.compile(
        r"_parse_optional|_option_string_actions|_actions\b|_SubParsersAction|_ArgumentGroup"
        r"|_MutuallyExclusiveGroup|_get_option_tuples|_get_values|_registry_get|argparse\._"
    )
    package = Path(streamtape_sdk.cli.__file__).parent
    for source in sorted(package.glob("*.py")):
        text = source.read_text(encoding="utf-8")
        assert not private.findall(text), source.name
