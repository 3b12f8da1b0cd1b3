"""Constant memory: a 256 MiB upload and download must not grow a process's peak RSS by more
than a generous bound (the benchmark in bench/ measures 2 GiB; see docs/performance.md)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from streamtape_sdk.testing import FakeStreamtape

SIZE = 256 * 1024 * 1024
#: Far above the few MB measured, far below the file size: a whole-file read would fail it.
BOUND = 64 * 1024 * 1024

# Runs in a fresh interpreter so the measurement holds only the transfer: VmHWM is the peak
# RSS of this process image (getrusage's ru_maxrss would carry the parent's over exec).
MEASURE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from streamtape_sdk import Streamtape

    def peak() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise SystemExit("no VmHWM")

    base_url, login, key, source, dest = sys.argv[1:6]
    client = Streamtape(login, key, base_url=base_url, timeout=300)
    client.account.info()  # warm up imports and the connection pool
    before = peak()
    uploaded = client.files.upload(source)
    after_upload = peak()
    client.files.download(uploaded.id, dest)
    after_download = peak()
    print(json.dumps({"upload": after_upload - before, "download": after_download - before}))
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_transfers_run_in_constant_memory(
    fake_streamtape: FakeStreamtape,
    random_file: Callable[[str, int], Path],
    tmp_path: Path,
) -> None:
    source = random_file("big.bin", SIZE)
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
