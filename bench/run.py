"""Issue-15 performance comparisons: paired, interleaved repetitions in fresh processes.

Each row runs the SDK and its reference as a pair, one fresh process each, alternating which
goes first, `--reps` times; it prints min / median / max of both and of the per-pair ratio.
Every child talks to `bench/_loopback.py` (a keep-alive HTTP/1.1 server in its own process).

Rows (targets from issue 15):
    calls      1000 x account.info() vs requests.Session().get().json()      <= 0.75x time
    calls-env  the same with 150 more variables in the environment           <= 0.75x, flat
    upload     files.upload(sha256=False) vs `curl -F`, same sink             >= 0.90x speed
    upload-sha files.upload(sha256=True) vs the sha256 limit (hashlib)        reported
    import     `import streamtape_sdk` vs `import pydantic, requests`         <= 1.20x time
               (and `from streamtape_sdk import Streamtape`, reported)
    fileinfo   files.info(5,000 ids) vs the same batches by hand              <= 1.10x, linear
    limits     the machine: loopback TCP, sha256, disk write

Usage:
    .venv/bin/python bench/run.py                       # every row, 2 GiB upload
    .venv/bin/python bench/run.py --only calls,import --reps 15
    .venv/bin/python bench/run.py --only upload,limits --size-mib 512

Prints a table and writes bench/results/perf.json. On a shared machine, read the medians and
the spread; the minimum is the least disturbed run.
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
from collections.abc import Callable, Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD = HERE / "_calls.py"
SERVER = HERE / "_loopback.py"
MIB = 1024 * 1024
ROWS = ("calls", "calls-env", "upload", "upload-sha", "import", "fileinfo", "limits")


#: Which clock the fast rows compare: "cpu" (the client process's CPU seconds, steady on a
#: loaded machine) or "wall". Set from --clock.
CLOCK = ["cpu"]


def child(mode: str, base: str, arg: str, env: Mapping[str, str] | None = None) -> float:
    """Seconds of one measurement in a fresh process (CPU seconds where the child has them)."""
    out = subprocess.run(
        [sys.executable, str(CHILD), mode, base, arg],
        check=True,
        capture_output=True,
        text=True,
        env=dict(env) if env is not None else None,
    )
    line = json.loads(out.stdout.strip().splitlines()[-1])
    if CLOCK[0] == "cpu" and line.get("cpu_seconds") is not None:
        return float(line["cpu_seconds"])
    return float(line["seconds"])


def curl_upload(base: str, path: Path) -> float:
    url = f"{base}/sink"
    started = time.perf_counter()
    subprocess.run(["curl", "-sS", "-o", os.devnull, "-F", f"file1=@{path}", url], check=True)
    return time.perf_counter() - started


def paired(
    reps: int, first: Callable[[], float], second: Callable[[], float]
) -> tuple[list[float], list[float]]:
    """`reps` pairs, alternating which runs first (an order effect then cancels out)."""
    a: list[float] = []
    b: list[float] = []
    for rep in range(reps):
        if rep % 2 == 0:
            a.append(first())
            b.append(second())
        else:
            b.append(second())
            a.append(first())
    return a, b


def ratios(a: list[float], b: list[float]) -> list[float]:
    """Per-pair ratios a/b."""
    return [x / y for x, y in zip(a, b, strict=True)]


def spread(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def generate(path: Path, size: int) -> None:
    """Incompressible, non-sparse data, then read back once so the page cache holds it."""
    block = os.urandom(4 * MIB)
    with path.open("wb") as out:
        left = size
        while left > 0:
            n = min(left, len(block))
            out.write(block[:n])
            left -= n
            block = block[1:] + block[:1]
    with path.open("rb", buffering=0) as fh:
        buffer = bytearray(4 * MIB)
        while fh.readinto(buffer):
            pass


def padded_env(extra: int) -> dict[str, str]:
    env = dict(os.environ)
    for n in range(extra):
        env[f"BENCH_PADDING_{n:03d}"] = f"value-{n}-" + "x" * 40
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", default=",".join(ROWS), help=f"rows: {','.join(ROWS)}")
    parser.add_argument("--reps", type=int, default=9, help="pairs per fast row")
    parser.add_argument("--upload-reps", type=int, default=3, help="pairs per upload row")
    parser.add_argument("--size-mib", type=int, default=2048, help="upload file size")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--ids", type=int, default=5000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--clock",
        choices=["cpu", "wall"],
        default="cpu",
        help="for the call, import and file-info rows: client CPU time (default) or wall time",
    )
    args = parser.parse_args(argv)
    CLOCK[0] = args.clock
    rows = [r.strip() for r in args.only.split(",") if r.strip()]
    unknown = set(rows) - set(ROWS)
    if unknown:
        parser.error(f"unknown rows: {sorted(unknown)}")
    if {"upload", "upload-sha"} & set(rows) and shutil.which("curl") is None:
        parser.error("curl is needed for the upload rows")

    server = subprocess.Popen(
        [sys.executable, str(SERVER)], stdout=subprocess.PIPE, text=True, env=padded_env(0)
    )
    workdir = Path(tempfile.mkdtemp(prefix="st-perf-", dir=args.workdir))
    try:
        assert server.stdout is not None
        base = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        results = run(rows, base, workdir, args)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "perf.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


def run(rows: list[str], base: str, workdir: Path, args: argparse.Namespace) -> dict[str, object]:
    results: dict[str, object] = {
        "clock": args.clock,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    reps, calls = args.reps, args.calls
    size = args.size_mib * MIB
    source = workdir / "source.bin"
    if {"upload", "upload-sha", "limits"} & set(rows):
        print(f"generating {args.size_mib} MiB in {workdir} ...", flush=True)
        generate(source, size)

    def report(
        name: str, sdk: list[float], ref: list[float], ratio: list[float], unit: str
    ) -> None:
        entry = {"sdk": spread(sdk), "reference": spread(ref), "ratio": spread(ratio)}
        results[name] = entry
        r = entry["ratio"]
        print(
            f"{name:<12} sdk median {statistics.median(sdk):.4g} {unit}  "
            f"reference median {statistics.median(ref):.4g} {unit}  "
            f"ratio {r['median']:.2f} (min {r['min']:.2f}, max {r['max']:.2f}, {len(sdk)} pairs)",
            flush=True,
        )

    for row in rows:
        if row in ("calls", "calls-env"):
            env = padded_env(150 if row == "calls-env" else 0)
            sdk, raw = paired(
                reps,
                lambda env=env: child("sdk-info", base, str(calls), env) / calls * 1e6,
                lambda env=env: child("raw-info", base, str(calls), env) / calls * 1e6,
            )
            report(row, sdk, raw, ratios(sdk, raw), "us/call")
        elif row == "upload":
            sdk, curl = paired(
                args.upload_reps,
                lambda: size / MIB / child("sdk-upload", base, str(source)),
                lambda: size / MIB / curl_upload(base, source),
            )
            report(row, sdk, curl, ratios(sdk, curl), "MiB/s")
        elif row == "upload-sha":
            sdk, sha = paired(
                args.upload_reps,
                lambda: size / MIB / child("sdk-upload-sha", base, str(source)),
                lambda: size / MIB / child("hashlib", base, str(source)),
            )
            report(row, sdk, sha, ratios(sdk, sha), "MiB/s")
        elif row == "import":
            sdk, lib = paired(
                reps * 2,
                lambda: child("import-sdk", base, "-") * 1e3,
                lambda: child("import-base", base, "-") * 1e3,
            )
            report("import", sdk, lib, ratios(sdk, lib), "ms")
            client, lib2 = paired(
                reps * 2,
                lambda: child("import-client", base, "-") * 1e3,
                lambda: child("import-base", base, "-") * 1e3,
            )
            report("import-cli", client, lib2, ratios(client, lib2), "ms")
        elif row == "fileinfo":
            for count in (args.ids // 5, args.ids):
                sdk, raw = paired(
                    reps,
                    lambda count=count: child("sdk-fileinfo", base, str(count)) * 1e3,
                    lambda count=count: child("raw-fileinfo", base, str(count)) * 1e3,
                )
                report(f"fileinfo-{count}", sdk, raw, ratios(sdk, raw), "ms")
        elif row == "limits":
            tcp = [size / MIB / child("tcp", base, str(size)) for _ in range(args.upload_reps)]
            sha = [size / MIB / child("hashlib", base, str(source)) for _ in range(reps // 2 or 1)]
            disk_size = min(size, 1024 * MIB)
            env = {**os.environ, "BENCH_DIR": str(workdir)}
            disk = [disk_size / MIB / child("disk", base, str(disk_size), env) for _ in range(3)]
            results["limits"] = {
                "loopback_tcp_mib_s": spread(tcp),
                "sha256_mib_s": spread(sha),
                "disk_write_fsync_mib_s": spread(disk),
            }
            for name, values in (("loopback TCP", tcp), ("sha256", sha), ("disk write", disk)):
                s = spread(values)
                print(
                    f"limit {name:<14} median {s['median']:.0f} MiB/s "
                    f"(min {s['min']:.0f}, max {s['max']:.0f})",
                    flush=True,
                )
    return results


if __name__ == "__main__":
    sys.exit(main())
