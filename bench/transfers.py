"""Transfer benchmarks against the local emulator, side by side in one run.

Measures, for a generated file of --size-mib (default 2048):
- peak RSS growth of an SDK upload and of an SDK download, each in a fresh process: its peak
  RSS (VmHWM) after the transfer minus its peak after imports and client set-up, and also
  over a process that only does the set-up (target: < 50 MB each, whatever the file size);
- upload and download throughput of the SDK vs curl against the same emulator
  (targets: >= 80% of curl for the upload wire phase, >= 90% for the download);
- the SDK's sha256 pass vs a plain hashlib loop over the same file (target: ~1.0x).

Usage:
    .venv/bin/python bench/transfers.py --size-mib 2048

Prints a table and writes it as JSON to bench/results/transfers.json. Needs curl on PATH.
Timings are noisy on shared machines: compare the ratios, and repeat with --repeat N.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from streamtape_sdk.testing import FakeStreamtape

HERE = Path(__file__).resolve().parent
CHILD = HERE / "_child.py"
MIB = 1024 * 1024


def generate(path: Path, size: int) -> None:
    """Write `size` bytes of incompressible data (not sparse) in 4 MiB chunks."""
    block = os.urandom(4 * MIB)
    with path.open("wb") as out:
        left = size
        while left > 0:
            n = min(left, len(block))
            out.write(block[:n])
            left -= n
            # Vary the data so no layer can deduplicate it.
            block = block[1:] + block[:1]


def settle() -> None:
    """Flush dirty pages first, so no measurement pays for an earlier one's writeback."""
    os.sync()


def child(mode: str, fake: FakeStreamtape, arg: str) -> dict[str, object]:
    settle()
    out = subprocess.run(
        [sys.executable, str(CHILD), mode, fake.base_url, fake.login, fake.key, arg],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def curl_upload(fake: FakeStreamtape, path: Path) -> float:
    client = fake.client()
    target = client.files.get_upload_url()
    client.close()
    settle()
    started = time.perf_counter()
    subprocess.run(
        ["curl", "-sS", "-o", os.devnull, "-F", f"file1=@{path}", target.url],
        check=True,
    )
    return time.perf_counter() - started


def curl_download(fake: FakeStreamtape, file_id: str, dest: Path) -> float:
    client = fake.client()
    link = client.files.get_download_link(file_id, client.files.get_download_ticket(file_id))
    client.close()
    settle()
    started = time.perf_counter()
    subprocess.run(["curl", "-sS", "-o", str(dest), link.url], check=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size-mib", type=int, default=2048)
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (median)")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    if shutil.which("curl") is None:
        print("curl is needed for the throughput comparison", file=sys.stderr)
        return 2
    size = args.size_mib * MIB
    workdir = Path(tempfile.mkdtemp(prefix="st-bench-", dir=args.workdir))
    try:
        source = workdir / "source.bin"
        print(f"generating {args.size_mib} MiB in {workdir} ...", flush=True)
        generate(source, size)
        with FakeStreamtape(wait_time=0, storage_dir=str(workdir / "storage")) as fake:
            results = run(fake, source, workdir, size, args.repeat)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report(results, args.size_mib)
    return 0


def run(
    fake: FakeStreamtape, source: Path, workdir: Path, size: int, repeat: int
) -> dict[str, float]:
    idle_rss: list[float] = []
    up_rss: list[float] = []
    down_rss: list[float] = []
    up_growth: list[float] = []
    down_growth: list[float] = []
    up_sdk: list[float] = []
    up_curl: list[float] = []
    down_sdk: list[float] = []
    down_curl: list[float] = []
    sha_sdk: list[float] = []
    sha_lib: list[float] = []
    # Warm-up: on a VM, the first touch of fresh memory (page cache, tmpfs) is several times
    # slower than reusing freed pages; whichever tool ran first would pay for it.
    warm = child("upload", fake, str(source))
    warm_dest = workdir / "warm.bin"
    curl_download(fake, str(warm["file_id"]), warm_dest)
    warm_dest.unlink()
    for round_no in range(repeat):
        idle_rss.append(float(child("idle", fake, "-")["peak_rss"]))  # type: ignore[arg-type]
        sdk_first = round_no % 2 == 0  # alternate the order to cancel order effects
        if not sdk_first:
            up_curl.append(curl_upload(fake, source))
        up = child("upload", fake, str(source))
        up_rss.append(float(up["peak_rss"]))  # type: ignore[arg-type]
        up_growth.append(float(up["growth"]))  # type: ignore[arg-type]
        up_sdk.append(float(up["seconds"]))  # type: ignore[arg-type]
        if sdk_first:
            up_curl.append(curl_upload(fake, source))
        dest = workdir / "download.bin"
        if not sdk_first:
            down_curl.append(curl_download(fake, str(up["file_id"]), dest))
            dest.unlink()
        down = child("download", fake, f"{up['file_id']}:{dest}")
        down_rss.append(float(down["peak_rss"]))  # type: ignore[arg-type]
        down_growth.append(float(down["growth"]))  # type: ignore[arg-type]
        down_sdk.append(float(down["seconds"]))  # type: ignore[arg-type]
        if dest.stat().st_size != size:
            raise SystemExit("download size mismatch")
        dest.unlink()
        if sdk_first:
            down_curl.append(curl_download(fake, str(up["file_id"]), dest))
            dest.unlink()
        if sdk_first:
            a = child("sha256", fake, str(source))
            b = child("hashlib", fake, str(source))
        else:
            b = child("hashlib", fake, str(source))
            a = child("sha256", fake, str(source))
        if a["digest"] != b["digest"]:
            raise SystemExit("sha256 mismatch between the SDK and hashlib")
        sha_sdk.append(float(a["seconds"]))  # type: ignore[arg-type]
        sha_lib.append(float(b["seconds"]))  # type: ignore[arg-type]
        for stored in fake.files():
            if stored.path.exists():
                stored.path.unlink()  # keep disk use at ~2x the file size
    med = statistics.median
    mib = size / MIB
    return {
        "size_mib": mib,
        "idle_rss_mb": med(idle_rss) / 1e6,
        "upload_rss_growth_mb": med(up_growth) / 1e6,
        "download_rss_growth_mb": med(down_growth) / 1e6,
        "upload_rss_over_idle_mb": (med(up_rss) - med(idle_rss)) / 1e6,
        "download_rss_over_idle_mb": (med(down_rss) - med(idle_rss)) / 1e6,
        "upload_sdk_mib_s": mib / med(up_sdk),
        "upload_curl_mib_s": mib / med(up_curl),
        "download_sdk_mib_s": mib / med(down_sdk),
        "download_curl_mib_s": mib / med(down_curl),
        "sha256_sdk_mib_s": mib / med(sha_sdk),
        "sha256_hashlib_mib_s": mib / med(sha_lib),
    }


def report(r: dict[str, float], size_mib: int) -> None:
    up_ratio = r["upload_sdk_mib_s"] / r["upload_curl_mib_s"]
    down_ratio = r["download_sdk_mib_s"] / r["download_curl_mib_s"]
    sha_ratio = r["sha256_sdk_mib_s"] / r["sha256_hashlib_mib_s"]
    rows = [
        ("file size", f"{size_mib} MiB", ""),
        ("idle process peak RSS", f"{r['idle_rss_mb']:.1f} MB", ""),
        (
            "upload: peak RSS growth",
            f"{r['upload_rss_growth_mb']:.1f} MB",
            f"over idle process {r['upload_rss_over_idle_mb']:.1f} MB (target < 50 MB)",
        ),
        (
            "download: peak RSS growth",
            f"{r['download_rss_growth_mb']:.1f} MB",
            f"over idle process {r['download_rss_over_idle_mb']:.1f} MB (target < 50 MB)",
        ),
        (
            "upload throughput SDK / curl",
            f"{r['upload_sdk_mib_s']:.0f} / {r['upload_curl_mib_s']:.0f} MiB/s",
            f"ratio {up_ratio:.2f} (target >= 0.80)",
        ),
        (
            "download throughput SDK / curl",
            f"{r['download_sdk_mib_s']:.0f} / {r['download_curl_mib_s']:.0f} MiB/s",
            f"ratio {down_ratio:.2f} (target >= 0.90)",
        ),
        (
            "sha256 SDK / hashlib",
            f"{r['sha256_sdk_mib_s']:.0f} / {r['sha256_hashlib_mib_s']:.0f} MiB/s",
            f"ratio {sha_ratio:.2f} (target ~1.0)",
        ),
    ]
    width = max(len(row[0]) for row in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:<22} {note}")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    payload = {**r, "upload_ratio": up_ratio, "download_ratio": down_ratio, "sha_ratio": sha_ratio}
    (out / "transfers.json").write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
