"""Remote-upload worker: really fetches the URL, but only from loopback hosts.

The emulator must never generate traffic beyond this machine, so a URL whose host is
not ``localhost`` or a literal loopback IP ends in status ``error`` without any DNS
lookup or connection, and redirects off loopback are refused the same way.
"""

from __future__ import annotations

import hashlib
import ipaddress
import posixpath
import threading
import urllib.request
from email.message import Message
from http.client import HTTPMessage
from pathlib import Path
from typing import IO
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urlsplit

from ._state import CHUNK_SIZE, State

FETCH_TIMEOUT = 30.0


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs on ``localhost``, 127.0.0.0/8 or ``::1`` (no DNS lookup)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    host = parts.hostname
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _LoopbackOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if not is_loopback_url(newurl):
            raise URLError(f"redirect to a non-loopback URL refused: {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


# No ProxyHandler({}) -> urllib would honour HTTP_PROXY and send loopback fetches away.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _LoopbackOnlyRedirects())


def useful_type(header: str | None) -> str | None:
    """A MIME type worth keeping; ``None`` (guess from the name) for generic ones."""
    if not header:
        return None
    mime = header.split(";", 1)[0].strip().lower()
    return None if mime in ("", "application/octet-stream") else mime


def _name_from(url: str, disposition_name: str | None) -> str:
    if disposition_name:
        return posixpath.basename(disposition_name.replace("\\", "/")) or "remote-upload"
    return posixpath.basename(unquote(urlsplit(url).path)) or "remote-upload"


def fetch(state: State, rid: str, url: str, headers: dict[str, str], name: str | None) -> None:
    """Run one remote upload to completion, recording progress in ``state``.

    Lossy like the service (§5.6 N11, N12): a source's own file name (Content-Disposition)
    wins over ``name``; a body that ends before its announced length still ends
    ``finished``, keeping the announced ``bytes_total``; an HTTP error page ends ``error``
    with that page's byte count in ``bytes_loaded``.
    """
    if not is_loopback_url(url):
        state.remote_fail(rid, "only loopback URLs can be fetched by the emulator")
        return
    cancelled = state.remote_cancel_event(rid)
    tmp: Path | None = None
    try:
        request = urllib.request.Request(url, headers=headers)
        try:
            resp = _OPENER.open(request, timeout=FETCH_TIMEOUT)
        except HTTPError as page:
            _record_error_page(state, rid, page, cancelled)
            return
        with resp:
            total = _announced_length(resp.headers)
            if not state.remote_update(rid, loaded=0, total=total):
                return
            disposition = resp.headers.get_filename()
            content_type = useful_type(resp.headers.get("Content-Type"))
            tmp = state.new_incoming_path()
            digest = hashlib.sha256()
            loaded = 0
            with tmp.open("wb") as out:
                while chunk := resp.read(CHUNK_SIZE):
                    if cancelled.is_set():
                        return
                    digest.update(chunk)
                    out.write(chunk)
                    loaded += len(chunk)
                    if not state.remote_update(rid, loaded=loaded):
                        return
        final_name = _name_from(url, disposition) if disposition else name or _name_from(url, None)
        state.remote_finish(
            rid, tmp, final_name, digest.hexdigest(), loaded, content_type, announced=total
        )
        tmp = None
    except Exception as exc:  # any failure of the fetch is the upload's "error" state
        state.remote_fail(rid, f"{type(exc).__name__}: {exc}")
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _announced_length(headers: Message) -> int | None:
    length = headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def _record_error_page(state: State, rid: str, page: HTTPError, cancelled: threading.Event) -> None:
    """Count the bytes of an error page, then end the upload in ``error`` (N12)."""
    loaded = 0
    with page:
        total = _announced_length(page.headers)
        state.remote_update(rid, loaded=0, total=total)
        while chunk := page.read(CHUNK_SIZE):
            if cancelled.is_set():
                return
            loaded += len(chunk)
    state.remote_fail(rid, f"source answered HTTP {page.code}", loaded=loaded)


def start_fetch(
    state: State, rid: str, url: str, headers: dict[str, str], name: str | None
) -> threading.Thread:
    """Start :func:`fetch` in a daemon thread and return it."""
    thread = threading.Thread(
        target=fetch, args=(state, rid, url, headers, name), name=f"fake-remotedl-{rid}"
    )
    thread.daemon = True
    thread.start()
    return thread
