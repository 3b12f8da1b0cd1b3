"""A small keep-alive HTTP/1.1 loopback server for the benchmarks (threaded, no logging).

It answers the few API calls the benchmarks make with fixed, valid envelopes, and it is a fast
upload sink: it reads a multipart body in 1 MiB steps into one reused buffer and answers what
the upload host would. It does as little as possible per request, so that the client's cost
dominates the measurement. Run by `bench/run.py`; it prints its port on stdout, then serves
until killed:

    python bench/_loopback.py
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_ACCOUNT = json.dumps(
    {
        "status": 200,
        "msg": "OK",
        "result": {
            "apiid": "bench-login",
            "email": "bench@example.com",
            "signup_at": "2019-12-31 23:59:59",
        },
    }
).encode()

_STEP = 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and `Expect: 100-continue` for curl
    disable_nagle_algorithm = True  # small replies go out at once, not after a delayed ACK

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _reply(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        # Head and body in one write: one segment per reply, as a production server sends.
        self._headers_buffer.append(b"\r\n" + body)
        self.flush_headers()

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/account/info":
            self._reply(_ACCOUNT)
        elif parts.path == "/file/info":
            ids = parse_qs(parts.query).get("file", [""])[0].split(",")
            result = {
                i: {"id": i, "status": 200, "name": f"{i}.mp4", "size": 1000, "type": "video/mp4"}
                for i in ids
            }
            self._reply(json.dumps({"status": 200, "msg": "OK", "result": result}).encode())
        elif parts.path == "/file/ul":
            host, port = self.server.server_address[:2]
            url = f"http://{host}:{port}/sink"
            self._reply(json.dumps({"status": 200, "msg": "OK", "result": {"url": url}}).encode())
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        boundary = self.headers.get("Content-Type", "").partition("boundary=")[2].strip('"')
        buffer = bytearray(_STEP)
        view = memoryview(buffer)
        left = length
        head_len = -1
        while left > 0:
            got = self.rfile.readinto(view[: min(_STEP, left)])
            if not got:
                return
            if head_len < 0:
                end = buffer.find(b"\r\n\r\n", 0, got)
                head_len = end + 4 if end >= 0 else 0
            left -= got
        tail_len = len(f"\r\n--{boundary}--\r\n")
        size = max(0, length - head_len - tail_len)
        result = {
            "id": "benchfile",
            "name": "upload.bin",
            "size": size,
            "url": "https://streamtape.com/v/benchfile",
        }
        self._reply(json.dumps({"status": 200, "msg": "OK", "result": result}).encode())


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
