"""Run the emulator standalone: ``python -m streamtape_sdk.testing --port 8765``.

``streamtape fake-server`` takes the same options (``add_server_options``) and runs the
same loop (``serve``).
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from types import FrameType

from ._server import FakeStreamtape


def add_server_options(parser: argparse.ArgumentParser, *, credentials: bool = True) -> None:
    """Add the emulator's options to ``parser``.

    ``credentials=False`` leaves out ``--login``/``--key`` for a parser that already has
    them (the CLI's global options); ``serve`` reads them from the same attributes.
    """
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind")
    parser.add_argument("--port", type=int, default=8765, help="TCP port (0: any free port)")
    parser.add_argument("--wait-time", type=int, default=0, help="download ticket wait (s)")
    if credentials:
        parser.add_argument("--login", default=None, help="API login (random when omitted)")
        parser.add_argument("--key", default=None, help="API key (random when omitted)")
    parser.add_argument(
        "--conversion-seconds", type=float, default=0.5, help="duration of a conversion"
    )
    parser.add_argument(
        "--error-http-status",
        choices=["200", "mirror"],
        default="200",
        help="HTTP status of error envelopes",
    )
    parser.add_argument(
        "--storage-dir",
        default=None,
        help="keep files and state here across restarts (default: a temp dir, removed)",
    )
    parser.add_argument(
        "--no-strict-upload",
        dest="strict_upload",
        action="store_false",
        help="accept chunked uploads and part headers not spelt Content-Disposition",
    )
    parser.add_argument(
        "--max-link-connections",
        type=int,
        default=None,
        help="concurrent GETs one download link serves (default: no limit)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m streamtape_sdk.testing",
        description="Run a local Streamtape API emulator until Ctrl-C or SIGTERM.",
    )
    add_server_options(parser)
    return parser


def serve(args: argparse.Namespace) -> int:
    """Start the emulator, print ``export`` lines for a shell, serve until SIGINT/SIGTERM.

    Returns the process exit status: 0 after a signal, 1 if the emulator cannot start.
    The temporary storage (no ``--storage-dir``) is removed on the way out; a given
    ``--storage-dir`` keeps the files and the state for the next run.
    """
    try:
        fake = FakeStreamtape(
            login=getattr(args, "login", None),
            key=getattr(args, "key", None),
            wait_time=args.wait_time,
            conversion_seconds=args.conversion_seconds,
            error_http_status="mirror" if args.error_http_status == "mirror" else "200",
            host=args.host,
            port=args.port,
            storage_dir=args.storage_dir,
            strict_upload=args.strict_upload,
            max_link_connections=args.max_link_connections,
        )
    except ValueError as exc:
        sys.stderr.write(f"cannot start the emulator: {exc}\n")
        return 1
    try:
        fake.start()
    except OSError as exc:
        sys.stderr.write(f"cannot listen on {args.host}:{args.port}: {exc}\n")
        fake.stop()
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        sys.stdout.write(f"# Streamtape emulator running at {fake.base_url}\n")
        sys.stdout.write(f"# storage: {fake.storage_dir}\n")
        for name, value in (
            ("STREAMTAPE_BASE_URL", fake.base_url),
            ("STREAMTAPE_LOGIN", fake.login),
            ("STREAMTAPE_KEY", fake.key),
        ):
            sys.stdout.write(f"export {name}={shlex.quote(value)}\n")
        sys.stdout.write("# Press Ctrl-C to stop.\n")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
        sys.stdout.write("# stopping\n")
    finally:
        fake.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run :func:`serve`."""
    return serve(_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
