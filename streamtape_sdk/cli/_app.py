"""`main`: parse, run one command, print its result, and turn failures into exit statuses.

Exit statuses: 0 success, 1 failure (one `streamtape: error: ...` line on stderr), 2 usage
error, 130 interrupted. A traceback only with `--debug`; the API key never.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Generator
from contextlib import contextmanager

from streamtape_sdk import (
    TransferCancelledError,
)

from ._commands import COMMANDS, UsageError
from ._completion import complete_if_requested, completion_script
from ._context import Context, Settings
from ._describe import describe
from ._output import CLIError, Printer
from ._parser import build_parser

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def main(argv: list[str] | None = None) -> int:
    """Run the `streamtape` command line; return the exit status.

    Args:
        argv: the arguments without the program name; `sys.argv[1:]` when None.

    Examples:
        >>> main(["--version"])  # doctest: +SKIP
    """
    parser = build_parser()
    if argv is None:  # only a real command line can be a shell asking for completions
        complete_if_requested(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, usage errors: argparse already printed
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    settings = Settings.from_args(args)
    printer = Printer(json_mode=settings.json, secrets=[settings.key])
    with _debug_logging(settings.debug, printer):
        return _run(str(args.command), args, settings, printer)


def _run(command: str, args: argparse.Namespace, settings: Settings, printer: Printer) -> int:
    """Run one command and map every failure to one line and an exit status."""
    try:
        return _dispatch(command, args, settings, printer)
    except KeyboardInterrupt:
        _clear_progress_line()
        printer.stderr.write("streamtape: interrupted\n")
        return EXIT_INTERRUPTED
    except TransferCancelledError as error:
        _clear_progress_line()
        printer.stderr.write(f"streamtape: cancelled: {error}\n")
        return EXIT_INTERRUPTED
    except UsageError as error:
        if settings.debug:
            _print_traceback(printer)
        printer.stderr.write(f"streamtape {command}: error: {error}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_FAILURE  # `streamtape ls | head`: the reader left, nobody to tell
    except Exception as error:  # the last line of defence: one line, never a traceback
        if settings.debug:
            _print_traceback(printer)
        _clear_progress_line()
        printer.error(describe(error))
        return EXIT_FAILURE


def _dispatch(command: str, args: argparse.Namespace, settings: Settings, printer: Printer) -> int:
    if command == "fake-server":
        return _fake_server(args)
    if command == "completion":
        printer.stdout.write(completion_script(str(args.shell)))
        return EXIT_OK
    if command == "demo":
        from ._demo import run_demo  # keeps the emulator's import cost off every other command

        return run_demo(size_mb=int(args.size_mb), printer=printer, quiet=settings.quiet)
    ctx = Context(settings, printer)
    try:
        outcome = COMMANDS[command](ctx, args)
    finally:
        ctx.close()
    printer.result(outcome)
    if outcome.error:
        printer.error(outcome.error)
        return EXIT_FAILURE
    return EXIT_OK


def _fake_server(args: argparse.Namespace) -> int:
    """Run the emulator's own loop with the options parsed here (the same options)."""
    try:
        from streamtape_sdk.testing.__main__ import serve
    except ImportError as error:
        raise CLIError(
            f"fake-server needs the testing extra: pip install 'streamtape-sdk[testing]' ({error})"
        ) from None
    return serve(args)


#: SDK argument names in error advice -> the CLI's options for the same thing.
def _print_traceback(printer: Printer) -> None:
    printer.stderr.write(printer.scrub(traceback.format_exc()))


def _clear_progress_line() -> None:
    # A bar or countdown may be half drawn: start the message on a clean line.
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[K")


class _ScrubFilter(logging.Filter):
    """Masks the key in every record the `--debug` handler writes (the SDK redacts its own
    records; this also covers any other library's)."""

    def __init__(self, printer: Printer) -> None:
        super().__init__()
        self._printer = printer

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self._printer.scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


@contextmanager
def _debug_logging(enabled: bool, printer: Printer) -> Generator[None, None, None]:
    """With `--debug`, log everything at DEBUG to stderr for the duration of the command.

    A handler is added and removed again (not `basicConfig`) so that in-process callers,
    such as tests, do not accumulate handlers or inherit the DEBUG level.
    """
    if not enabled:
        yield
        return
    root = logging.getLogger()
    handler = logging.StreamHandler(printer.stderr)
    handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    handler.addFilter(_ScrubFilter(printer))
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
