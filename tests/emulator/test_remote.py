"""Remote uploads: real loopback fetches, the state machine, cancellation, no outside traffic."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from streamtape_sdk.testing import FakeStreamtape, Fault
from tests.emulator.emulator_helpers import B64_ID_RE, DATE_RE, Api

ERROR_PAGE = b"<html><body><h1>404 Not Found</h1></body></html>\n" * 3


@dataclass
class Source:
    """A tiny loopback HTTP server to fetch from."""

    base_url: str
    seen_headers: list[dict[str, str]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def source() -> Iterator[Source]:
    state: dict[str, Source] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            src = state["src"]
            src.seen_headers.append(dict(self.headers.items()))
            if self.path.startswith("/missing"):
                page = ERROR_PAGE
                self.send_response(404)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
                return
            if self.path.startswith("/short"):
                # Announces 1200 bytes, sends 500, then closes the connection.
                self.send_response(200)
                self.send_header("Content-Length", "1200")
                self.end_headers()
                self.wfile.write(b"s" * 500)
                self.close_connection = True
                return
            body = b"remote-bytes" * 100
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            if self.path.startswith("/cd"):
                self.send_header("Content-Disposition", 'attachment; filename="from-cd.mp4"')
            self.end_headers()
            if self.path.startswith("/stall"):
                self.wfile.write(body[:100])
                self.wfile.flush()
                src.release.wait(5)
                return
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["src"] = Source(f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state["src"]
    state["src"].release.set()
    server.shutdown()
    server.server_close()


def _status(api: Api, remote_id: str) -> dict[str, Any]:
    result = api.ok("remotedl/status", id=remote_id)
    assert list(result) == [remote_id]
    entry = result[remote_id]
    assert isinstance(entry, dict)
    return entry


def _wait_status(api: Api, remote_id: str, wanted: str) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        entry = _status(api, remote_id)
        if entry["status"] == wanted:
            return entry
        time.sleep(0.02)
    raise AssertionError(f"{remote_id} never reached {wanted}: {entry}")


def test_remote_upload_progresses_new_to_finished(api: Api, fake: FakeStreamtape) -> None:
    folder = fake.add_folder("remote")
    src_id = fake.add_file("source.mp4", b"S" * 5000)
    ticket = api.ok("file/dlticket", file=src_id)["ticket"]
    url = api.ok("file/dl", file=src_id, ticket=ticket)["url"]
    fake.inject("download", Fault.SLOW, delay=0.5)  # hold the fetch so "new" is observable

    added = api.ok("remotedl/add", url=url, folder=folder)
    assert set(added) == {"id", "folderid"}
    assert B64_ID_RE.match(added["id"])
    assert added["folderid"] == folder
    entry = _status(api, added["id"])
    assert entry == {
        "id": added["id"],
        "remoteurl": url,
        "status": "new",
        "bytes_loaded": None,
        "bytes_total": None,
        "folderid": folder,
        "added": entry["added"],
        "last_update": entry["last_update"],
        "extid": False,
        "url": False,
        "linkid": False,  # §5.6 N1
    }
    assert DATE_RE.match(entry["added"])
    assert DATE_RE.match(entry["last_update"])

    done = _wait_status(api, added["id"], "finished")
    new_id = done["extid"]
    assert isinstance(new_id, str)
    assert new_id != src_id
    assert done["url"] == f"https://streamtape.com/v/{new_id}/source.mp4"
    assert done["bytes_loaded"] == done["bytes_total"] == 5000
    assert done["linkid"] == new_id
    assert fake.file_bytes(new_id) == b"S" * 5000
    assert fake.file(new_id).folder_id == folder
    # A finished transfer is not yet converted.
    assert api.ok("file/info", file=new_id)[new_id]["converted"] is False


def test_downloading_state_and_cancel(api: Api, fake: FakeStreamtape, source: Source) -> None:
    rid = api.ok("remotedl/add", url=f"{source.base_url}/stall/x.mp4")["id"]
    entry = _wait_status(api, rid, "downloading")
    assert entry["bytes_total"] == 1200
    assert isinstance(entry["bytes_loaded"], int)
    assert entry["extid"] is False
    assert api.ok("remotedl/remove", id=rid) is True
    # An unknown id lists every upload (§5.6 N2): none are left.
    assert api.ok("remotedl/status", id=rid) == {}
    source.release.set()
    time.sleep(0.1)
    assert fake.files() == []
    assert fake.remote_uploads() == []


def test_name_precedence_and_headers(api: Api, fake: FakeStreamtape, source: Source) -> None:
    named = api.ok(
        "remotedl/add",
        url=f"{source.base_url}/cd/a.bin",
        name="chosen.mp4",
        headers="Cookie: a=b\nX-Test:  yes",
    )["id"]
    by_cd = api.ok("remotedl/add", url=f"{source.base_url}/cd/b.bin")["id"]
    by_url = api.ok("remotedl/add", url=f"{source.base_url}/dir/My%20Clip.mkv?x=1")["id"]
    named_no_cd = api.ok("remotedl/add", url=f"{source.base_url}/x/a.bin", name="mine.mp4")["id"]
    names = {}
    for rid in (named, by_cd, by_url, named_no_cd):
        record = fake.wait_remote_upload(rid)
        assert record.status == "finished", record
        assert record.file_id is not None
        names[rid] = fake.file(record.file_id).name
    # The source's own name wins over `name` (§5.6 N11); `name` applies otherwise.
    assert names == {
        named: "from-cd.mp4",
        by_cd: "from-cd.mp4",
        by_url: "My Clip.mkv",
        named_no_cd: "mine.mp4",
    }
    assert any(h.get("Cookie") == "a=b" and h.get("X-Test") == "yes" for h in source.seen_headers)


def test_source_http_error_ends_in_error(api: Api, fake: FakeStreamtape, source: Source) -> None:
    rid = api.ok("remotedl/add", url=f"{source.base_url}/missing")["id"]
    record = fake.wait_remote_upload(rid)
    assert record.status == "error"
    assert record.error is not None
    entry = _status(api, rid)
    assert entry["status"] == "error"
    assert entry["extid"] is False
    assert entry["url"] is False
    assert entry["linkid"] is False
    # The error page was downloaded: its byte count shows (§5.6 N12).
    assert entry["bytes_loaded"] == len(ERROR_PAGE)
    assert fake.files() == []


def test_short_source_ends_finished_with_the_announced_total(
    api: Api, fake: FakeStreamtape, source: Source
) -> None:
    rid = api.ok("remotedl/add", url=f"{source.base_url}/short/cut.mp4")["id"]
    record = fake.wait_remote_upload(rid)
    assert record.status == "finished"
    entry = _status(api, rid)
    assert entry["bytes_loaded"] == 500
    assert entry["bytes_total"] == 1200  # the truncation stays visible (§5.6 N12)
    assert fake.file_bytes(entry["extid"]) == b"s" * 500


def test_status_of_an_unknown_id_lists_everything(api: Api, fake: FakeStreamtape) -> None:
    ids = [api.ok("remotedl/add", url=f"http://example.invalid/{i}")["id"] for i in range(2)]
    for rid in ids:
        fake.wait_remote_upload(rid)
    result = api.ok("remotedl/status", id="unknownid12")
    assert set(result) == set(ids)  # §5.6 N2: 200 with every upload, not a 404


def test_non_loopback_url_errors_without_network(
    api: Api, fake: FakeStreamtape, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[object] = []
    real = socket.getaddrinfo

    def spy(host: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(host)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", spy)
    for url in ("http://example.invalid/x", "http://10.0.0.1/x", "https://8.8.8.8/x"):
        rid = api.ok("remotedl/add", url=url)["id"]
        assert fake.wait_remote_upload(rid).status == "error"
    assert not [h for h in looked_up if h not in ("127.0.0.1", "localhost")]


def test_localhost_name_is_allowed(api: Api, fake: FakeStreamtape, source: Source) -> None:
    url = source.base_url.replace("127.0.0.1", "localhost") + "/file.bin"
    rid = api.ok("remotedl/add", url=url)["id"]
    assert fake.wait_remote_upload(rid).status == "finished"


def test_status_all_limit_and_remove_all(api: Api, fake: FakeStreamtape) -> None:
    ids = [api.ok("remotedl/add", url=f"http://example.invalid/{i}")["id"] for i in range(3)]
    for rid in ids:
        fake.wait_remote_upload(rid)
    everything = api.ok("remotedl/status")
    assert set(everything) == set(ids)
    for rid, entry in everything.items():
        assert entry["id"] == rid
    assert len(api.ok("remotedl/status", limit="2")) == 2
    assert "limit" in api.error("remotedl/status", 400, limit="zero")
    assert api.ok("remotedl/remove", id="all") is True
    assert api.ok("remotedl/status") == {}


def test_add_validation(api: Api) -> None:
    assert "url" in api.error("remotedl/add", 400, url="not a url")
    assert "headers" in api.error(
        "remotedl/add", 400, url="http://127.0.0.1/x", headers="no colon here"
    )
