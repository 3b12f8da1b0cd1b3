"""HTTP behaviour: keep-alive, no credential echo, HEAD is harmless, everything is logged."""

from __future__ import annotations

import http.client
import socket
from urllib.parse import quote, urlsplit

import pytest
import requests

from streamtape_sdk.testing import FakeStreamtape, Fault
from tests.emulator.emulator_helpers import Api


def _conn(fake: FakeStreamtape) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(urlsplit(fake.base_url).netloc, timeout=5)


def _auth(fake: FakeStreamtape) -> str:
    return f"login={fake.login}&key={fake.key}"


def test_one_connection_serves_many_requests(fake: FakeStreamtape) -> None:
    conn = _conn(fake)
    try:
        conn.request("GET", f"/account/info?{_auth(fake)}")
        first = conn.getresponse()
        assert first.getheader("Connection") is None
        first.read()
        sock = conn.sock
        assert sock is not None
        for path in ("/file/listfolder", "/file/createfolder", "/account/info"):
            conn.request("GET", f"{path}?{_auth(fake)}&name=x")
            response = conn.getresponse()
            assert response.status == 200
            response.read()
            assert conn.sock is sock  # the same socket: the connection was kept
    finally:
        conn.close()


def test_kept_alive_connection_survives_a_refused_body(api: Api, fake: FakeStreamtape) -> None:
    conn = _conn(fake)
    try:
        # An unknown path with a body the app never reads: the next request still parses.
        conn.request("POST", "/no/such/path", body=b"z" * 100_000)
        response = conn.getresponse()
        assert response.status == 404
        response.read()
        conn.request("GET", f"/account/info?{_auth(fake)}")
        assert conn.getresponse().status == 200
    finally:
        conn.close()


def test_client_asking_to_close_gets_close(fake: FakeStreamtape) -> None:
    conn = _conn(fake)
    try:
        conn.request("GET", f"/account/info?{_auth(fake)}", headers={"Connection": "close"})
        response = conn.getresponse()
        assert response.getheader("Connection") == "close"
    finally:
        conn.close()


def _closed_by_peer(sock: socket.socket) -> bool:
    sock.settimeout(3)
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, TimeoutError):
        return False


def test_idle_connections_are_closed_after_the_timeout() -> None:
    with FakeStreamtape(idle_timeout=0.2) as fake:
        conn = _conn(fake)
        conn.request("GET", f"/account/info?{_auth(fake)}")
        conn.getresponse().read()
        assert conn.sock is not None
        assert _closed_by_peer(conn.sock)
        conn.close()
    with pytest.raises(ValueError, match="idle_timeout"):
        FakeStreamtape(idle_timeout=0)


def test_stop_closes_kept_alive_connections() -> None:
    fake = FakeStreamtape().start()
    conn = _conn(fake)
    conn.request("GET", f"/account/info?{_auth(fake)}")
    conn.getresponse().read()
    fake.stop()
    assert conn.sock is not None
    assert _closed_by_peer(conn.sock)
    conn.close()


@pytest.mark.parametrize("path", ["/file//info", "/account//info", "/file/info//"])
def test_doubled_slashes_never_echo_credentials(api: Api, fake: FakeStreamtape, path: str) -> None:
    url = f"{fake.base_url}{path}?{_auth(fake)}&file=abc"
    response = requests.get(url, timeout=5, allow_redirects=False)
    assert response.status_code == 404
    assert "Location" not in response.headers
    assert fake.key not in response.text
    assert fake.key not in str(response.headers)
    assert response.json()["status"] == 404


def test_head_on_api_endpoints_changes_nothing(api: Api, fake: FakeStreamtape) -> None:
    file_id = fake.add_file("a.mp4", b"abc")
    ticket = api.ok("file/dlticket", file=file_id)["ticket"]
    base = fake.base_url
    for path, params in (
        ("/file/createfolder", {"name": "x"}),
        ("/file/delete", {"file": file_id}),
        ("/file/dl", {"file": file_id, "ticket": ticket}),
        ("/remotedl/add", {"url": "http://127.0.0.1:9/x"}),
    ):
        query = {"login": fake.login, "key": fake.key, **params}
        response = requests.head(f"{base}{path}", params=query, timeout=5)
        assert response.status_code == 405
        assert response.headers["Allow"] == "GET, POST"
    assert fake.folders() == []
    assert fake.file(file_id).downloads == 0
    assert fake.remote_uploads() == []


def test_head_on_a_download_link_takes_no_fault(api: Api, fake: FakeStreamtape) -> None:
    file_id = fake.add_file("a.bin", b"abcdef")
    ticket = api.ok("file/dlticket", file=file_id)["ticket"]
    url = api.ok("file/dl", file=file_id, ticket=ticket)["url"]
    fake.inject("download", Fault.HTTP_503)
    head = requests.head(url, timeout=5)
    assert head.status_code == 200
    assert head.headers["Content-Length"] == "6"
    assert fake.pending_faults() == {"download": 1}
    assert requests.get(url, timeout=5).status_code == 503
    assert fake.file(file_id).downloads == 1


def test_request_log_records_every_request(api: Api, fake: FakeStreamtape) -> None:
    fake.clear_requests_log()
    requests.get(f"{fake.base_url}/nothing/here?{_auth(fake)}&a=1", timeout=5)
    requests.get(f"{fake.base_url}/file//info?{_auth(fake)}", timeout=5)
    requests.delete(f"{fake.base_url}/file/info", timeout=5)
    requests.head(f"{fake.base_url}/file/info?{_auth(fake)}", timeout=5)
    log = fake.requests_log
    assert [(r.endpoint, r.method, r.path) for r in log] == [
        ("unknown", "GET", "/nothing/here"),
        ("unknown", "GET", "/file//info"),
        ("unknown", "DELETE", "/file/info"),
        ("unknown", "HEAD", "/file/info"),
    ]
    assert dict(log[0].params) == {"a": "1"}  # credentials are never kept
    assert all(fake.key not in repr(r) for r in log)


@pytest.mark.parametrize("name", [".", "..", "two\nlines.mp4", "a/b.mp4", "%2E%2E", " .. "])
def test_awkward_names_get_reachable_links(api: Api, fake: FakeStreamtape, name: str) -> None:
    file_id = fake.add_file(name, b"content")
    ticket = api.ok("file/dlticket", file=file_id)["ticket"]
    result = api.ok("file/dl", file=file_id, ticket=ticket)
    assert result["name"] == name
    response = requests.get(result["url"], timeout=5)
    assert response.status_code == 200
    assert response.content == b"content"
    assert quote(name, safe="") in response.headers["Content-Disposition"]
    assert fake.calls("download") >= 1


def test_unknown_link_token_is_403(fake: FakeStreamtape) -> None:
    for path in ("/dl/nothing/a.mp4", "/dl/nothing", "/dl/"):
        response = requests.get(f"{fake.base_url}{path}", timeout=5)
        assert response.status_code == 403
    assert requests.post(f"{fake.base_url}/dl/x/a", timeout=5).status_code == 405
