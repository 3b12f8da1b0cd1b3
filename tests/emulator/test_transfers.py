"""Download tickets (with enforced wait), ranged download links, one-time upload URLs."""

from __future__ import annotations

import hashlib
import re
import time

import pytest
import requests

from streamtape_sdk.testing import MSG_INVALID_TICKET, MSG_UPLOAD_URL_GONE, FakeStreamtape
from tests.emulator.emulator_helpers import DATE_RE, FILE_ID_RE, Api

CONTENT = bytes(range(256)) * 40  # 10240 bytes


def _link(api: Api, file_id: str) -> dict[str, object]:
    ticket = api.ok("file/dlticket", file=file_id)["ticket"]
    result = api.ok("file/dl", file=file_id, ticket=ticket)
    assert isinstance(result, dict)
    return result


def test_ticket_shape(api: Api, fake: FakeStreamtape) -> None:
    file_id = fake.add_file("a.mp4", b"a")
    result = api.ok("file/dlticket", file=file_id)
    assert set(result) == {
        "ticket",
        "wait_time",
        "valid_until",
        "captcha_url",
        "captcha_w",
        "captcha_h",
    }
    assert isinstance(result["ticket"], str)
    assert result["ticket"].startswith(f"{file_id}~~")
    assert result["wait_time"] == 0
    assert DATE_RE.match(result["valid_until"])


def test_download_link_needs_no_credentials(fake: FakeStreamtape) -> None:
    api = Api(fake)
    file_id = fake.add_file("Vlog1220-Sidney.mp4", CONTENT)
    ticket = api.ok("file/dlticket", file=file_id)["ticket"]
    body = api.call("file/dl", auth=False, file=file_id, ticket=ticket).json()
    assert body["status"] == 200
    result = body["result"]
    assert set(result) == {"name", "size", "url"}
    assert result["name"] == "Vlog1220-Sidney.mp4"
    assert result["size"] == len(CONTENT)
    assert result["url"].startswith(f"{fake.base_url}/dl/")
    response = requests.get(result["url"], timeout=5)
    assert response.status_code == 200
    assert response.content == CONTENT
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Length"] == str(len(CONTENT))
    # Each redemption counts as a download in listfolder.
    assert api.ok("file/listfolder")["files"][0]["downloads"] == 1
    api.session.close()


def test_wait_time_is_enforced(api: Api, fake: FakeStreamtape) -> None:
    fake.set_wait_time(1)
    file_id = fake.add_file("a.mp4", b"a")
    ticket = api.ok("file/dlticket", file=file_id)
    assert ticket["wait_time"] == 1
    msg = api.error("file/dl", 403, file=file_id, ticket=ticket["ticket"])
    assert msg == "please wait 1 more seconds"
    assert re.search(r"wait\s+(\d+)\s+more\s+seconds?", msg)
    fake.set_wait_time(0)  # applies to new tickets only
    assert api.error("file/dl", 403, file=file_id, ticket=ticket["ticket"]).startswith("please")
    time.sleep(1.0)
    assert api.ok("file/dl", file=file_id, ticket=ticket["ticket"])["size"] == 1


def test_bad_tickets_are_403(api: Api, fake: FakeStreamtape) -> None:
    a = fake.add_file("a.mp4", b"a")
    b = fake.add_file("b.mp4", b"b")
    ticket_a = api.ok("file/dlticket", file=a)["ticket"]
    assert api.error("file/dl", 403, file=b, ticket=ticket_a) == MSG_INVALID_TICKET
    assert api.error("file/dl", 403, file=a, ticket="made-up") == MSG_INVALID_TICKET
    fake.expire_links()
    assert api.error("file/dl", 403, file=a, ticket=ticket_a) == MSG_INVALID_TICKET


@pytest.mark.parametrize(
    ("header", "status", "expected", "content_range"),
    [
        ("bytes=0-99", 206, CONTENT[:100], "bytes 0-99/10240"),
        ("bytes=10000-", 206, CONTENT[10000:], "bytes 10000-10239/10240"),
        ("bytes=-40", 206, CONTENT[-40:], "bytes 10200-10239/10240"),
        ("bytes=10200-99999", 206, CONTENT[10200:], "bytes 10200-10239/10240"),
        ("bytes=-99999", 206, CONTENT, "bytes 0-10239/10240"),
        ("bytes=0-0,5-6", 200, CONTENT, None),
    ],
)
def test_range_requests(
    api: Api,
    fake: FakeStreamtape,
    header: str,
    status: int,
    expected: bytes,
    content_range: str | None,
) -> None:
    url = _link(api, fake.add_file("a.bin", CONTENT))["url"]
    assert isinstance(url, str)
    response = requests.get(url, headers={"Range": header}, timeout=5)
    assert response.status_code == status
    assert response.content == expected
    assert response.headers.get("Content-Range") == content_range
    assert response.headers["Content-Length"] == str(len(expected))


def test_unsatisfiable_range_is_416(api: Api, fake: FakeStreamtape) -> None:
    url = _link(api, fake.add_file("a.bin", CONTENT))["url"]
    assert isinstance(url, str)
    response = requests.get(url, headers={"Range": "bytes=10240-"}, timeout=5)
    assert response.status_code == 416
    assert response.headers["Content-Range"] == "bytes */10240"


def test_head_on_download_link(api: Api, fake: FakeStreamtape) -> None:
    url = _link(api, fake.add_file("a.bin", CONTENT))["url"]
    assert isinstance(url, str)
    response = requests.head(url, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(CONTENT))


def test_download_link_expires_and_dies_with_its_file(api: Api, fake: FakeStreamtape) -> None:
    file_id = fake.add_file("a.bin", CONTENT)
    url = _link(api, file_id)["url"]
    assert isinstance(url, str)
    api.ok("file/delete", file=file_id)
    assert requests.get(url, timeout=5).status_code == 403
    url2 = _link(api, fake.add_file("b.bin", CONTENT))["url"]
    assert isinstance(url2, str)
    fake.expire_links()
    assert requests.get(url2, timeout=5).status_code == 403


def test_large_file_streams_intact(api: Api, fake: FakeStreamtape, tmp_path: object) -> None:
    data = hashlib.sha256(b"seed").digest() * (3 * 1024 * 1024 // 32)  # 3 MiB
    url = _link(api, fake.add_file("big.bin", data))["url"]
    assert isinstance(url, str)
    with requests.get(url, stream=True, timeout=10) as response:
        got = b"".join(response.iter_content(65536))
    assert got == data


# -- uploads -------------------------------------------------------------------------------


def test_upload_url_shape(api: Api, fake: FakeStreamtape) -> None:
    result = api.ok("file/ul")
    assert set(result) == {"url", "valid_until"}
    assert result["url"].startswith(f"{fake.base_url}/ul/")
    assert DATE_RE.match(result["valid_until"])


@pytest.mark.parametrize("field", ["file1", "file", "Vlog.mp4"])
def test_upload_reply_shape_and_quirks(api: Api, fake: FakeStreamtape, field: str) -> None:
    data = b"upload me" * 1000
    response = api.upload(data, name="Vlog.mp4", field=field)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    body = response.json()
    assert body["status"] == 200
    assert body["msg"] == "OK"
    result = body["result"]
    assert set(result) == {"id", "name", "size", "sha256", "content_type", "url"}
    assert FILE_ID_RE.match(result["id"])
    assert result["name"] == "Vlog.mp4"
    assert result["size"] == str(len(data))  # a string of digits on the wire
    assert result["sha256"] == hashlib.sha256(data).hexdigest()
    assert result["content_type"] == "video/mp4"
    assert result["url"] == f"https://streamtape.com/v/{result['id']}/Vlog.mp4"
    assert fake.file_bytes(result["id"]) == data
    listed = api.ok("file/listfolder")["files"]
    assert [f["linkid"] for f in listed] == [result["id"]]


def test_upload_into_folder_with_matching_sha256(api: Api, fake: FakeStreamtape) -> None:
    folder = fake.add_folder("dest")
    data = b"checked"
    digest = hashlib.sha256(data).hexdigest()
    body = api.upload(data, folder=folder, sha256=digest.upper()).json()
    assert body["status"] == 200
    assert fake.file(body["result"]["id"]).folder_id == folder


def test_upload_url_is_one_time(api: Api, fake: FakeStreamtape) -> None:
    url = api.ok("file/ul")["url"]
    first = api.session.post(url, files={"file1": ("a.mp4", b"a")}, timeout=5)
    assert first.json()["status"] == 200
    second = api.session.post(url, files={"file1": ("a.mp4", b"a")}, timeout=5)
    assert second.status_code == 200
    assert second.json() == {"status": 403, "msg": MSG_UPLOAD_URL_GONE, "result": None}
    assert len(fake.files()) == 1


def test_expired_upload_url_is_403(fake: FakeStreamtape) -> None:
    with FakeStreamtape(upload_url_ttl=0.2) as short:
        api = Api(short)
        url = api.ok("file/ul")["url"]
        time.sleep(0.3)
        body = api.session.post(url, files={"file1": ("a.mp4", b"a")}, timeout=5).json()
        assert body == {"status": 403, "msg": MSG_UPLOAD_URL_GONE, "result": None}
        assert short.files() == []
        api.session.close()


def test_sha256_mismatch_discards_the_file(api: Api, fake: FakeStreamtape) -> None:
    wrong = hashlib.sha256(b"other").hexdigest()
    body = api.upload(b"actual", sha256=wrong).json()
    assert body["status"] == 400
    assert body["result"] is None
    assert "sha256 mismatch" in body["msg"]
    assert fake.files() == []
    assert list((fake.storage_dir / "incoming").iterdir()) == []


def test_malformed_sha256_and_missing_file_part(api: Api, fake: FakeStreamtape) -> None:
    assert "sha256" in api.error("file/ul", 400, sha256="xyz")
    url = api.ok("file/ul")["url"]
    body = api.session.post(url, data={"only": "a field"}, files={}, timeout=5).json()
    assert body["status"] == 400
    url = api.ok("file/ul")["url"]
    body = api.session.post(url, files={"a": ("", b"")}, data={"x": "y"}, timeout=5).json()
    assert body["status"] == 200  # an empty file part is still a file
    assert body["result"]["size"] == "0"


def test_upload_into_deleted_folder_is_404(api: Api, fake: FakeStreamtape) -> None:
    folder = fake.add_folder("soon gone")
    url = api.ok("file/ul", folder=folder)["url"]
    api.ok("file/deletefolder", folder=folder)
    body = api.session.post(url, files={"file1": ("a.mp4", b"a" * 100_000)}, timeout=5).json()
    assert body["status"] == 404


def test_uploaded_file_goes_through_conversion(api: Api, fake: FakeStreamtape) -> None:
    file_id = api.upload(b"video").json()["result"]["id"]
    info = api.ok("file/info", file=file_id)[file_id]
    assert info["converted"] is False
    assert "thumb" not in info
    running = api.ok("file/runningconverts")
    assert [c["linkid"] for c in running] == [file_id]
    time.sleep(0.35)
    assert api.ok("file/runningconverts") == []
    info = api.ok("file/info", file=file_id)[file_id]
    assert info["converted"] is True
    assert info["thumb"].endswith(f"/thumb/{file_id}.jpg")
