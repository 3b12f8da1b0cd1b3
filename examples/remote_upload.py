"""Let the service fetch a URL into your account, and wait until it is stored.

Usage: python examples/remote_upload.py URL [NAME]
"""

from __future__ import annotations

import sys

from streamtape_sdk import RemoteUploadFailedError, Streamtape, WaitTimeoutError


def show_progress(done: int, total: int | None) -> None:
    """A `ProgressCallback` for `remote.wait`: bytes fetched by the service so far."""
    print(f"  fetched {done} of {total if total is not None else '?'} bytes")


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: remote_upload.py URL [NAME]", file=sys.stderr)
        return 2
    url, name = argv[0], (argv[1] if len(argv) > 1 else None)
    with Streamtape() as client:
        job = client.remote.add(url, name=name)
        print(f"queued remote upload {job.id}")
        try:
            done = client.remote.wait(
                job.id, timeout=600, poll_interval=0.5, progress=show_progress
            )
        except RemoteUploadFailedError as error:
            print(f"failed: {error}", file=sys.stderr)
            return 1
        except WaitTimeoutError as error:
            print(f"still running: {error}", file=sys.stderr)
            return 1
        print(f"finished: file id {done.file_id}, link {done.url}")
        client.remote.remove(job.id)  # tidy the list; the stored file stays
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
