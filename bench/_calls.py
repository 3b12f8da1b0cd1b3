"""One measurement in a fresh process; prints `{"seconds": ...}` as a JSON line.

Run by `bench/run.py`; not meant to be run by hand.
    python bench/_calls.py MODE BASE_URL ARG

Modes (ARG in brackets):
    sdk-info / raw-info [calls]       N x account.info() vs N x requests.Session().get().json()
    sdk-fileinfo / raw-fileinfo [ids] files.info(ids) vs the same batches of 50, by hand
    import-sdk / import-client / import-base [-]
                                      `import streamtape_sdk` / `from streamtape_sdk import
                                      Streamtape` / `import pydantic, requests`
    sdk-upload / sdk-upload-sha [path] files.upload(path, sha256=False / True)
    hashlib [path]                    a plain hashlib loop over the file (the sha256 limit)
    tcp [bytes]                       raw socket POST of a reused buffer (the loopback limit)
    disk [bytes]                      write a reused buffer to a file and fsync (disk write)
"""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
import time
from urllib.parse import urlsplit

LOGIN = "bench-login"
KEY = "bench-key-0123456789"
MIB = 1024 * 1024

#: CPU seconds of this process over the measured span (set by `_Span`): on a loaded machine
#: the client's CPU time is steadier than wall time, and it is the SDK's own cost.
_cpu: list[float] = []


class _Span:
    """Times a span in wall-clock and in this process's CPU seconds."""

    def __enter__(self) -> _Span:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        _cpu.append(time.process_time() - self.cpu)


def _ids(count: int) -> list[str]:
    return [f"id{n:07d}" for n in range(count)]


def sdk_info(base: str, calls: int) -> float:
    from streamtape_sdk import Streamtape

    client = Streamtape(LOGIN, KEY, base_url=base)
    client.account.info()  # connection, and the model's validator: not per-call costs
    with _Span() as span:
        for _ in range(calls):
            client.account.info()
    client.close()
    return span.wall


def raw_info(base: str, calls: int) -> float:
    import requests

    session = requests.Session()
    url = base + "/account/info"
    params = {"login": LOGIN, "key": KEY}
    session.get(url, params=params, timeout=30).json()
    with _Span() as span:
        for _ in range(calls):
            session.get(url, params=params, timeout=30).json()
    session.close()
    return span.wall


def sdk_fileinfo(base: str, count: int) -> float:
    from streamtape_sdk import Streamtape

    client = Streamtape(LOGIN, KEY, base_url=base)
    client.files.info(["warm"])
    ids = _ids(count)
    with _Span() as span:
        found = client.files.info(ids)
    assert len(found) == count
    client.close()
    return span.wall


def raw_fileinfo(base: str, count: int) -> float:
    import requests

    session = requests.Session()
    url = base + "/file/info"
    session.get(url, params={"login": LOGIN, "key": KEY, "file": "warm"}, timeout=30).json()
    ids = _ids(count)
    found: dict[str, object] = {}
    with _Span() as span:
        for start in range(0, count, 50):
            batch = ",".join(ids[start : start + 50])
            params = {"login": LOGIN, "key": KEY, "file": batch}
            found.update(session.get(url, params=params, timeout=30).json()["result"])
    assert len(found) == count
    session.close()
    return span.wall


def timed_import(mode: str) -> float:
    with _Span() as span:
        if mode == "import-sdk":
            import streamtape_sdk  # noqa: F401
        elif mode == "import-client":
            from streamtape_sdk import Streamtape  # noqa: F401
        else:
            import pydantic  # noqa: F401
            import requests  # noqa: F401
    return span.wall


def sdk_upload(base: str, path: str, sha256: bool) -> float:
    from streamtape_sdk import Streamtape

    client = Streamtape(LOGIN, KEY, base_url=base, timeout=600)
    started = time.perf_counter()
    client.files.upload(path, sha256=sha256)
    elapsed = time.perf_counter() - started
    client.close()
    return elapsed


def hashlib_pass(path: str) -> float:
    import hashlib
    import mmap

    digest = hashlib.sha256()
    view = memoryview(mmap.mmap(-1, MIB))  # page-aligned, as fast a buffer as there is
    started = time.perf_counter()
    with open(path, "rb", buffering=0) as fh:
        while got := fh.readinto(view):
            digest.update(view[:got])
    return time.perf_counter() - started


def tcp(base: str, size: int) -> float:
    parts = urlsplit(base)
    buffer = memoryview(bytearray(MIB))
    head = (
        f"POST /sink HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {size}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        started = time.perf_counter()
        sock.sendall(head)
        left = size
        while left > 0:
            n = min(left, MIB)
            sock.sendall(buffer[:n])
            left -= n
        sock.recv(65536)  # the reply: the sink has read everything
        return time.perf_counter() - started


def disk(size: int) -> float:
    buffer = memoryview(os.urandom(MIB))
    with tempfile.NamedTemporaryFile(dir=os.environ.get("BENCH_DIR")) as fh:
        started = time.perf_counter()
        left = size
        while left > 0:
            n = min(left, MIB)
            fh.write(buffer[:n])
            left -= n
        fh.flush()
        os.fsync(fh.fileno())
        return time.perf_counter() - started


def main() -> int:
    mode, base, arg = sys.argv[1:4]
    if mode == "sdk-info":
        seconds = sdk_info(base, int(arg))
    elif mode == "raw-info":
        seconds = raw_info(base, int(arg))
    elif mode == "sdk-fileinfo":
        seconds = sdk_fileinfo(base, int(arg))
    elif mode == "raw-fileinfo":
        seconds = raw_fileinfo(base, int(arg))
    elif mode.startswith("import-"):
        seconds = timed_import(mode)
    elif mode in ("sdk-upload", "sdk-upload-sha"):
        seconds = sdk_upload(base, arg, sha256=mode == "sdk-upload-sha")
    elif mode == "hashlib":
        seconds = hashlib_pass(arg)
    elif mode == "tcp":
        seconds = tcp(base, int(arg))
    elif mode == "disk":
        seconds = disk(int(arg))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    cpu = _cpu[-1] if _cpu else None
    print(json.dumps({"mode": mode, "seconds": seconds, "cpu_seconds": cpu}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
