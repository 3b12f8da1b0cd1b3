"""Async transfers at constant memory, and the event loop's longest stall.

For a generated file of --size-mib (default 2048), a fresh process runs an `AsyncStreamtape`
upload (with its sha256 pass) and download against the emulator and reports:
- the peak RSS growth (VmHWM after the transfer minus after the set-up) of each: the same
  bound as the sync benchmark (< 50 MB, whatever the file size);
- the longest stall of the event loop during each (a 10 ms ticker task records the largest
  gap beyond its period): hashing, body reads and chunk writes run in worker threads;
- the throughput of each.

Usage:
    .venv/bin/python bench/async_transfers.py --size-mib 2048

Prints JSON and writes bench/results/async_transfers.json. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIB = 1024 * 1024


def peak() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise SystemExit("no VmHWM")


async def child(base_url: str, login: str, key: str, source: str, dest: str) -> dict[str, float]:
    from streamtape_sdk import AsyncStreamtape

    worst = 0.0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal worst
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            worst = max(worst, now - last - 0.01)
            last = now

    size = Path(source).stat().st_size
    async with AsyncStreamtape(login, key, base_url=base_url, timeout=600) as client:
        await client.account.info()
        before = peak()
        tick = asyncio.create_task(ticker())
        started = time.perf_counter()
        uploaded = await client.files.upload(source)
        upload_s = time.perf_counter() - started
        upload_stall, worst = worst, 0.0
        after_upload = peak()
        started = time.perf_counter()
        await client.files.download(uploaded.id, dest)
        download_s = time.perf_counter() - started
        after_download = peak()
        stop.set()
        await tick
    return {
        "size_mib": size / MIB,
        "upload_rss_growth_mb": (after_upload - before) / 1e6,
        "download_rss_growth_mb": (after_download - before) / 1e6,
        "upload_mib_s": size / MIB / upload_s,
        "download_mib_s": size / MIB / download_s,
        "upload_longest_stall_ms": upload_stall * 1000,
        "download_longest_stall_ms": worst * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=2048)
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(*args.child))))
        return
    from streamtape_sdk.testing import FakeStreamtape

    with (
        tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp,
        FakeStreamtape() as fake,
    ):
        source = Path(tmp) / "big.bin"
        block = os.urandom(4 * MIB)
        with source.open("wb") as out:
            for _ in range(args.size_mib // 4):
                out.write(block)
                block = block[1:] + block[:1]
        os.sync()
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                fake.base_url,
                fake.login,
                fake.key,
                str(source),
                str(Path(tmp) / "back.bin"),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    results = json.loads(out.stdout)
    print(json.dumps(results, indent=2))
    target = HERE / "results" / "async_transfers.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
