"""Constant memory under the async client: a 256 MiB upload and download must not grow the
process's peak RSS by more than the sync test's bound (bench/async_transfers.py measures
2 GiB), and the event loop keeps ticking while the file is hashed, sent and written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from streamtape_sdk.testing import FakeStreamtape

SIZE = 256 * 1024 * 1024
#: The sync memory test's bound (tests/integration/test_memory.py).
BOUND = 64 * 1024 * 1024

MEASURE = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path
    from streamtape_sdk import AsyncStreamtape

    def peak() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise SystemExit("no VmHWM")

    async def main() -> None:
        base_url, login, key, source, dest = sys.argv[1:6]
        async with AsyncStreamtape(login, key, base_url=base_url, timeout=300) as client:
            await client.account.info()  # warm up imports and the connection pool
            before = peak()
            uploaded = await client.files.upload(source)
            after_upload = peak()
            await client.files.download(uploaded.id, dest)
            after_download = peak()
        print(json.dumps({"upload": after_upload - before, "download": after_download - before}))

    asyncio.run(main())
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_async_transfers_run_in_constant_memory(
    fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    source = tmp_path / "big.bin"
    with source.open("wb") as sink:
        block = os.urandom(1024 * 1024)
        for _ in range(SIZE // len(block)):
            sink.write(block)
    dest = tmp_path / "back.bin"
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            MEASURE,
            fake_streamtape.base_url,
            fake_streamtape.login,
            fake_streamtape.key,
            str(source),
            str(dest),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    growth = json.loads(out.stdout)
    assert growth["upload"] < BOUND, growth
    assert growth["download"] < BOUND, growth
    assert dest.stat().st_size == SIZE
