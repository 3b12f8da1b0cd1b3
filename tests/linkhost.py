"""A scripted download-link host for download tests: a real HTTP server (werkzeug) whose
replies misbehave on request, one scripted step per GET.

Steps (a string each, consumed in order; when the script is empty the host answers well):

- `"ok"`: a correct reply (200, or 206 honouring `Range` and `If-Range`);
- `"drop"`: a correct reply whose body stops after half its bytes (the connection closes);
- `"ignore_range"`: 200 with the whole file whatever was asked;
- `"short"`: 206 for the first half of the requested range only (legal HTTP);
- `"wrong_offset"`: 206 from byte 0 whatever offset was asked (Content-Range says so);
- `"lying_offset"`: 206 from byte 0 but a Content-Range that claims the requested offset
  (undetectable from headers: only a hash can catch it);
- `"wrong_total"`: 206 whose Content-Range total is one byte more than the file;
- `"429"`: 429 with `Retry-After: 7`;
- `"403"`: 403 (an expired link);
- `"503"`: 503 without `Retry-After`;
- `"change"`: the file's bytes and ETag change, then a correct reply.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

__all__ = ["LinkHost", "SeenRequest", "link_host"]


@dataclass(frozen=True)
class SeenRequest:
    """What one GET asked for."""

    range: str | None
    if_range: str | None
    step: str


@dataclass
class LinkHost:
    """The host's state: the file, its ETag, the script and the requests seen."""

    content: bytes
    script: deque[str] = field(default_factory=deque)
    seen: list[SeenRequest] = field(default_factory=list)
    version: int = 1
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def etag(self) -> str:
        return f'"v{self.version}-{len(self.content)}"'

    def push(self, *steps: str) -> None:
        self.script.extend(steps)

    def app(self, environ: dict[str, object], start_response: object) -> Iterable[bytes]:
        request = Request(environ)
        with self.lock:
            step = self.script.popleft() if self.script else "ok"
            if step == "change":
                self.content = os.urandom(len(self.content))
                self.version += 1
            content, etag = self.content, self.etag
            self.seen.append(
                SeenRequest(request.headers.get("Range"), request.headers.get("If-Range"), step)
            )
        response = self._reply(request, step, content, etag)
        return response(environ, start_response)  # type: ignore[arg-type]

    def _reply(self, request: Request, step: str, content: bytes, etag: str) -> Response:
        size = len(content)
        if step in ("429", "403", "503"):
            headers = {"Retry-After": "7"} if step == "429" else {}
            return Response(f"HTTP {step}\n", int(step), headers=headers)
        start = 0
        rng = request.range
        if_range = request.headers.get("If-Range")
        honour = rng is not None and step != "ignore_range" and if_range in (None, etag)
        if honour and rng is not None and rng.ranges and rng.ranges[0][0] >= 0:
            start = rng.ranges[0][0]
        headers = {"ETag": etag, "Accept-Ranges": "bytes"}
        if not honour or (start == 0 and rng is None):
            return self._body(content, 200, headers, drop=step == "drop")
        if start >= size:
            return Response(b"", 416, headers={"Content-Range": f"bytes */{size}"})
        end = size - 1
        first = start
        if step == "short":
            end = start + max(0, (size - start) // 2 - 1)
        elif step == "wrong_offset":
            first, end = 0, size - start - 1
            start = 0
        elif step == "lying_offset":
            first = 0
        total = size + 1 if step == "wrong_total" else size
        body = content[first : first + end - start + 1]
        headers["Content-Range"] = f"bytes {start}-{end}/{total}"
        return self._body(body, 206, headers, drop=step == "drop")

    @staticmethod
    def _body(body: bytes, status: int, headers: dict[str, str], *, drop: bool) -> Response:
        headers = {**headers, "Content-Length": str(len(body))}
        if not drop:
            return Response(body, status, headers=headers)

        def cut() -> Iterator[bytes]:
            yield body[: len(body) // 2]
            raise ConnectionAbortedError("scripted drop")  # werkzeug closes the connection

        return Response(cut(), status, headers=headers, direct_passthrough=True)


@contextmanager
def link_host(content: bytes) -> Iterator[LinkHost]:
    """Serve `content` on a scripted link host on 127.0.0.1 for the `with` block."""
    host = LinkHost(content)
    server = make_server("127.0.0.1", 0, host.app, threaded=True)
    host.url = f"http://127.0.0.1:{server.server_port}/file.bin"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
