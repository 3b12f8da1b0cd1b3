"""The upload host is strict like the real one is believed to be (§5.6 N7)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from streamtape_sdk.testing import FakeStreamtape
from tests.emulator.emulator_helpers import Api

BOUNDARY = "b0undary"


def _body(disposition_name: str = "Content-Disposition", content: bytes = b"hello") -> bytes:
    return (
        (
            f"--{BOUNDARY}\r\n"
            f'{disposition_name}: form-data; name="file1"; filename="a.mp4"\r\n'
            "Content-Type: video/mp4\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def _post(api: Api, body: bytes | Iterator[bytes]) -> requests.Response:
    url = api.ok("file/ul")["url"]
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    return api.session.post(url, data=body, headers=headers, timeout=10)


def _chunks() -> Iterator[bytes]:
    yield _body()


def test_sized_body_with_the_usual_spelling_is_stored(api: Api, fake: FakeStreamtape) -> None:
    response = _post(api, _body(content=b"x" * 100_000))  # larger than the read-ahead
    assert response.json()["status"] == 200
    (stored,) = fake.files()
    assert fake.file_bytes(stored.id) == b"x" * 100_000


def test_chunked_body_is_411(api: Api, fake: FakeStreamtape) -> None:
    response = _post(api, _chunks())
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 411
    body = response.json()
    assert body["status"] == 411
    assert body["result"] is None
    assert "Content-Length" in body["msg"]
    assert fake.files() == []
    # The connection stays usable: the refused body was read to its end.
    assert api.ok("account/info")["apiid"] == fake.login


@pytest.mark.parametrize("spelling", ["content-disposition", "CONTENT-DISPOSITION"])
def test_part_header_spelt_otherwise_is_400(api: Api, fake: FakeStreamtape, spelling: str) -> None:
    body = _post(api, _body(spelling)).json()
    assert body["status"] == 400
    assert "Content-Disposition" in body["msg"]
    assert fake.files() == []


def test_strict_upload_can_be_switched_off() -> None:
    with FakeStreamtape(strict_upload=False) as fake:
        api = Api(fake)
        assert _post(api, _chunks()).json()["status"] == 200
        assert _post(api, _body("content-disposition")).json()["status"] == 200
        assert sorted(f.name for f in fake.files()) == ["a.mp4", "a.mp4"]
        api.session.close()
