"""Every fault kind, times= counting, no state change, and a server that survives drops."""

from __future__ import annotations

import time

import pytest
import requests

from streamtape_sdk.testing import MSG_BANDWIDTH, FakeStreamtape, Fault
from tests.emulator.emulator_helpers import Api


@pytest.mark.parametrize(
    ("fault", "http_status", "json_status"),
    [
        (Fault.HTTP_500, 500, 500),
        (Fault.HTTP_502, 502, 502),
        (Fault.HTTP_503, 503, 503),
        (Fault.HTTP_429, 429, 429),
        (Fault.JSON_509, 200, 509),
    ],
)
def test_json_faults(
    api: Api, fake: FakeStreamtape, fault: Fault, http_status: int, json_status: int
) -> None:
    fake.inject("/file/createfolder", fault)
    response = api.call("file/createfolder", name="x")
    assert response.status_code == http_status
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == json_status
    assert body["result"] is None
    if fault is Fault.HTTP_429:
        assert response.headers["Retry-After"] == "1"
    if fault is Fault.JSON_509:
        assert body["msg"] == MSG_BANDWIDTH
    assert fake.folders() == []  # a faulted request changes nothing
    assert api.ok("file/createfolder", name="x")  # next one is normal
    assert len(fake.folders()) == 1


def test_json_509_mirrors_when_asked() -> None:
    with FakeStreamtape(error_http_status="mirror") as fake:
        fake.inject("account/info", "json_509")
        api = Api(fake)
        assert api.call("account/info").status_code == 509
        api.session.close()


@pytest.mark.parametrize(("fault", "http_status"), [(Fault.HTML, 503), (Fault.HTML_200, 200)])
def test_html_faults(api: Api, fake: FakeStreamtape, fault: Fault, http_status: int) -> None:
    fake.inject("account/info", fault)
    response = api.call("account/info")
    assert response.status_code == http_status
    assert response.headers["Content-Type"].startswith("text/html")
    assert "cloudflare" in response.text.lower()


def test_invalid_json_and_empty(api: Api, fake: FakeStreamtape) -> None:
    fake.inject("account/info", "invalid_json")
    fake.inject("account/info", "empty")
    bad = api.call("account/info")
    assert bad.status_code == 200
    assert bad.headers["Content-Type"] == "application/json"
    with pytest.raises(requests.JSONDecodeError):
        bad.json()
    empty = api.call("account/info")
    assert empty.status_code == 200
    assert empty.content == b""
    assert api.ok("account/info")["apiid"] == fake.login


def test_times_counts_and_calls_log(api: Api, fake: FakeStreamtape) -> None:
    fake.inject("file/info", Fault.HTTP_503, times=2)
    assert fake.pending_faults() == {"file/info": 2}
    assert api.call("file/info", file="x").status_code == 503
    assert api.call("file/info", file="x").status_code == 503
    assert api.call("file/info", file="x").status_code == 200
    assert fake.calls("/file/info") == 3
    assert fake.calls("file/info") == 3
    assert fake.calls("account/info") == 0
    faults = [r.fault for r in fake.requests_log]
    assert faults == ["http_503", "http_503", None]
    assert fake.pending_faults() == {}


def test_reset_faults(api: Api, fake: FakeStreamtape) -> None:
    fake.inject("account/info", "http_500", times=5)
    fake.reset_faults()
    assert api.call("account/info").status_code == 200


def test_inject_validation(fake: FakeStreamtape) -> None:
    with pytest.raises(ValueError, match="unknown endpoint"):
        fake.inject("/file/nope", Fault.HTTP_500)
    with pytest.raises(ValueError, match="unknown fault"):
        fake.inject("/file/info", "explode")
    with pytest.raises(ValueError, match="times"):
        fake.inject("/file/info", Fault.HTTP_500, times=0)
    with pytest.raises(ValueError, match="unknown endpoint"):
        fake.calls("file/infos")


def test_slow_delays_then_answers_and_changes_state(api: Api, fake: FakeStreamtape) -> None:
    fake.inject("file/createfolder", Fault.SLOW, delay=0.3)
    started = time.monotonic()
    assert api.ok("file/createfolder", name="slow")
    assert time.monotonic() - started >= 0.3
    fake.inject("file/createfolder", Fault.SLOW, delay=0.5)
    with pytest.raises(requests.Timeout):
        requests.get(
            f"{fake.base_url}/file/createfolder",
            params={"login": fake.login, "key": fake.key, "name": "late"},
            timeout=0.1,
        )
    time.sleep(0.6)
    assert sorted(d.name for d in fake.folders()) == ["late", "slow"]


def test_drop_on_api_cuts_body_after_state_change(api: Api, fake: FakeStreamtape) -> None:
    fake.inject("file/createfolder", Fault.DROP)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        api.call("file/createfolder", name="ambiguous")
    assert [d.name for d in fake.folders()] == ["ambiguous"]
    # The server survives and keeps serving.
    assert api.ok("account/info")["apiid"] == fake.login


def _read_into(response: requests.Response, sink: bytearray) -> None:
    for chunk in response.iter_content(65536):
        sink.extend(chunk)


def test_drop_on_download_allows_resume(api: Api, fake: FakeStreamtape) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB
    file_id = fake.add_file("big.bin", data)
    ticket = api.ok("file/dlticket", file=file_id)["ticket"]
    url = api.ok("file/dl", file=file_id, ticket=ticket)["url"]
    fake.inject("download", Fault.DROP)
    received = bytearray()
    response = requests.get(url, stream=True, timeout=5)
    assert response.headers["Content-Length"] == str(len(data))
    with response, pytest.raises(requests.exceptions.ChunkedEncodingError):
        _read_into(response, received)
    assert len(received) == 256 * 1024
    assert bytes(received) == data[: len(received)]
    rest = requests.get(url, headers={"Range": f"bytes={len(received)}-"}, timeout=5)
    assert rest.status_code == 206
    assert bytes(received) + rest.content == data


def test_drop_on_small_range_sends_half(api: Api, fake: FakeStreamtape) -> None:
    file_id = fake.add_file("a.bin", b"0123456789")
    ticket = api.ok("file/dlticket", file=file_id)["ticket"]
    url = api.ok("file/dl", file=file_id, ticket=ticket)["url"]
    fake.inject("download", "drop")
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
        requests.get(url, headers={"Range": "bytes=2-9"}, timeout=5)


@pytest.mark.parametrize("fault", [Fault.HTTP_503, Fault.HTML, Fault.EMPTY])
def test_faults_on_upload_leave_url_usable(api: Api, fake: FakeStreamtape, fault: Fault) -> None:
    url = api.ok("file/ul")["url"]
    fake.inject("upload", fault)
    big = b"x" * (2 * 1024 * 1024)  # the unread body must not break the reply
    first = api.session.post(url, files={"file1": ("a.mp4", big)}, timeout=10)
    assert first.status_code in (200, 503)
    assert fake.files() == []
    second = api.session.post(url, files={"file1": ("a.mp4", big)}, timeout=10)
    assert second.json()["status"] == 200
    assert fake.calls("upload") == 2


def test_drop_on_upload_stores_the_file(api: Api, fake: FakeStreamtape) -> None:
    url = api.ok("file/ul")["url"]
    fake.inject("upload", Fault.DROP)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        api.session.post(url, files={"file1": ("a.mp4", b"data")}, timeout=5)
    assert [f.name for f in fake.files()] == ["a.mp4"]


def test_fault_on_download_link(api: Api, fake: FakeStreamtape) -> None:
    file_id = fake.add_file("a.bin", b"abc")
    ticket = api.ok("file/dlticket", file=file_id)["ticket"]
    url = api.ok("file/dl", file=file_id, ticket=ticket)["url"]
    fake.inject("download", Fault.HTTP_502)
    assert requests.get(url, timeout=5).status_code == 502
    assert requests.get(url, timeout=5).content == b"abc"
    assert fake.calls("download") == 2
