"""The upload POST: a multipart body streamed from disk.

The body is one file part: a precomputed head (boundary and part headers), the file's bytes read
straight into one reused buffer, and a precomputed tail. It is sent with a `Content-Length`,
never chunked, with the part header spelt `Content-Disposition` (the upload host is believed to
need both, streamtape-api.md §5.6 N7). Memory stays at one buffer whatever the file size.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator

from urllib3.fields import format_multipart_header_param

from ..errors import IntegrityError
from ._progress import ProgressCallback
from ._source import UploadSource, transfer_buffer

__all__ = ["FILE_FIELD", "SEND_CHUNK_SIZE", "MultipartFileBody"]

#: The multipart field name most clients use; the upload host takes the first file part.
FILE_FIELD = "file1"

#: Bytes read from the file and handed to the socket per step: large reads keep the per-step
#: cost (a system call each way, a progress call) small against the copy itself.
SEND_CHUNK_SIZE = 1024 * 1024


class MultipartFileBody:
    """An iterable `multipart/form-data` body of one file part, of known length.

    requests sends an iterable with `__len__` as-is, with `Content-Length` and not chunked.
    Iterating yields the head, then the file in `SEND_CHUNK_SIZE` pieces (views of one reused
    buffer, each valid until the next step), then the tail. Each pass re-reads the source from
    its start, so the body can be sent again after a failed connection.

    The source must hold exactly `source.size` bytes while it is sent. If it ends early (a log
    rotated meanwhile), holds more, or (when `expected_sha256` is given) hashes differently, the
    iteration raises `IntegrityError` before the tail is sent: the server never receives a
    complete body, so no wrong file is stored.
    """

    def __init__(
        self,
        source: UploadSource,
        *,
        content_type: str,
        progress: ProgressCallback | None = None,
        expected_sha256: str | None = None,
        boundary: str | None = None,
    ) -> None:
        self._source = source
        self._progress = progress
        self._expected = expected_sha256.lower() if expected_sha256 else None
        self.boundary = boundary or os.urandom(16).hex()  # `uuid` imports `platform`: slow
        disposition = "; ".join(
            [
                "form-data",
                format_multipart_header_param("name", FILE_FIELD),
                format_multipart_header_param("filename", source.name),
            ]
        )
        self._head = (
            f"--{self.boundary}\r\n"
            f"Content-Disposition: {disposition}\r\n"
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        self._tail = f"\r\n--{self.boundary}--\r\n".encode()
        self._length = len(self._head) + source.size + len(self._tail)

    @property
    def content_type(self) -> str:
        """The request's `Content-Type` header, naming the boundary."""
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes | memoryview]:
        source = self._source
        total = source.size
        source.rewind()
        digest = hashlib.sha256() if self._expected is not None else None
        read_into = _reader(source)
        view = transfer_buffer(min(SEND_CHUNK_SIZE, total))
        yield self._head
        sent = 0
        while sent < total:
            want = min(len(view), total - sent)
            got = read_into(view[:want])
            if not got:
                raise IntegrityError(
                    f"{source.name!r} shrank while it was uploaded: it ended after {sent} of "
                    f"the {total} bytes announced (was it rotated or truncated?). Nothing was "
                    "stored; upload it again once it no longer changes."
                )
            chunk = view[:got]
            if digest is not None:
                digest.update(chunk)
            sent += got
            yield chunk
            if self._progress is not None:
                self._progress(sent, total)
        if read_into(view[:1]):
            raise IntegrityError(
                f"{source.name!r} grew while it was uploaded: it holds more than the {total} "
                "bytes announced. Nothing was stored; upload it again once it no longer changes."
            )
        if digest is not None and digest.hexdigest() != self._expected:
            raise IntegrityError(
                f"the bytes of {source.name!r} changed while it was uploaded: their sha256 is "
                f"{digest.hexdigest()}, not {self._expected} (or the sha256 passed in is "
                "wrong). Nothing was stored; upload it again once it no longer changes."
            )
        yield self._tail


def _reader(source: UploadSource) -> Callable[[memoryview], int]:
    """`readinto` of the source, or an equivalent for file objects that only have `read`."""
    file = source.file
    read_into: Callable[[memoryview], int | None] | None = getattr(file, "readinto", None)
    if read_into is not None:
        direct = read_into

        def read_direct(view: memoryview) -> int:
            return direct(view) or 0

        return read_direct

    def read_copy(view: memoryview) -> int:
        data = file.read(len(view))
        view[: len(data)] = data
        return len(data)

    return read_copy
