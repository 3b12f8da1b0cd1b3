"""The emulator's WSGI application: routing, auth, the 18 endpoints, upload/download hosts."""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import posixpath
import re
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal
from urllib.parse import quote, urlsplit

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.formparser import FormDataParser
from werkzeug.http import http_date, parse_date
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from . import _wire  # pyright: ignore[reportPrivateUsage]
from ._faults import (
    API_ENDPOINTS,
    CAPTCHA,
    DOWNLOAD,
    PROCESSING_FAULTS,
    THUMB,
    UNKNOWN,
    UPLOAD,
    ActiveFault,
    Fault,
    FaultPlan,
)
from ._ranges import Unsatisfiable, parse_range
from ._records import StoredFile
from ._remote import useful_type
from ._state import CHUNK_SIZE, FAILED_RETRIES, State
from ._wire import ApiError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

_log = logging.getLogger("streamtape_sdk.testing")

#: Most ids one ``file/info`` call accepts (assumption; one peer says "Max 100").
MAX_INFO_IDS = 100

#: On a dropped download, at most this much of the requested range is sent.
DROP_DOWNLOAD_BYTES = 256 * 1024

#: ``remotedl/add`` hands new uploads to this: ``(remote_id, url, headers, name)``.
RemoteStarter = Callable[[str, str, dict[str, str], str | None], None]

_JSON = "application/json"
# The upload host's replies carry this type (documented quirk, reference §3.5).
_UPLOAD_REPLY_TYPE = "text/html; charset=UTF-8"
_HTML_TYPE = "text/html; charset=UTF-8"

_HTTP_FAULTS: dict[Fault, tuple[int, str]] = {
    Fault.HTTP_500: (500, "Internal Server Error"),
    Fault.HTTP_502: (502, "Bad Gateway"),
    Fault.HTTP_503: (503, "Service Unavailable"),
    Fault.HTTP_429: (429, "Too Many Requests"),
}

_CLOUDFLARE_PAGE = b"""<!DOCTYPE html>
<html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>
<body><div class="main-wrapper" role="main"><h1>api.streamtape.com</h1>
<p>Error 503: Service Temporarily Unavailable. Checking your browser before accessing.</p>
<div class="cf-footer">Performance &amp; security by Cloudflare</div></div></body></html>
"""

_CLOUDFLARE_CHALLENGE = b"""<!DOCTYPE html>
<html lang="en-US"><head><title>Attention Required! | Cloudflare</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>
<body><div id="cf-wrapper"><h1>Sorry, you have been blocked</h1>
<p>Please complete the security check to access api.streamtape.com.</p>
<div class="cf-footer">Performance &amp; security by Cloudflare</div></div></body></html>
"""

# A truncated envelope: valid prefix, then the body just stops.
_TRUNCATED_JSON = b'{"status": 200, "msg": "OK", "result": {"id": "'


def _png(width: int, height: int) -> bytes:
    """A valid grey PNG of ``width`` x ``height``, built here rather than pasted as a blob."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    pixels = zlib.compress((b"\x00" + b"\x80" * width) * height)  # filter 0, grey rows
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _jpeg_1x1() -> bytes:
    """A valid baseline JPEG of one grey pixel, built here rather than pasted as a blob.

    One 8x8 block whose level-shifted samples are all 0: DC difference category 0 and an
    immediate end-of-block, each coded with the one-bit Huffman code ``0``.
    """

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">HH", 0xFF00 | marker, len(payload) + 2) + payload

    one_code = bytes([1] + [0] * 15) + b"\x00"  # one code of length 1, for symbol 0
    return (
        b"\xff\xd8"  # SOI
        + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + segment(0xDB, b"\x00" + b"\x01" * 64)  # quantisation table 0, all ones
        + segment(0xC0, struct.pack(">BHHB", 8, 1, 1, 1) + b"\x01\x11\x00")  # 1x1 grey
        + segment(0xC4, b"\x00" + one_code)  # DC table 0
        + segment(0xC4, b"\x10" + one_code)  # AC table 0
        + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")  # scan: component 1, tables 0/0
        + b"\x3f"  # bits 0 (DC diff 0), 0 (EOB), padded with ones
        + b"\xff\xd9"  # EOI
    )


#: Thumbnails are JPEG, at URLs ending in ``.jpg`` (§5.6 N17).
THUMBNAIL_JPEG = _jpeg_1x1()

#: Size in pixels of the captcha image (``captcha_w`` x ``captcha_h`` in tickets).
CAPTCHA_SIZE = (160, 60)
CAPTCHA_PNG = _png(*CAPTCHA_SIZE)


class _HashingFile(io.FileIO):
    """A file on disk that hashes what werkzeug's form parser writes into it."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "w+")
        self.path = path
        self.digest = hashlib.sha256()
        self.written = 0

    def write(self, b: ReadableBuffer, /) -> int:
        n = super().write(b) or 0
        self.digest.update(memoryview(b)[:n])
        self.written += n
        return n


class _Params:
    """Request parameters: the query string, and for POST the form body too."""

    def __init__(self, request: Request) -> None:
        self._values = request.values

    def get(self, name: str) -> str | None:
        value = self._values.get(name)
        return value if value else None

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise ApiError(400, _wire.missing_param(name))
        return value

    def folder(self, name: str) -> str | None:
        """A folder id; missing, ``""`` or ``"0"`` mean the root (``None``)."""
        value = self.get(name)
        return None if value in (None, _wire.ROOT_FOLDER_ID) else value


def _drop_after(chunks: Iterable[bytes], limit: int) -> Iterator[bytes]:
    """Yield at most ``limit`` bytes of ``chunks``, then cut the connection.

    The first empty chunk makes werkzeug send the status line and headers (with the
    full Content-Length) even when ``limit`` is 0. Raising a ``ConnectionError`` is
    what werkzeug's server treats as "client went away": it stops writing, logs
    nothing, and closes the socket (every response is ``Connection: close``), so the
    client sees an incomplete body.
    """
    yield b""
    sent = 0
    for chunk in chunks:
        room = limit - sent
        if len(chunk) >= room:
            if room > 0:
                yield chunk[:room]
            break
        sent += len(chunk)
        yield chunk
    raise ConnectionAbortedError("streamtape emulator: injected 'drop' fault")


class _Releasing:
    """A response body that calls ``release`` once when the server closes it.

    The WSGI server closes the body however the reply ends (sent, cut by a fault, or
    the client went away), so a connection slot is never leaked.
    """

    def __init__(self, body: Iterable[bytes], release: Callable[[], None]) -> None:
        self._body = body
        self._release: Callable[[], None] | None = release

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


def _file_chunks(path: Path, start: int, stop: int) -> Iterator[bytes]:
    """Stream ``[start, stop)`` of a file from disk; opened lazily (HEAD never opens it)."""
    with path.open("rb") as fh:
        fh.seek(start)
        left = stop - start
        while left > 0:
            data = fh.read(min(CHUNK_SIZE, left))
            if not data:
                break
            left -= len(data)
            yield data


#: How much of an upload body is read ahead to check its part headers (N7).
STRICT_PEEK_BYTES = 64 * 1024


class _Replay(io.RawIOBase):
    """A request body whose first bytes were already read: those, then the rest."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: ReadableBuffer) -> int:
        out = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(out), len(self._head))
            out[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(out))
        out[: len(data)] = data
        return len(data)


def _check_strict_upload(request: Request) -> None:
    """Refuse what the real upload host is believed to refuse (§5.6 N7).

    A body without ``Content-Length`` (chunked) gets 411. A part whose header block has
    no line spelt exactly ``Content-Disposition:`` gets 400; the part headers found in
    the first ``STRICT_PEEK_BYTES`` of the body are checked. The bytes read ahead are
    put back, so the form parser sees the whole body.

    Raises:
        ApiError: 411 or 400 as above.
    """
    environ = request.environ
    length = request.content_length
    if length is None or "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        raise ApiError(
            411, "Length Required: the upload needs a Content-Length (chunked bodies are refused)"
        )
    raw: IO[bytes] = environ["wsgi.input"]
    head = raw.read(min(length, STRICT_PEEK_BYTES))
    # Unbuffered: a read-ahead buffer would block on the kept-alive socket past the body.
    environ["wsgi.input"] = _Replay(head, raw)
    boundary = request.mimetype_params.get("boundary", "").encode("latin-1")
    if not boundary:
        return  # the form parser reports the malformed body
    for block in head.split(b"--" + boundary)[1:]:
        headers, sep, _ = block.partition(b"\r\n\r\n")
        if not sep:
            break  # cut by the read-ahead (or the closing delimiter)
        names = [line.split(b":", 1)[0] for line in headers.split(b"\r\n") if b":" in line]
        if b"Content-Disposition" not in names:
            raise ApiError(
                400,
                "Bad request: every multipart part needs a 'Content-Disposition' header "
                "spelt exactly so",
            )


def _parse_headers(raw: str | None) -> dict[str, str]:
    """``remotedl/add`` headers: ``Name: value`` lines separated by newlines."""
    headers: dict[str, str] = {}
    if raw is None:
        return headers
    for line in raw.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        name = name.strip()
        if not sep or not name or any(c.isspace() for c in name):
            raise ApiError(400, "Bad request: headers must be 'Name: value' lines")
        headers[name] = value.strip()
    return headers


Handler = Callable[["EmulatorApp", Request, _Params], Any]


class EmulatorApp:
    """The WSGI callable. Holds no state of its own besides configuration."""

    def __init__(
        self,
        state: State,
        faults: FaultPlan,
        *,
        error_http_status: Literal["mirror", "200"],
        start_remote: RemoteStarter,
        strict_upload: bool = True,
    ) -> None:
        self.strict_upload = strict_upload
        self.state = state
        self.faults = faults
        self.error_http_status = error_http_status
        self.start_remote = start_remote
        rules = [Rule(f"/{ep}", endpoint=ep, methods=["GET", "POST"]) for ep in API_ENDPOINTS]
        rules += [
            Rule("/ul/<token>", endpoint=UPLOAD, methods=["POST"]),
            Rule("/thumb/<file_id>.jpg", endpoint=THUMB, methods=["GET"]),
            Rule("/captcha/<token>.png", endpoint=CAPTCHA, methods=["GET"]),
        ]
        # strict_slashes=False: a trailing slash (`/file/listfolder/`) still matches.
        # merge_slashes=False: `/file//info` is unknown (404), never a redirect whose
        # Location would repeat the query string, credentials included.
        self.url_map = Map(rules, strict_slashes=False, merge_slashes=False)

    # -- WSGI entry -----------------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = self._route(request)
        # Connections are kept alive: a body left unread would be taken for the next
        # request, so read whatever the handler did not.
        self._drain(request)
        guard = environ.get(INPUT_GUARD_KEY)
        if isinstance(guard, _InputGuard):
            guard.finished = True
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/dl/"):
            # Routed by hand: the name after the token is decorative and may be anything
            # (".", "..", a newline), which a URL rule would not match.
            token = path[len("/dl/") :].split("/", 1)[0]
            if request.method not in ("GET", "HEAD"):
                return self._unrouted(request, 405)
            return self._download(request, token)
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except MethodNotAllowed:
            return self._unrouted(request, 405)
        except HTTPException:  # RequestRedirect included: a redirect would echo the query
            return self._unrouted(request, 404)
        if endpoint == UPLOAD:
            return self._upload(request, str(args["token"]))
        if endpoint == THUMB:
            return self._thumb(request, str(args["file_id"]))
        if endpoint == CAPTCHA:
            return self._captcha(request, str(args["token"]))
        if request.method == "HEAD":
            # HEAD never changes state, and the API has no side-effect-free way to
            # answer one: refuse it like any other unsupported method.
            return self._unrouted(request, 405)
        return self._api(request, str(endpoint))

    def _unrouted(self, request: Request, status: Literal[404, 405]) -> Response:
        """Log and refuse a request no endpoint takes (never echoing its URL)."""
        self.state.log_request(
            UNKNOWN, request.method, None, request.args.to_dict(), None, path=request.path
        )
        if status == 405:
            response = self._json(405, "Method not allowed", http_status=405)
            response.headers["Allow"] = "GET, POST"
            return response
        return self._json(404, "Not found: unknown endpoint", http_status=404)

    # -- response helpers -----------------------------------------------------------------

    def _http_status_for(self, status: int) -> int:
        return status if self.error_http_status == "mirror" and status != 200 else 200

    def _json(
        self,
        status: int,
        msg: str,
        result: Any = None,
        *,
        http_status: int | None = None,
        content_type: str = _JSON,
        drop: bool = False,
        string_status: bool = False,
    ) -> Response:
        wire_status: int | str = str(status) if string_status else status
        body = _wire.dumps(_wire.envelope(wire_status, msg, result))
        code = self._http_status_for(status) if http_status is None else http_status
        if drop:
            return Response(
                _drop_after([body], len(body) // 2),
                code,
                headers={"Content-Length": str(len(body)), "Content-Type": content_type},
                direct_passthrough=True,
            )
        return Response(body, code, content_type=content_type)

    def _fault_response(self, fault: Fault) -> Response:
        if fault in _HTTP_FAULTS:
            code, reason = _HTTP_FAULTS[fault]
            response = self._json(code, reason, http_status=code)
            if fault is Fault.HTTP_429:
                response.headers["Retry-After"] = "1"
            return response
        if fault is Fault.JSON_509:
            return self._json(509, _wire.MSG_BANDWIDTH)
        if fault is Fault.JSON_429:
            return self._json(429, _wire.MSG_TOO_MANY_REQUESTS, string_status=True)
        if fault is Fault.NULL_RESULT:
            return self._json(200, _wire.MSG_OK)
        if fault is Fault.CLOUDFLARE_403:
            return Response(_CLOUDFLARE_CHALLENGE, 403, content_type=_HTML_TYPE)
        if fault is Fault.HTML:
            return Response(_CLOUDFLARE_PAGE, 503, content_type=_HTML_TYPE)
        if fault is Fault.HTML_200:
            return Response(_CLOUDFLARE_PAGE, 200, content_type=_HTML_TYPE)
        if fault is Fault.INVALID_JSON:
            return Response(_TRUNCATED_JSON, 200, content_type=_JSON)
        return Response(b"", 200, content_type=_JSON)  # Fault.EMPTY

    def _begin(self, endpoint: str, request: Request) -> ActiveFault | None:
        """Log the request and take its fault; sleep here for ``slow``.

        HEAD takes no fault: a fault queued for the next download is meant for a GET.
        """
        active = None if request.method == "HEAD" else self.faults.take(endpoint)
        self.state.log_request(
            endpoint,
            request.method,
            active.fault.value if active else None,
            request.args.to_dict(),
            request.headers.get("Range"),
            path=request.path,
        )
        if active is not None and active.fault is Fault.SLOW:
            time.sleep(active.delay)
        return active

    @staticmethod
    def _short_circuits(active: ActiveFault | None) -> bool:
        """Faults answered instead of the real response (no state change)."""
        return active is not None and active.fault not in PROCESSING_FAULTS

    @staticmethod
    def _drain(request: Request) -> None:
        """Read and discard an unread request body so the client can read our reply."""
        stream = request.stream
        while stream.read(CHUNK_SIZE):
            pass

    @staticmethod
    def _host(request: Request) -> str:
        # URLs we hand out point at whatever address the client used to reach us.
        return request.host_url.rstrip("/")

    # -- API endpoints --------------------------------------------------------------------

    def _api(self, request: Request, endpoint: str) -> Response:
        active = self._begin(endpoint, request)
        if self._short_circuits(active):
            assert active is not None
            return self._fault_response(active.fault)
        drop = active is not None and active.fault is Fault.DROP
        as_string = active is not None and active.fault is Fault.STRING_STATUS
        params = _Params(request)
        try:
            # /file/dl needs no credentials; any sent are ignored.
            if endpoint != "file/dl" and not self.state.check_auth(
                params.get("login"), params.get("key")
            ):
                raise ApiError(403, _wire.MSG_PERMISSION_DENIED)
            result = _HANDLERS[endpoint](self, request, params)
        except ApiError as err:
            return self._json(err.status, err.msg, drop=drop, string_status=as_string)
        return self._json(200, _wire.MSG_OK, result, drop=drop, string_status=as_string)

    def account_info(self, request: Request, p: _Params) -> Any:
        return {
            "apiid": self.state.login,
            "email": self.state.email,
            "signup_at": _wire.fmt_date(self.state.signup_at),
        }

    def file_dlticket(self, request: Request, p: _Params) -> Any:
        grant = self.state.issue_ticket(p.require("file"))
        result: dict[str, Any] = {
            "ticket": grant.ticket,
            "wait_time": grant.wait,
            "valid_until": _wire.fmt_date(grant.valid_until),
        }
        # captcha_* are false when no captcha is demanded, as Openload sent them (§3.2,
        # §5.6 N10); with one, an image URL and its size in pixels.
        if grant.captcha_token is None:
            result.update(captcha_url=False, captcha_w=False, captcha_h=False)
        else:
            width, height = CAPTCHA_SIZE
            url = f"{self._host(request)}/captcha/{grant.captcha_token}.png"
            result.update(captcha_url=url, captcha_w=width, captcha_h=height)
        return result

    def file_dl(self, request: Request, p: _Params) -> Any:
        file_id, ticket = p.require("file"), p.require("ticket")
        f, token = self.state.redeem_ticket(file_id, ticket, p.get("captcha_response"))
        url = f"{self._host(request)}/dl/{token}{_link_suffix(f.name)}"
        return {"name": f.name, "size": f.size, "url": url}

    def file_info(self, request: Request, p: _Params) -> Any:
        raw = p.require("file")
        ids = list(dict.fromkeys(i.strip() for i in raw.split(",") if i.strip()))
        if not ids:
            raise ApiError(400, _wire.missing_param("file"))
        if len(ids) > MAX_INFO_IDS:
            raise ApiError(400, f"Bad request: too many file ids (max {MAX_INFO_IDS})")
        host = self._host(request)
        result: dict[str, Any] = {}
        for file_id in ids:
            f = self.state.get_file(file_id)
            result[file_id] = (
                _wire.file_info_missing(file_id)
                if f is None
                else _wire.file_info_found(f, f"{host}/thumb/{f.id}.jpg")
            )
        return result

    def file_ul(self, request: Request, p: _Params) -> Any:
        sha256 = p.get("sha256")
        if sha256 is not None:
            sha256 = sha256.lower()
            if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
                raise ApiError(400, "Bad request: sha256 must be 64 hex characters")
        token, valid_until = self.state.issue_upload_slot(p.folder("folder"), sha256)
        # httponly is accepted and ignored: the emulator only speaks http.
        return {
            "url": f"{self._host(request)}/ul/{token}",
            "valid_until": _wire.fmt_date(valid_until),
        }

    def remotedl_add(self, request: Request, p: _Params) -> Any:
        url = p.require("url")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ApiError(400, "Bad request: url must be an absolute http(s) URL")
        headers = _parse_headers(p.get("headers"))
        folder = p.folder("folder")
        record = self.state.add_remote(url, folder, headers, p.get("name"))
        self.start_remote(record.id, url, headers, record.name)
        return {"id": record.id, "folderid": _wire.folder_ref(folder)}

    def remotedl_remove(self, request: Request, p: _Params) -> Any:
        self.state.remove_remote(p.require("id"))
        return True

    def remotedl_status(self, request: Request, p: _Params) -> Any:
        raw_limit = p.get("limit")
        limit: int | None = None
        if raw_limit is not None:
            if not raw_limit.isdigit() or int(raw_limit) < 1:
                raise ApiError(400, "Bad request: limit must be a positive integer")
            limit = int(raw_limit)
        records = self.state.remote_uploads(p.get("id"))
        if limit is not None:
            records = records[:limit]
        return {r.id: _wire.remote_status(r) for r in records}

    def file_listfolder(self, request: Request, p: _Params) -> Any:
        folders, files = self.state.list_folder(p.folder("folder"))
        return _wire.listfolder_result(folders, files)

    def file_createfolder(self, request: Request, p: _Params) -> Any:
        name = p.require("name")
        return {"folderid": self.state.add_folder(name, p.folder("pid"))}

    def _real_folder(self, p: _Params) -> str:
        folder = p.require("folder")
        if folder == _wire.ROOT_FOLDER_ID:
            raise ApiError(400, "Bad request: the root folder cannot be changed")
        return folder

    def file_renamefolder(self, request: Request, p: _Params) -> Any:
        folder = self._real_folder(p)
        self.state.rename_folder(folder, p.require("name"))
        return True

    def file_deletefolder(self, request: Request, p: _Params) -> Any:
        self.state.delete_folder(self._real_folder(p))
        return True

    def file_rename(self, request: Request, p: _Params) -> Any:
        file_id = p.require("file")
        self.state.rename_file(file_id, p.require("name"))
        return True

    def file_move(self, request: Request, p: _Params) -> Any:
        file_id = p.require("file")
        p.require("folder")  # required, but "0" is accepted and means the root
        self.state.move_file(file_id, p.folder("folder"))
        return True

    def file_delete(self, request: Request, p: _Params) -> Any:
        self.state.delete_file(p.require("file"))
        return True

    def file_runningconverts(self, request: Request, p: _Params) -> Any:
        running = [f for f in self.state.files() if f.conversion_status in ("new", "pending")]
        running.sort(key=lambda f: f.created_at)
        return [_wire.convert_item(f, 0) for f in running]

    def file_failedconverts(self, request: Request, p: _Params) -> Any:
        failed = [f for f in self.state.files() if f.conversion_status == "failed"]
        failed.sort(key=lambda f: f.created_at)
        return [_wire.convert_item(f, FAILED_RETRIES) for f in failed]

    def file_getsplash(self, request: Request, p: _Params) -> Any:
        f = self.state.require_file(p.require("file"))
        return f"{self._host(request)}/thumb/{f.id}.jpg"

    # -- upload host ----------------------------------------------------------------------

    def _upload(self, request: Request, token: str) -> Response:
        active = self._begin(UPLOAD, request)
        if self._short_circuits(active):
            assert active is not None
            self._drain(request)  # nothing may change, but the client must get our reply
            return self._fault_response(active.fault)
        drop = active is not None and active.fault is Fault.DROP
        as_string = active is not None and active.fault is Fault.STRING_STATUS
        try:
            try:
                target = self.state.claim_upload_slot(token)
                if not self.state.folder_exists(target.folder):
                    raise ApiError(404, _wire.MSG_FOLDER_NOT_FOUND)
                if request.mimetype != "multipart/form-data":
                    raise ApiError(400, "Bad request: expected multipart/form-data")
                if self.strict_upload:
                    _check_strict_upload(request)
            except ApiError:
                self._drain(request)
                raise
            result = self._receive(request, target.folder, target.sha256)
        except ApiError as err:
            http_status = 411 if err.status == 411 else None
            return self._json(
                err.status,
                err.msg,
                http_status=http_status,
                content_type=_UPLOAD_REPLY_TYPE,
                drop=drop,
                string_status=as_string,
            )
        return self._json(
            200,
            _wire.MSG_OK,
            result,
            content_type=_UPLOAD_REPLY_TYPE,
            drop=drop,
            string_status=as_string,
        )

    def _receive(self, request: Request, folder: str | None, expected: str | None) -> Any:
        """Stream the multipart body to disk, keep the first file part, check its hash."""
        created: list[_HashingFile] = []

        def stream_factory(
            total_content_length: int | None,
            content_type: str | None,
            filename: str | None,
            content_length: int | None = None,
        ) -> IO[bytes]:
            out = _HashingFile(self.state.new_incoming_path())
            created.append(out)
            return out

        kept: _HashingFile | None = None
        try:
            try:
                parser = FormDataParser(
                    stream_factory=stream_factory,
                    silent=False,
                    max_form_parts=1000,
                    max_form_memory_size=1024 * 1024,
                )
                # request.stream, not a second stream over the socket: it counts what
                # was read, so the end-of-request drain reads exactly the rest.
                _, _, files = parser.parse(
                    request.stream,
                    request.mimetype,
                    request.content_length,
                    request.mimetype_params,
                )
            except (ValueError, HTTPException) as exc:
                raise ApiError(400, f"Bad request: malformed multipart body ({exc})") from None
            first = next(iter(files.items(multi=True)), None)
            if first is None:
                raise ApiError(400, "Bad request: no file part in the upload")
            part = first[1]
            received = next(c for c in created if c is part.stream)
            received.close()
            digest = received.digest.hexdigest()
            if expected is not None and expected != digest:
                raise ApiError(
                    400, _wire.MSG_SHA256_MISMATCH.format(expected=expected, actual=digest)
                )
            name = posixpath.basename((part.filename or "").replace("\\", "/")) or "upload"
            stored = self.state.import_file(
                received.path,
                name=name,
                folder=folder,
                sha256=digest,
                size=received.written,
                content_type=useful_type(part.content_type),
            )
            kept = received
        finally:
            for c in created:
                c.close()
                if c is not kept:
                    c.path.unlink(missing_ok=True)
        return {
            "id": stored.id,
            "name": stored.name,
            "size": str(stored.size),  # a string on the wire (reference §3.5)
            "sha256": stored.sha256,
            "content_type": stored.content_type,
            "url": _wire.page_link(stored.id, stored.name),
        }

    # -- download host (CDN links) --------------------------------------------------------

    def _download(self, request: Request, token: str) -> Response:
        active = self._begin(DOWNLOAD, request)
        if self._short_circuits(active):
            assert active is not None
            return self._fault_response(active.fault)
        fault = None if active is None else active.fault
        head = request.method == "HEAD"
        if head:  # HEAD holds no connection slot: it sends no body
            f, admitted = self.state.resolve_link(token), True
        else:
            f, admitted = self.state.open_link(token)
        if f is None:
            return Response("download link expired or invalid\n", 403, mimetype="text/plain")
        if not admitted:
            return Response(
                "too many connections to this download link\n",
                429,
                headers={"Retry-After": "1"},
                mimetype="text/plain",
            )
        release = None if head else (lambda: self.state.close_link(token))
        try:
            return self._link_response(request, f, fault, release)
        except BaseException:
            if release is not None:
                release()
            raise

    def _link_response(
        self,
        request: Request,
        f: StoredFile,
        fault: Fault | None,
        release: Callable[[], None] | None,
    ) -> Response:
        """A download link's reply: validators, Range/If-Range, and the link faults.

        ``release`` frees the link's connection slot once the reply has ended.
        """
        size = f.size
        etag = _etag(f)
        headers = {
            "Accept-Ranges": "bytes",
            "Content-Type": f.content_type,
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(f.name, safe='')}",
            "ETag": etag,
            "Last-Modified": http_date(f.modified_at),
        }
        wanted = parse_range(request.headers.get("Range"), size)
        if wanted is not None and not _if_range_matches(request.headers.get("If-Range"), f):
            wanted = None  # a changed file: RFC 9110 §13.1.5 says send it whole
        if fault is Fault.RANGE_IGNORED:
            wanted = None
        if isinstance(wanted, Unsatisfiable):
            if release is not None:
                release()
            return Response(
                b"",
                416,
                headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"},
            )
        start, stop, status = 0, size, 200
        if wanted is not None:
            start, stop, status = wanted.start, wanted.stop, 206
        if fault is Fault.SHORT_206:
            stop = start + max((stop - start) // 2, min(1, stop - start))
            status = 206
        elif fault is Fault.WRONG_OFFSET_206:
            start, stop, status = 0, stop - start, 206
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
        headers["Content-Length"] = str(stop - start)
        body: Iterable[bytes] = _file_chunks(f.path, start, stop)
        if fault is Fault.DROP:
            body = _drop_after(body, min(DROP_DOWNLOAD_BYTES, (stop - start) // 2))
        if release is not None:
            # direct_passthrough bypasses call_on_close: the body itself frees the slot.
            body = _Releasing(body, release)
        return Response(body, status, headers=headers, direct_passthrough=True)

    def _captcha(self, request: Request, token: str) -> Response:
        self.state.log_request(
            CAPTCHA,
            request.method,
            None,
            request.args.to_dict(),
            request.headers.get("Range"),
            path=request.path,
        )
        if not self.state.captcha_exists(token):
            return Response("not found\n", 404, mimetype="text/plain")
        return Response(CAPTCHA_PNG, 200, mimetype="image/png")

    def _thumb(self, request: Request, file_id: str) -> Response:
        self.state.log_request(
            THUMB,
            request.method,
            None,
            request.args.to_dict(),
            request.headers.get("Range"),
            path=request.path,
        )
        if self.state.get_file(file_id) is None:
            return Response("not found\n", 404, mimetype="text/plain")
        return Response(THUMBNAIL_JPEG, 200, mimetype="image/jpeg")


def _link_suffix(name: str) -> str:
    """``/{name}`` percent-encoded, or nothing for ``.``/``..``.

    Clients resolve dot segments before sending (RFC 3986 §5.2.4), so ``/dl/T/..`` would
    arrive as ``/dl/``; the name is decorative, so such links end at the token.
    """
    return "" if name in (".", "..") else "/" + quote(name, safe="")


def _etag(f: StoredFile) -> str:
    """A strong validator: changes whenever the stored bytes change."""
    return f'"{f.sha256[:32]}"'


def _if_range_matches(value: str | None, f: StoredFile) -> bool:
    """True when ``If-Range`` is absent or still names the current representation.

    An entity tag must match strongly (a weak ``W/`` tag never does); a date must equal
    ``Last-Modified`` (RFC 9110 §13.1.5).
    """
    if value is None:
        return True
    value = value.strip()
    if value.startswith('"'):
        return value == _etag(f)
    if value.startswith("W/"):
        return False
    when = parse_date(value)
    return when is not None and int(when.timestamp()) == int(f.modified_at.timestamp())


_SECRET_PARAM = re.compile(r"([?&]key=)[^&\s\"]*")


#: The environ key under which the handler passes its ``_InputGuard`` to the app.
INPUT_GUARD_KEY = "streamtape_sdk.testing.input_guard"


class _InputGuard:
    """The connection's input stream, closed to reads once the request body is done.

    After each reply werkzeug reads and discards whatever the socket holds (it assumes
    every connection closes); on a kept-alive connection that is the next request. Once
    the app has read the body to its end it sets ``finished``, and that discarding read
    then gets nothing.
    """

    def __init__(self, raw: io.BufferedIOBase) -> None:
        self.raw = raw
        self.finished = False

    def read(self, size: int | None = -1) -> bytes:
        return b"" if self.finished else self.raw.read(size)

    def read1(self, size: int = -1) -> bytes:
        return b"" if self.finished else self.raw.read1(size)

    def readinto(self, buffer: bytearray | memoryview) -> int:
        return 0 if self.finished else self.raw.readinto(buffer)

    def readline(self, size: int | None = -1) -> bytes:
        return b"" if self.finished else self.raw.readline(size)


class ConnectionRegistry:
    """The open client connections of one server, so ``stop`` can close idle ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()

    def add(self, conn: socket.socket) -> None:
        with self._lock:
            self._open.add(conn)

    def discard(self, conn: socket.socket) -> None:
        with self._lock:
            self._open.discard(conn)

    def close_all(self) -> None:
        with self._lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's handler with persistent connections and quiet per-request logging.

    werkzeug sends ``Connection: close`` on every reply; here HTTP/1.1 connections stay
    open (unless the client asked otherwise or a reply was cut short) until they have
    been idle ``timeout`` seconds, as a real server's keep-alive does.
    """

    protocol_version = "HTTP/1.1"
    registry: ConnectionRegistry | None = None

    def setup(self) -> None:
        super().setup()
        if self.registry is not None:
            self.registry.add(self.connection)

    def finish(self) -> None:
        if self.registry is not None:
            self.registry.discard(self.connection)
        super().finish()

    def run_wsgi(self) -> None:
        real = self.rfile
        guard = _InputGuard(real)
        self.rfile = guard  # type: ignore[assignment]
        try:
            super().run_wsgi()
        finally:
            self.rfile = real
        if not guard.finished:
            self.close_connection = True  # the app never finished the body: do not reuse

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        if isinstance(self.rfile, _InputGuard):
            environ[INPUT_GUARD_KEY] = self.rfile
        return environ

    def send_header(self, keyword: str, value: str) -> None:
        if (
            keyword.lower() == "connection"
            and value.lower() == "close"
            and not self.close_connection
        ):
            return  # werkzeug's blanket "close": keep the connection instead
        super().send_header(keyword, value)

    def connection_dropped(
        self, error: BaseException, environ: WSGIEnvironment | None = None
    ) -> None:
        # A reply cut short (fault "drop", or the client left) leaves the stream out of
        # step: never read another request from this connection.
        self.close_connection = True

    def log(self, type: str, message: str, *args: Any) -> None:
        # The request line carries ?key=...: mask it, so DEBUG test logs never show a key.
        line = _SECRET_PARAM.sub(r"\1***", (message % args) if args else message)
        _log.debug("%s %s", self.address_string(), line)


def make_handler(
    idle_timeout: float,
) -> tuple[type[QuietRequestHandler], ConnectionRegistry]:
    """A handler class for one server, with its idle timeout and connection registry."""
    registry = ConnectionRegistry()
    handler = type(
        "EmulatorRequestHandler",
        (QuietRequestHandler,),
        # StreamRequestHandler.timeout: the socket timeout, so an idle connection ends.
        {"timeout": idle_timeout, "registry": registry},
    )
    return handler, registry


_HANDLERS: dict[str, Handler] = {
    ep: getattr(EmulatorApp, ep.replace("/", "_")) for ep in API_ENDPOINTS
}
