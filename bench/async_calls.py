"""Async call throughput: `AsyncStreamtape` vs a raw `httpx2.AsyncClient`.

200 concurrent `account.info()` calls against a loopback server (a separate process, keep-alive
HTTP/1.1) that answers every request after 50 ms. Each round runs the SDK and the raw client
back to back (paired; the order alternates), and the table reports min/median/max of the
wall time of each side and of the SDK/raw ratio. Target: the SDK within 1.3x of raw.

It also measures the event loop's longest stall while the SDK client hashes and uploads a
file (--stall-mib, default 256; 0 skips it) against the emulator: a ticker task records the
largest gap between its 10 ms ticks.

Usage:
    .venv/bin/python bench/async_calls.py [--calls 200] [--delay 0.05] [--rounds 7]

Prints a table and writes bench/results/async_calls.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BODY = json.dumps(
    {
        "status": 200,
        "msg": "OK",
        "result": {"apiid": "bench", "email": "bench@example.com", "signup_at": "2020-01-01 00:00:00"},
    }
).encode()


async def _serve(port: int, delay: float) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    return
                await asyncio.sleep(delay)
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(BODY)}\r\n\r\n".encode()
                    + BODY
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def sdk_round(client: object, calls: int) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(client.account.info() for _ in range(calls)))  # type: ignore[attr-defined]
    return time.perf_counter() - started


async def raw_round(client: object, url: str, calls: int) -> float:
    async def one() -> object:
        response = await client.get(url, params={"login": "bench", "key": "benchkey"})  # type: ignore[attr-defined]
        return response.json()["result"]

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(calls)))
    return time.perf_counter() - started


def summary(values: list[float]) -> dict[str, float]:
    return {
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
    }


async def measure_calls(port: int, calls: int, rounds: int) -> dict[str, object]:
    import httpx2

    from streamtape_sdk import AsyncStreamtape

    base = f"http://127.0.0.1:{port}"
    limits = httpx2.Limits(max_connections=256, max_keepalive_connections=32)
    sdk_times: list[float] = []
    raw_times: list[float] = []
    async with AsyncStreamtape("bench", "benchkey", base_url=base) as sdk, httpx2.AsyncClient(
        limits=limits
    ) as raw:
        await sdk_round(sdk, calls)  # warm-up: imports, connections
        await raw_round(raw, base + "/account/info", calls)
        for index in range(rounds):
            if index % 2 == 0:
                sdk_times.append(await sdk_round(sdk, calls))
                raw_times.append(await raw_round(raw, base + "/account/info", calls))
            else:
                raw_times.append(await raw_round(raw, base + "/account/info", calls))
                sdk_times.append(await sdk_round(sdk, calls))
    ratios = [s / r for s, r in zip(sdk_times, raw_times)]
    return {"sdk_s": summary(sdk_times), "raw_s": summary(raw_times), "ratio": summary(ratios)}


async def measure_stall(size_mib: int) -> dict[str, float]:
    from streamtape_sdk.testing import FakeStreamtape

    with tempfile.TemporaryDirectory() as tmp, FakeStreamtape() as fake:
        source = Path(tmp) / "stall.bin"
        with source.open("wb") as out:
            block = os.urandom(1024 * 1024)
            for _ in range(size_mib):
                out.write(block)
        client = fake.async_client(timeout=600)
        worst = 0.0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal worst
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0.01)
                now = time.perf_counter()
                worst = max(worst, now - last - 0.01)
                last = now

        tick = asyncio.create_task(ticker())
        started = time.perf_counter()
        async with client:
            uploaded = await client.files.upload(source)
            upload_s = time.perf_counter() - started
            await client.files.download(uploaded.id, Path(tmp) / "back.bin")
        done.set()
        await tick
    return {"size_mib": size_mib, "upload_s": upload_s, "longest_stall_ms": worst * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--stall-mib", type=int, default=256)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.serve, args.delay))
        return
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port), "--delay", str(args.delay)]
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        results: dict[str, object] = {
            "calls": args.calls,
            "server_delay_s": args.delay,
            "rounds": args.rounds,
            **asyncio.run(measure_calls(port, args.calls, args.rounds)),
        }
    finally:
        server.terminate()
        server.wait()
    if args.stall_mib:
        results["stall"] = asyncio.run(measure_stall(args.stall_mib))
    print(json.dumps(results, indent=2))
    out = HERE / "results" / "async_calls.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
