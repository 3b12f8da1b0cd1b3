"""The argparse parser: global options (accepted before or after the command) and commands."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, cast

from streamtape_sdk import __version__

from ._completion import SHELLS

__all__ = ["build_parser"]

EPILOG = """\
examples:
  streamtape demo                          tour the whole API against a local emulator
  streamtape ls                            list the root folder
  streamtape upload video.mp4 --folder ID  upload with a progress bar
  streamtape download FILE_ID ~/Downloads  download (resumable) into a directory
  streamtape upload -r photos --folder ID  upload a directory's contents, 4 at a time
  streamtape tree --json                   the folder tree as JSON

credentials come from --login/--key or STREAMTAPE_LOGIN/STREAMTAPE_KEY
(Streamtape user panel, "Account Settings")."""

# Folder and remote-upload ids are base64url, so 1 in 64 starts with "-" ("-dTokDi_X-Q").
# argparse takes any "-x..." word for an option. Before parsing, such a word is marked as a
# value by this prefix, which no real command line can contain (argv strings end at NUL),
# and every value-taking argument's `type` removes it again. The convention:
#   "--name", "--name=value"      a long option (unknown ones stay usage errors, exit 2)
#   "-h", "-x VALUE", "-xVALUE"   a short option this parser declares
#   "--"                          everything after it is a value (argparse's own rule)
#   any other word                a value, "-dTokDi_X-Q" included
_VALUE_MARK = "\0"
_NEGATIVE_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")  # argparse reads these as values already


class _ShortOptions:
    """The short options ("-h") declared on any parser of the tree, and whether each takes a
    value: the only facts needed to tell a short option from a value that starts with "-"."""

    def __init__(self) -> None:
        self._takes_value: dict[str, bool] = {}

    def record(self, action: argparse.Action) -> None:
        for option in action.option_strings:
            if len(option) == 2 and option[0] == "-" and option[1] != "-":
                self._takes_value[option] = action.nargs != 0

    def is_option(self, word: str) -> bool:
        takes_value = self._takes_value.get(word[:2])
        if takes_value is None:
            return False
        return len(word) == 2 or takes_value  # "-xVALUE"; flags are not bundled ("-ab")

    def mark_values(self, argv: Sequence[str]) -> list[str]:
        """`argv` with every word that starts with "-" but is no option marked as a value."""
        marked: list[str] = []
        for index, word in enumerate(argv):
            if word == "--":
                marked.extend(argv[index:])
                break
            dash_value = (
                len(word) > 1
                and word[0] == "-"
                and word[1] != "-"
                and not _NEGATIVE_NUMBER.match(word)
                and not self.is_option(word)
            )
            marked.append(_VALUE_MARK + word if dash_value else word)
        return marked


def _unmark(value: str) -> str:
    return value[len(_VALUE_MARK) :] if value.startswith(_VALUE_MARK) else value


def _unmarking(convert: Callable[[str], object] | None) -> Callable[[str], object]:
    """Wrap an argument's `type` so it sees the word as typed (argparse names the wrapper in
    'invalid <type> value' messages, hence the copied name)."""

    def unmarked(text: str) -> object:
        return _unmark(text) if convert is None else convert(_unmark(text))

    unmarked.__name__ = getattr(convert, "__name__", "str")
    return unmarked


def _unmark_namespace(namespace: argparse.Namespace) -> None:
    # A value-taking argument added to a group (whose add_argument is not ours) keeps the
    # mark; strings and lists of strings are all such an argument can hold without a type.
    for name, value in vars(namespace).items():
        if isinstance(value, str):
            setattr(namespace, name, _unmark(value))
        elif isinstance(value, list):
            items = cast("list[object]", value)
            setattr(namespace, name, [_unmark(v) if isinstance(v, str) else v for v in items])


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that reads ids starting with "-" as values and prints usage errors
    on one line of stderr (exit status 2). Uses only argparse's public interface."""

    def __init__(self, *args: Any, short_options: _ShortOptions | None = None, **kwargs: Any):
        # Set before argparse's __init__, which adds -h/--help through add_argument.
        self.short_options = short_options or _ShortOptions()
        super().__init__(*args, **kwargs)

    def add_argument(self, *name_or_flags: str, **kwargs: Any) -> argparse.Action:
        return self.track(super().add_argument(*name_or_flags, **kwargs))

    def track(self, action: argparse.Action) -> argparse.Action:
        """Register an argument added through a group (`group.add_argument` bypasses ours)."""
        self.short_options.record(action)
        if action.nargs != 0:
            action.type = _unmarking(action.type)  # type: ignore[arg-type]
        return action

    def parse_known_args(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        namespace: argparse.Namespace | None = None,
    ) -> tuple[argparse.Namespace, list[str]]:
        argv = sys.argv[1:] if args is None else args
        # Marking is idempotent: a command's parser gets words its parent already marked.
        parsed, extras = super().parse_known_args(
            self.short_options.mark_values(argv), namespace or argparse.Namespace()
        )
        _unmark_namespace(parsed)
        return parsed, [_unmark(word) for word in extras]

    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage block first; one line with a pointer to --help
        # reads better in a terminal and is what scripts capturing stderr expect.
        message = message.replace(repr(_VALUE_MARK)[1:-1], "").replace(_VALUE_MARK, "")
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class _SubParsers:
    """The commands of one parser, each a `_Parser` that shares the global options and the
    short-option table (wraps `add_subparsers()`, whose class argparse does not name publicly)."""

    def __init__(self, parser: _Parser, *, title: str, metavar: str) -> None:
        self._short_options = parser.short_options
        self._commands = parser.add_subparsers(title=title, metavar=metavar, required=True)

    def add(self, name: str, common: _Parser, text: str) -> _Parser:
        return self._commands.add_parser(
            name,
            parents=[common],
            help=text,
            description=text,
            short_options=self._short_options,
        )


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _connections(text: str) -> int:
    # Imported here: the parser is built on every start, the transfer code only when used.
    from streamtape_sdk.transfers._sliced import check_connections

    try:
        return check_connections(_positive_int(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _add_global_options(parser: _Parser, *, suppress: bool) -> None:
    """Add the global options. On subcommands (`suppress=True`) an option not given leaves
    no attribute, so it cannot overwrite the value parsed before the command name."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("global options")

    def add(*flags: str, **kwargs: Any) -> None:
        parser.track(group.add_argument(*flags, **kwargs))

    add("--login", default=default(None), help="API login (env STREAMTAPE_LOGIN)")
    add("--key", default=default(None), help="API key (env STREAMTAPE_KEY)")
    add(
        "--base-url",
        default=default(None),
        help="API root URL (env STREAMTAPE_BASE_URL; default https://api.streamtape.com)",
    )
    add(
        "--timeout",
        type=_positive_float,
        default=default(None),
        metavar="SECONDS",
        help="per-request timeout (default 30)",
    )
    flags = {
        "--json": "print one JSON document on stdout instead of text",
        "--quiet": "no progress bars or countdowns",
        "--debug": "show tracebacks and DEBUG logs (the key stays masked)",
    }
    for flag, text in flags.items():
        add(flag, action="store_true", default=default(False), help=text)
    add("--version", action="version", version=f"streamtape {__version__}")


def _command(
    subparsers: _SubParsers,
    name: str,
    common: _Parser,
    text: str,
    command: str | None = None,
) -> _Parser:
    parser = subparsers.add(name, common, text)
    parser.set_defaults(command=command or name)
    return parser


def _batch_options(p: _Parser) -> None:
    p.add_argument("-r", "--recursive", action="store_true", help="whole directory trees")
    p.add_argument(
        "--transfers", type=_positive_int, default=4, metavar="N", help="at once (default 4)"
    )
    p.add_argument("--dry-run", action="store_true", help="show what would happen, change nothing")
    p.add_argument(
        "--manifest", metavar="FILE", help="JSON Lines record of uploads, read by later runs"
    )


def _files_commands(sub: _SubParsers, common: _Parser) -> None:
    p = _command(sub, "ls", common, "list a folder's subfolders and files")
    p.add_argument("folder", nargs="?", metavar="FOLDER", help="folder id (default: root)")
    p = _command(sub, "tree", common, "show the folder tree with files and sizes")
    p.add_argument("folder", nargs="?", metavar="FOLDER", help="start folder id (default: root)")
    p = _command(sub, "info", common, "show name, size, type and conversion state of files")
    p.add_argument("files", nargs="+", metavar="FILE", help="file id")
    p = _command(sub, "upload", common, "upload files, or directory trees with --recursive")
    p.add_argument("paths", nargs="+", metavar="PATH", help="file (or directory, --recursive)")
    p.add_argument("--folder", metavar="ID", help="destination folder id (default: root)")
    p.add_argument("--name", help="stored file name (only with one PATH)")
    p.add_argument("--no-sha256", action="store_true", help="skip the integrity hash")
    _batch_options(p)
    p.add_argument("--include", action="append", metavar="GLOB", help="only matching files")
    p.add_argument("--exclude", action="append", metavar="GLOB", help="leave matching out")
    p.add_argument(
        "--skip-existing",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="skip files the folder has with the same name and size (default: on with -r)",
    )
    p = _command(sub, "download", common, "download files, or folder trees with --recursive")
    p.add_argument(
        "targets",
        nargs="+",
        metavar="ID",
        help="file ids (folder ids with --recursive), then DEST (default: .)",
    )
    p.add_argument(
        "--no-resume", action="store_true", help="start over, discarding a kept partial download"
    )
    p.add_argument(
        "--no-skip-existing",
        action="store_true",
        help="download again files present locally with the same size",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing file of the server's name in DEST (one file)",
    )
    p.add_argument(
        "--connections",
        type=_connections,
        default=1,
        metavar="N",
        help="parallel ranged requests per file, 1 to 16 (default 1; helps on slow, "
        "high-latency links only)",
    )
    _batch_options(p)
    p = _command(sub, "link", common, "print a direct download URL (waits out the ticket)")
    p.add_argument("file", metavar="FILE", help="file id")
    p = _command(sub, "rename", common, "rename a file")
    p.add_argument("file", metavar="FILE", help="file id")
    p.add_argument("name", metavar="NAME", help="new name")
    p = _command(sub, "mv", common, "move a file into a folder")
    p.add_argument("file", metavar="FILE", help="file id")
    p.add_argument("folder", metavar="FOLDER", help="destination folder id")
    p = _command(sub, "rm", common, "delete files (goes on past failures)")
    p.add_argument("files", nargs="+", metavar="FILE", help="file id")
    p = _command(sub, "conversions", common, "list running conversions")
    p.add_argument("--failed", action="store_true", help="list failed conversions instead")
    p = _command(sub, "thumbnail", common, "print the URL of a file's thumbnail")
    p.add_argument("file", metavar="FILE", help="file id")


def _folder_commands(sub: _SubParsers, common: _Parser) -> None:
    p = _command(sub, "mkdir", common, "create a folder; prints its id")
    p.add_argument("name", metavar="NAME", help="folder name")
    p.add_argument("--parent", metavar="ID", help="parent folder id (default: root)")
    p = _command(sub, "rmdir", common, "delete folders with everything in them")
    p.add_argument("folders", nargs="+", metavar="FOLDER", help="folder id")
    p = _command(sub, "rename-folder", common, "rename a folder")
    p.add_argument("folder", metavar="FOLDER", help="folder id")
    p.add_argument("name", metavar="NAME", help="new name")


def _remote_commands(sub: _SubParsers, common: _Parser) -> None:
    remote = _command(sub, "remote", common, "remote uploads: the service fetches a URL")
    actions = _SubParsers(remote, title="remote commands", metavar="ACTION")
    p = _command(actions, "add", common, "queue a remote upload of URL", "remote add")
    p.add_argument("url", metavar="URL", help="http(s) URL to fetch")
    p.add_argument("--folder", metavar="ID", help="destination folder id (default: root)")
    p.add_argument("--name", help="stored file name")
    p.add_argument(
        "--header",
        action="append",
        metavar="'NAME: VALUE'",
        help="HTTP header for the fetch (repeatable)",
    )
    p.add_argument("--wait", action="store_true", help="wait until it finishes (progress bar)")
    p.add_argument(
        "--wait-timeout",
        type=_positive_float,
        default=3600.0,
        metavar="SECONDS",
        help="with --wait: give up after this long (default 3600)",
    )
    p = _command(actions, "status", common, "show one remote upload", "remote status")
    p.add_argument("id", metavar="ID", help="remote upload id")
    _command(actions, "ls", common, "list remote uploads", "remote ls")
    p = _command(actions, "rm", common, "cancel and remove remote uploads", "remote rm")
    which = p.add_mutually_exclusive_group(required=True)
    p.track(which.add_argument("id", nargs="?", metavar="ID", help="remote upload id"))
    p.track(which.add_argument("--all", action="store_true", help="remove every remote upload"))


def _tool_commands(sub: _SubParsers, common: _Parser) -> None:
    p = _command(sub, "fake-server", common, "run the local API emulator until Ctrl-C")
    # The same options as `python -m streamtape_sdk.testing`; --login/--key are global here.
    from streamtape_sdk.testing.__main__ import add_server_options

    add_server_options(p, credentials=False)
    p = _command(sub, "demo", common, "tour the whole API against an in-process emulator")
    p.add_argument(
        "--size-mb",
        type=_positive_int,
        default=50,
        metavar="N",
        help="size of the generated test file in MiB (default 50)",
    )
    p = _command(sub, "completion", common, "print the shell completion script")
    p.add_argument(
        "shell",
        choices=SHELLS,
        metavar="SHELL",
        help=f'one of {", ".join(SHELLS)}; e.g. eval "$(streamtape completion bash)"',
    )


def build_parser() -> argparse.ArgumentParser:
    """The `streamtape` parser; each leaf command sets `command` (e.g. `"remote add"`)."""
    parser = _Parser(
        prog="streamtape",
        description="Command-line client of the Streamtape file-hosting API.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_global_options(parser, suppress=False)
    common = _Parser(add_help=False, short_options=parser.short_options)
    _add_global_options(common, suppress=True)
    sub = _SubParsers(parser, title="commands", metavar="COMMAND")
    _command(sub, "account", common, "show the account's e-mail, API id and sign-up date")
    _files_commands(sub, common)
    _folder_commands(sub, common)
    _remote_commands(sub, common)
    _tool_commands(sub, common)
    return parser
