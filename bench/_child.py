"""One measured transfer in a fresh process; prints a JSON line with its peak RSS and timing.

Run by `bench/transfers.py`; not meant to be run by hand.
    python bench/_child.py {idle|upload|download|sha256|hashlib} BASE_URL LOGIN KEY ARG
"""

from __future__ import annotations

import hashlib
import json
import resource
import sys
import time
from pathlib import Path

from streamtape_sdk import Streamtape
from streamtape_sdk.transfers import sha256_hex


def _peak_rss_bytes() -> int:
    """This process's peak RSS (VmHWM). Unlike getrusage's ru_maxrss, which Linux carries
    over from the parent across fork+exec, VmHWM belongs to this process image only."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # not Linux: KiB


def main() -> int:
    mode, base_url, login, key, arg = sys.argv[1:6]
    client = Streamtape(login, key, base_url=base_url, timeout=600)
    baseline = _peak_rss_bytes()  # after imports and set-up: what every mode pays
    started = time.perf_counter()
    detail: dict[str, object] = {}
    if mode == "upload":
        # sha256=False isolates the wire phase; the hash pass is measured on its own.
        uploaded = client.files.upload(arg, sha256=False)
        detail["file_id"] = uploaded.id
    elif mode == "download":
        file_id, dest = arg.split(":", 1)
        client.files.download(file_id, dest)
    elif mode == "sha256":
        with Path(arg).open("rb") as fh:
            detail["digest"] = sha256_hex(fh)
    elif mode == "hashlib":
        digest = hashlib.sha256()
        with Path(arg).open("rb") as fh:
            while block := fh.read(1024 * 1024):  # hashlib.file_digest is Python 3.11+
                digest.update(block)
        detail["digest"] = digest.hexdigest()
    elapsed = time.perf_counter() - started
    client.close()
    peak = _peak_rss_bytes()
    print(
        json.dumps(
            {
                "mode": mode,
                "seconds": elapsed,
                "baseline_rss": baseline,
                "peak_rss": peak,
                "growth": peak - baseline,
                **detail,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
