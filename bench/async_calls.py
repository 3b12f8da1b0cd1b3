"""Async call throughput: `AsyncStreamtape` vs a raw `httpx2.AsyncClient`.

200 concurrent `account.info()` calls against a loopback server (a separate process, keep-alive
HTTP/1.1) that answers every request after 50 ms. Each round runs the SDK and the raw client
back to back (paired; the order alternates), and the table reports min/median/max of the
wall time of each side and of the SDK/raw ratio. Target: the SDK within 1.3x of raw.

(bench/async_transfers.py measures transfers: memory and the event loop's longest stall.)

Usage:
    .venv/bin/python bench/async_calls.py [--calls 200] [--delay 0.05] [--rounds 7]

Prints a table and writes bench/results/async_calls.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BODY = json.dumps(
    {
        "status": 200,
        "msg": "OK",
        "result": {
            "apiid": "bench",
            "email": "bench@example.com",
            "signup_at": "2020-01-01 00:00:00",
        },
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
    async with (
        AsyncStreamtape("bench", "benchkey", base_url=base) as sdk,
        httpx2.AsyncClient(limits=limits) as raw,
    ):
        await sdk_round(sdk, calls)  # warm-up: imports, connections
        await raw_round(raw, base + "/account/info", calls)
        for index in range(rounds):
            if index % 2 == 0:
                sdk_times.append(await sdk_round(sdk, calls))
                raw_times.append(await raw_round(raw, base + "/account/info", calls))
            else:
                raw_times.append(await raw_round(raw, base + "/account/info", calls))
                sdk_times.append(await sdk_round(sdk, calls))
    ratios = [s / r for s, r in zip(sdk_times, raw_times, strict=False)]
    return {"sdk_s": summary(sdk_times), "raw_s": summary(raw_times), "ratio": summary(ratios)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=7)
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
    print(json.dumps(results, indent=2))
    out = HERE / "results" / "async_calls.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
