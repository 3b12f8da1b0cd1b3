"""The upload's multipart body: exact bytes, a sized body (never chunked), re-iterable, and
readable by a standard multipart parser whatever the file name."""

from __future__ import annotations

import io
import os
from email.parser import BytesParser
from email.policy import HTTP

import pytest
import requests

from streamtape_sdk.transfers import UploadSource
from streamtape_sdk.transfers._upload import SEND_CHUNK_SIZE, MultipartFileBody


def _source(data: bytes, name: str = "clip.mp4", start: int = 0) -> UploadSource:
    file = io.BytesIO(b"x" * start + data)
    file.seek(start)
    return UploadSource(file, name, len(data), start, owned=False)


def _parse(body: bytes, content_type: str) -> tuple[str | None, str | None, bytes]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    (part,) = message.iter_parts()
    payload = part.get_payload(decode=True)
    name = part.get_param("name", header="content-disposition")
    assert isinstance(payload, bytes)
    assert name is None or isinstance(name, str)
    return name, part.get_filename(), payload


@pytest.mark.parametrize(
    "size", [0, 1, SEND_CHUNK_SIZE - 1, SEND_CHUNK_SIZE, 2 * SEND_CHUNK_SIZE + 3]
)
def test_body_is_one_file_part_of_announced_length(size: int) -> None:
    data = os.urandom(size)
    body = MultipartFileBody(_source(data, start=5), content_type="video/mp4")
    sent = b"".join(bytes(chunk) for chunk in body)
    assert len(sent) == len(body)
    assert b'Content-Disposition: form-data; name="file1"; filename="clip.mp4"' in sent
    assert b"Content-Type: video/mp4\r\n\r\n" in sent
    name, filename, payload = _parse(sent, body.content_type)
    assert (name, filename, payload) == ("file1", "clip.mp4", data)


def test_file_bytes_go_out_in_large_pieces() -> None:
    data = os.urandom(3 * SEND_CHUNK_SIZE)
    body = MultipartFileBody(_source(data), content_type="application/octet-stream")
    sizes = [len(chunk) for chunk in body]
    assert sizes[1:-1] == [SEND_CHUNK_SIZE] * 3


def test_body_can_be_sent_again_from_the_start() -> None:
    data = os.urandom(SEND_CHUNK_SIZE + 10)
    body = MultipartFileBody(_source(data, start=3), content_type="text/plain")
    first = b"".join(bytes(c) for c in body)
    second = b"".join(bytes(c) for c in body)
    assert first == second


@pytest.mark.parametrize("name", ['say "hi".mp4', "line\r\nbreak.mp4", "ünïcødé ✓.mkv"])
def test_awkward_names_cannot_break_the_part_headers(name: str) -> None:
    body = MultipartFileBody(_source(b"abc", name=name), content_type="video/mp4")
    sent = b"".join(bytes(c) for c in body)
    head = sent.split(b"\r\n\r\n", 1)[0]
    assert head.count(b"\r\n") == 2  # boundary, Content-Disposition, Content-Type: no injection
    assert b"%22" in head or b'"' not in name.encode()


def test_a_reader_without_readinto_is_read_with_read() -> None:
    data = os.urandom(SEND_CHUNK_SIZE + 5)

    class ReadOnly:
        def __init__(self) -> None:
            self._inner = io.BytesIO(data)

        def read(self, size: int = -1) -> bytes:
            return self._inner.read(size)

        def seek(self, offset: int, whence: int = 0) -> int:
            return self._inner.seek(offset, whence)

    source = UploadSource(ReadOnly(), "a.bin", len(data), 0, owned=False)  # type: ignore[arg-type]
    body = MultipartFileBody(source, content_type="application/octet-stream")
    assert _parse(b"".join(bytes(c) for c in body), body.content_type)[2] == data


def test_requests_sends_it_sized_not_chunked() -> None:
    body = MultipartFileBody(_source(b"12345"), content_type="text/plain")
    prepared = requests.Request(
        "POST", "http://upload.example/x", data=body, headers={"Content-Type": body.content_type}
    ).prepare()
    assert prepared.headers["Content-Length"] == str(len(body))
    assert "Transfer-Encoding" not in prepared.headers
