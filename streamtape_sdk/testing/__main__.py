"""Run the emulator standalone: ``python -m streamtape_sdk.testing --port 8765``."""

from __future__ import annotations

import argparse
import sys
import threading

from ._server import FakeStreamtape


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m streamtape_sdk.testing",
        description="Run a local Streamtape API emulator until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind")
    parser.add_argument("--port", type=int, default=8765, help="TCP port (0: any free port)")
    parser.add_argument("--wait-time", type=int, default=0, help="download ticket wait (s)")
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
    parser.add_argument("--storage-dir", default=None, help="keep files here (default: temp)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Start the emulator, print its base URL and credentials, serve until Ctrl-C.

    Returns the process exit status (0 after Ctrl-C, 1 if the port cannot be bound).
    """
    args = _parser().parse_args(argv)
    fake = FakeStreamtape(
        login=args.login,
        key=args.key,
        wait_time=args.wait_time,
        conversion_seconds=args.conversion_seconds,
        error_http_status="mirror" if args.error_http_status == "mirror" else "200",
        host=args.host,
        port=args.port,
        storage_dir=args.storage_dir,
    )
    try:
        fake.start()
    except OSError as exc:
        sys.stderr.write(f"cannot listen on {args.host}:{args.port}: {exc}\n")
        fake.stop()
        return 1
    sys.stdout.write(
        f"Streamtape emulator running at {fake.base_url}\n"
        f"STREAMTAPE_BASE_URL={fake.base_url}\n"
        f"STREAMTAPE_LOGIN={fake.login}\n"
        f"STREAMTAPE_KEY={fake.key}\n"
        "Press Ctrl-C to stop.\n"
    )
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sys.stdout.write("stopping\n")
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
