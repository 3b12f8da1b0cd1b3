"""Benchmark: 100 small files uploaded and downloaded with 1 vs 4 transfers at once, against
the emulator answering every request after 50 ms (its `slow` fault), like a distant server.

    python bench/batch.py [--files 100] [--latency 0.05] [--transfers 1 4 8]

Prints one JSON line per run and a summary table. Small files are latency-bound: the figure
that matters is how much of the per-request wait the worker pool overlaps.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from streamtape_sdk.testing import FakeStreamtape

#: Requests a small-file upload and download make: the upload URL, the POST; the ticket, the
#: link, the GET. The batch also lists the folder once.
_SLOW_ENDPOINTS = ("file/ul", "upload", "file/dlticket", "file/dl", "download", "file/listfolder")


def _run(files: int, latency: float, transfers: int, source: Path) -> dict[str, object]:
    with FakeStreamtape(wait_time=0) as fake, fake.client() as client:
        for endpoint in _SLOW_ENDPOINTS:
            fake.inject(endpoint, "slow", times=files * 2 + 10, delay=latency)
        folder = fake.add_folder("bench")
        started = time.perf_counter()
        up = client.folders.upload_tree(source, folder, max_workers=transfers)
        upload_seconds = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as target:
            started = time.perf_counter()
            down = client.folders.download_tree(folder, target, max_workers=transfers)
            download_seconds = time.perf_counter() - started
    assert all(o.ok for o in (*up, *down)), [o.error for o in (*up, *down) if o.error]
    return {
        "files": files,
        "latency_s": latency,
        "transfers": transfers,
        "upload_s": round(upload_seconds, 3),
        "download_s": round(download_seconds, 3),
        "upload_files_per_s": round(files / upload_seconds, 1),
        "download_files_per_s": round(files / download_seconds, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--transfers", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp)
        for index in range(args.files):
            (source / f"file-{index:03}.bin").write_bytes(os.urandom(1024))
        results = [_run(args.files, args.latency, n, source) for n in args.transfers]
    for result in results:
        print(json.dumps(result))
    print(f"\n{'transfers':>9}  {'upload s':>9}  {'download s':>10}")
    for result in results:
        print(f"{result['transfers']:>9}  {result['upload_s']:>9}  {result['download_s']:>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
