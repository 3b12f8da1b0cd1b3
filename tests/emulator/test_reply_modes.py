"""Reply modes of the real service that the SDK must survive (§5.6 N9, N10, N13, N14, N16)."""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

import pytest
import requests

from streamtape_sdk.testing import FakeStreamtape, Fault
from tests.emulator.emulator_helpers import Api

CONTENT = bytes(range(256)) * 40  # 10240 bytes


def _link(api: Api, file_id: str) -> str:
    ticket = api.ok("file/dlticket", file=file_id)["ticket"]
    url = api.ok("file/dl", file=file_id, ticket=ticket)["url"]
    assert isinstance(url, str)
    return url


# -- envelope and page faults -------------------------------------------------------------


def test_cloudflare_403_is_an_html_page(api: Api, fake: FakeStreamtape) -> None:
    fake.inject("account/info", Fault.CLOUDFLARE_403)
    response = api.call("account/info")
    assert response.status_code == 403
    assert response.headers["Content-Type"].startswith("text/html")
    assert "cloudflare" in response.text.lower()
    assert api.ok("account/info")["apiid"] == fake.login


def test_string_status_processes_the_request(api: Api, fake: FakeStreamtape) -> None:
    fake.inject("file/createfolder", Fault.STRING_STATUS)
    body = api.call("file/createfolder", name="docs").json()
    assert body["status"] == "200"
    assert body["msg"] == "OK"
    assert body["result"]["folderid"] == fake.folders()[0].id


def test_string_status_on_an_error_sends_the_code_as_a_string(
    api: Api, fake: FakeStreamtape
) -> None:
    fake.inject("file/rename", "string_status")
    body = api.call("file/rename", file="nosuchfile12345", name="x").json()
    assert body == {"status": "404", "msg": "File not found", "result": None}


def test_json_429_is_http_200_with_a_string_status(api: Api, fake: FakeStreamtape) -> None:
    fake.inject("file/info", Fault.JSON_429)
    response = api.call("file/info", file="abc")
    assert response.status_code == 200
    assert response.json() == {"status": "429", "msg": "Too Many Requests", "result": None}
    assert "Retry-After" not in response.headers


def test_json_429_mirrors_when_asked() -> None:
    with FakeStreamtape(error_http_status="mirror") as fake:
        fake.inject("file/info", Fault.JSON_429)
        response = requests.get(
            f"{fake.base_url}/file/info",
            params={"login": fake.login, "key": fake.key, "file": "abc"},
            timeout=5,
        )
        assert response.status_code == 429
        assert response.json()["status"] == "429"


def test_null_result_on_file_dl_changes_nothing(api: Api, fake: FakeStreamtape) -> None:
    file_id = fake.add_file("a.mp4", b"abc")
    ticket = api.ok("file/dlticket", file=file_id)["ticket"]
    fake.inject("file/dl", Fault.NULL_RESULT)
    body = api.call("file/dl", auth=False, file=file_id, ticket=ticket).json()
    assert body == {"status": 200, "msg": "OK", "result": None}
    assert fake.file(file_id).downloads == 0
    assert api.ok("file/dl", file=file_id, ticket=ticket)["size"] == 3


def test_null_result_on_listfolder(api: Api, fake: FakeStreamtape) -> None:
    fake.add_file("a.mp4", b"abc")
    fake.inject("/file/listfolder", "null_result")
    assert api.envelope("file/listfolder") == {"status": 200, "msg": "OK", "result": None}
    assert len(api.ok("file/listfolder")["files"]) == 1


@pytest.mark.parametrize(
    ("endpoint", "fault"),
    [
        ("file/info", Fault.RANGE_IGNORED),
        ("upload", Fault.SHORT_206),
        ("file/dl", Fault.WRONG_OFFSET_206),
        ("download", Fault.NULL_RESULT),
        ("download", Fault.STRING_STATUS),
        ("download", Fault.JSON_429),
    ],
)
def test_faults_that_cannot_apply_are_refused(
    fake: FakeStreamtape, endpoint: str, fault: Fault
) -> None:
    with pytest.raises(ValueError, match=fault.value):
        fake.inject(endpoint, fault)
    assert fake.pending_faults() == {}


# -- download-link modes ------------------------------------------------------------------


def test_range_ignored_sends_the_whole_file(api: Api, fake: FakeStreamtape) -> None:
    url = _link(api, fake.add_file("a.bin", CONTENT))
    fake.inject("download", Fault.RANGE_IGNORED)
    response = requests.get(url, headers={"Range": "bytes=1000-1999"}, timeout=5)
    assert response.status_code == 200
    assert response.content == CONTENT
    assert "Content-Range" not in response.headers
    again = requests.get(url, headers={"Range": "bytes=1000-1999"}, timeout=5)
    assert again.status_code == 206


@pytest.mark.parametrize(
    ("header", "start", "stop"),
    [("bytes=1000-1999", 1000, 1500), ("bytes=10239-", 10239, 10240), (None, 0, 5120)],
)
def test_short_206_names_the_shorter_range(
    api: Api, fake: FakeStreamtape, header: str | None, start: int, stop: int
) -> None:
    url = _link(api, fake.add_file("a.bin", CONTENT))
    fake.inject("download", Fault.SHORT_206)
    response = requests.get(url, headers={"Range": header} if header else {}, timeout=5)
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes {start}-{stop - 1}/10240"
    assert response.content == CONTENT[start:stop]


def test_wrong_offset_206_starts_at_zero(api: Api, fake: FakeStreamtape) -> None:
    url = _link(api, fake.add_file("a.bin", CONTENT))
    fake.inject("download", Fault.WRONG_OFFSET_206)
    response = requests.get(url, headers={"Range": "bytes=4000-4099"}, timeout=5)
    assert response.status_code == 206
    assert response.headers["Content-Range"] == "bytes 0-99/10240"
    assert response.content == CONTENT[:100]


def test_http_429_on_a_download_link_has_retry_after(api: Api, fake: FakeStreamtape) -> None:
    url = _link(api, fake.add_file("a.bin", CONTENT))
    fake.inject("download", Fault.HTTP_429)
    response = requests.get(url, timeout=5)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert requests.get(url, timeout=5).content == CONTENT


def test_drop_on_a_download_link_cuts_the_body(api: Api, fake: FakeStreamtape) -> None:
    url = _link(api, fake.add_file("a.bin", CONTENT))
    fake.inject("download", Fault.DROP)
    with requests.Session() as session:
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            session.get(url, timeout=5).content  # noqa: B018 - reading is the point
        # The same session (a fresh connection) works afterwards.
        assert session.get(url, timeout=5).content == CONTENT


# -- captcha (N10) ------------------------------------------------------------------------


def test_tickets_without_captcha_say_false(api: Api, fake: FakeStreamtape) -> None:
    result = api.ok("file/dlticket", file=fake.add_file("a.mp4", b"a"))
    assert result["captcha_url"] is False
    assert result["captcha_w"] is False
    assert result["captcha_h"] is False


def test_captcha_is_demanded_until_answered(api: Api, fake: FakeStreamtape) -> None:
    file_id = fake.add_file("a.mp4", b"abc")
    other = fake.add_file("b.mp4", b"b")
    fake.require_captcha(file_id, answer="x7k2")
    ticket = api.ok("file/dlticket", file=file_id)
    assert isinstance(ticket["captcha_w"], int)
    assert ticket["captcha_w"] > 0
    assert isinstance(ticket["captcha_h"], int)
    assert ticket["captcha_h"] > 0
    image = requests.get(ticket["captcha_url"], timeout=5)
    assert image.status_code == 200
    assert image.headers["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")
    params = {"file": file_id, "ticket": ticket["ticket"]}
    missing = api.call("file/dl", auth=False, **params).json()
    assert (missing["status"], missing["result"]) == (403, None)
    assert "captcha required" in missing["msg"]
    wrong = api.call("file/dl", auth=False, captcha_response="nope", **params).json()
    assert wrong["status"] == 403
    assert "wrong captcha" in wrong["msg"]
    assert fake.file(file_id).downloads == 0
    ok = api.call("file/dl", auth=False, captcha_response="x7k2", **params).json()
    assert ok["status"] == 200
    assert ok["result"]["size"] == 3
    # Only the named file demands it.
    assert api.ok("file/dlticket", file=other)["captcha_url"] is False


def test_captcha_for_every_file_and_cleared(api: Api, fake: FakeStreamtape) -> None:
    file_id = fake.add_file("a.mp4", b"abc")
    before = api.ok("file/dlticket", file=file_id)["ticket"]
    fake.require_captcha()
    during = api.ok("file/dlticket", file=file_id)
    assert isinstance(during["captcha_url"], str)
    assert during["captcha_url"].startswith("http://")
    fake.clear_captcha()
    assert api.ok("file/dlticket", file=file_id)["captcha_url"] is False
    # Tickets keep what they were issued with.
    assert api.ok("file/dl", file=file_id, ticket=before)["size"] == 3
    msg = api.error("file/dl", 403, file=file_id, ticket=during["ticket"])
    assert "captcha" in msg
    assert api.ok("file/dl", file=file_id, ticket=during["ticket"], captcha_response="ab12")


def test_unknown_captcha_image_is_404(fake: FakeStreamtape) -> None:
    response = requests.get(f"{fake.base_url}/captcha/nothing.png", timeout=5)
    assert response.status_code == 404


def test_require_captcha_rejects_an_empty_answer(fake: FakeStreamtape) -> None:
    with pytest.raises(ValueError, match="answer"):
        fake.require_captcha(answer="")


# -- per-link connection limit ------------------------------------------------------------

BIG = 32 * 1024 * 1024  # larger than the loopback socket buffers: the sender blocks


def _open_without_reading(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.netloc, timeout=5)
    conn.request("GET", parts.path)
    response = conn.getresponse()
    assert response.status == 200
    return conn  # the body stays unread, so the server holds the slot


def test_link_connection_limit_refuses_the_extra_get(api: Api, fake: FakeStreamtape) -> None:
    fake.set_link_connection_limit(1)
    url = _link(api, fake.add_file("big.bin", b"\0" * BIG))
    first = _open_without_reading(url)
    try:
        refused = requests.get(url, headers={"Range": "bytes=0-9"}, timeout=5)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "1"
        # HEAD sends no body and takes no slot.
        assert requests.head(url, timeout=5).status_code == 200
    finally:
        first.close()
    # The slot frees once the server notices the client left.
    for _ in range(250):
        again = requests.get(url, headers={"Range": "bytes=0-9"}, timeout=5)
        if again.status_code == 206:
            break
        time.sleep(0.02)
    assert again.status_code == 206


def test_link_connection_limit_option_and_validation() -> None:
    with pytest.raises(ValueError, match=">= 1"):
        FakeStreamtape(max_link_connections=0)
    with FakeStreamtape(max_link_connections=2) as fake:
        api = Api(fake)
        url = _link(api, fake.add_file("a.bin", CONTENT))
        # Sequential GETs each release their slot.
        for _ in range(4):
            assert requests.get(url, timeout=5).status_code == 200
        fake.set_link_connection_limit(None)
        api.session.close()


# -- validators, If-Range and changed content ---------------------------------------------


def test_links_carry_validators_and_honour_if_range(api: Api, fake: FakeStreamtape) -> None:
    file_id = fake.add_file("a.bin", CONTENT)
    url = _link(api, file_id)
    first = requests.get(url, timeout=5)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    for validator in (etag, modified):
        ranged = requests.get(
            url, headers={"Range": "bytes=100-", "If-Range": validator}, timeout=5
        )
        assert ranged.status_code == 206
        assert ranged.content == CONTENT[100:]
    weak = requests.get(url, headers={"Range": "bytes=100-", "If-Range": f"W/{etag}"}, timeout=5)
    assert weak.status_code == 200

    new = b"new content " * 100
    fake.replace_file_content(file_id, new)
    for validator in (etag, modified):
        changed = requests.get(
            url, headers={"Range": "bytes=100-", "If-Range": validator}, timeout=5
        )
        assert changed.status_code == 200
        assert changed.content == new
        assert changed.headers["ETag"] != etag
        assert changed.headers["Last-Modified"] != modified
    assert fake.file(file_id).size == len(new)
    assert fake.file_bytes(file_id) == new


def test_replace_file_content_unknown_file(fake: FakeStreamtape) -> None:
    with pytest.raises(KeyError):
        fake.replace_file_content("nosuchfile12345", b"x")


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("bytes=-0", 416),
        ("bytes=10240-", 416),
        ("bytes=5-2", 200),  # invalid: ignored
        ("items=0-1", 200),
        ("bytes=abc", 200),
        ("bytes=-", 200),
    ],
)
def test_range_edge_cases(api: Api, fake: FakeStreamtape, header: str, status: int) -> None:
    url = _link(api, fake.add_file("a.bin", CONTENT))
    response = requests.get(url, headers={"Range": header}, timeout=5)
    assert response.status_code == status
    if status == 416:
        assert response.headers["Content-Range"] == "bytes */10240"
    else:
        assert response.content == CONTENT
