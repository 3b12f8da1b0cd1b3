"""Upload a local file with a progress display, then download it back and compare.

Usage: python examples/upload_and_download.py [PATH]
Without PATH, a 3 MiB file of random bytes is generated in a temporary directory.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from streamtape_sdk import Streamtape


def show_progress(done: int, total: int | None) -> None:
    """A `ProgressCallback`: print a percentage on one line."""
    if total:
        print(f"\r  {done * 100 // total:3d}% of {total} bytes", end="", flush=True)


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp, Streamtape() as client:
        if argv:
            source = Path(argv[0])
        else:
            source = Path(tmp) / "sample.bin"
            source.write_bytes(os.urandom(3 * 1024 * 1024))

        print(f"uploading {source.name}")
        uploaded = client.files.upload(source, progress=show_progress)
        print()
        print(f"uploaded: id={uploaded.id} size={uploaded.size} url={uploaded.url}")

        print("downloading")
        # A directory destination keeps the server's name and never replaces an existing
        # file (the source, here): download into a directory of its own.
        into = Path(tmp) / "downloaded"
        into.mkdir()
        target = client.files.download(
            uploaded.id, into, progress=show_progress, expected_sha256=uploaded.sha256
        )
        print()
        same = target.read_bytes() == source.read_bytes()
        print(f"downloaded to {target.name}: {'identical' if same else 'DIFFERENT'}")
        if not same:
            sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
