"""The argparse parser: global options (accepted before or after the command) and commands."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, NoReturn, TypeAlias

from streamtape_sdk import __version__

if TYPE_CHECKING:
    # argparse exposes no public name for the object add_subparsers() returns.
    _SubParsers: TypeAlias = "argparse._SubParsersAction[_Parser]"  # pyright: ignore[reportPrivateUsage]


__all__ = ["build_parser"]

EPILOG = """\
examples:
  streamtape demo                          tour the whole API against a local emulator
  streamtape ls                            list the root folder
  streamtape upload video.mp4 --folder ID  upload with a progress bar
  streamtape download FILE_ID ~/Downloads  download (resumable) into a directory
  streamtape tree --json                   the folder tree as JSON

credentials come from --login/--key or STREAMTAPE_LOGIN/STREAMTAPE_KEY
(Streamtape user panel, "Account Settings")."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr (exit status 2)."""

    def _parse_optional(self, arg_string: str) -> object:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        # Folder and remote-upload ids may start with "-" ("-dTokDi_X-Q"); argparse would
        # take such an id for an unknown option. An argument that names no option of this
        # parser is a value, as an id always is.
        parsed: object = super()._parse_optional(arg_string)
        first = parsed[0] if isinstance(parsed, list) and parsed else parsed  # 3.12+: a list
        unknown = isinstance(first, tuple) and first[0] is None
        if unknown and not arg_string.startswith("--") and "=" not in arg_string:
            return None
        return parsed

    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage block first; one line with a pointer to --help
        # reads better in a terminal and is what scripts capturing stderr expect.
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


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


def _add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Add the global options. On subcommands (`suppress=True`) an option not given leaves
    no attribute, so it cannot overwrite the value parsed before the command name."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("global options")
    group.add_argument("--login", default=default(None), help="API login (env STREAMTAPE_LOGIN)")
    group.add_argument("--key", default=default(None), help="API key (env STREAMTAPE_KEY)")
    group.add_argument(
        "--base-url",
        default=default(None),
        help="API root URL (env STREAMTAPE_BASE_URL; default https://api.streamtape.com)",
    )
    group.add_argument(
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
        group.add_argument(flag, action="store_true", default=default(False), help=text)
    group.add_argument("--version", action="version", version=f"streamtape {__version__}")


def _command(
    subparsers: _SubParsers,
    name: str,
    common: _Parser,
    text: str,
    command: str | None = None,
) -> _Parser:
    parser = subparsers.add_parser(name, parents=[common], help=text, description=text)
    parser.set_defaults(command=command or name)
    return parser


def _files_commands(sub: _SubParsers, common: _Parser) -> None:
    p = _command(sub, "ls", common, "list a folder's subfolders and files")
    p.add_argument("folder", nargs="?", metavar="FOLDER", help="folder id (default: root)")
    p = _command(sub, "tree", common, "show the folder tree with files and sizes")
    p.add_argument("folder", nargs="?", metavar="FOLDER", help="start folder id (default: root)")
    p = _command(sub, "info", common, "show name, size, type and conversion state of files")
    p.add_argument("files", nargs="+", metavar="FILE", help="file id")
    p = _command(sub, "upload", common, "upload local files (progress bar, sha256 checked)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="file to upload")
    p.add_argument("--folder", metavar="ID", help="destination folder id (default: root)")
    p.add_argument("--name", help="stored file name (only with one PATH)")
    p.add_argument("--no-sha256", action="store_true", help="skip the integrity hash")
    p = _command(sub, "download", common, "download a file (resumable, size checked)")
    p.add_argument("file", metavar="FILE", help="file id")
    p.add_argument("dest", nargs="?", default=".", metavar="DEST", help="file or directory")
    p.add_argument("--no-resume", action="store_true", help="ignore a leftover .part file")
    p = _command(sub, "link", common, "print a direct download URL (waits out the ticket)")
    p.add_argument("file", metavar="FILE", help="file id")
    p = _command(sub, "rename", common, "rename a file")
    p.add_argument("file", metavar="FILE", help="file id")
    p.add_argument("name", metavar="NAME", help="new name")
    p = _command(sub, "mv", common, "move a file into a folder")
    p.add_argument("file", metavar="FILE", help="file id")
    p.add_argument("folder", metavar="FOLDER", help="destination folder id")
    p = _command(sub, "rm", common, "delete files")
    p.add_argument("files", nargs="+", metavar="FILE", help="file id")
    p = _command(sub, "conversions", common, "list running conversions")
    p.add_argument("--failed", action="store_true", help="list failed conversions instead")
    p = _command(sub, "thumbnail", common, "print the URL of a file's thumbnail")
    p.add_argument("file", metavar="FILE", help="file id")


def _folder_commands(sub: _SubParsers, common: _Parser) -> None:
    p = _command(sub, "mkdir", common, "create a folder; prints its id")
    p.add_argument("name", metavar="NAME", help="folder name")
    p.add_argument("--parent", metavar="ID", help="parent folder id (default: root)")
    p = _command(sub, "rmdir", common, "delete a folder with everything in it")
    p.add_argument("folder", metavar="FOLDER", help="folder id")
    p = _command(sub, "rename-folder", common, "rename a folder")
    p.add_argument("folder", metavar="FOLDER", help="folder id")
    p.add_argument("name", metavar="NAME", help="new name")


def _remote_commands(sub: _SubParsers, common: _Parser) -> None:
    remote = _command(sub, "remote", common, "remote uploads: the service fetches a URL")
    actions = remote.add_subparsers(title="remote commands", metavar="ACTION", required=True)
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
    which.add_argument("id", nargs="?", metavar="ID", help="remote upload id")
    which.add_argument("--all", action="store_true", help="remove every remote upload")


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


def build_parser() -> argparse.ArgumentParser:
    """The `streamtape` parser; each leaf command sets `command` (e.g. `"remote add"`)."""
    parser = _Parser(
        prog="streamtape",
        description="Command-line client of the Streamtape file-hosting API.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_global_options(parser, suppress=False)
    common = _Parser(add_help=False)
    _add_global_options(common, suppress=True)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    _command(sub, "account", common, "show the account's e-mail, API id and sign-up date")
    _files_commands(sub, common)
    _folder_commands(sub, common)
    _remote_commands(sub, common)
    _tool_commands(sub, common)
    return parser
