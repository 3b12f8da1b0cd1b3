"""The upload POST: a multipart body streamed from disk with requests-toolbelt."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator

from requests_toolbelt import MultipartEncoder

from .._endpoints import UPLOAD_POST
from .._transport import Transport
from ._progress import ProgressCallback
from ._source import CHUNK_SIZE, UploadSource

__all__ = ["post_upload"]

#: The multipart field name most clients use; the upload host takes the first file part.
FILE_FIELD = "file1"


class _FileSlice:
    """The source's bytes from its start position, exactly `size` of them.

    requests-toolbelt re-reads an in-memory file object from its first byte and measures it
    whole; this view makes it send only what the caller meant, and never more bytes than the
    announced `Content-Length` even if the file grows meanwhile.
    """

    def __init__(self, source: UploadSource) -> None:
        self._file = source.file
        self._left = source.size

    @property
    def len(self) -> int:
        """Bytes not yet read: requests-toolbelt sizes the part and detects its end by it."""
        return self._left

    def read(self, size: int | None = -1) -> bytes:
        if self._left <= 0:
            return b""
        want = self._left if size is None or size < 0 else min(size, self._left)
        data = self._file.read(want)
        self._left -= len(data)
        return data


class _StreamedBody:
    """Feeds a `MultipartEncoder` to requests in large chunks, reporting file progress.

    requests sends an iterable with a known length as-is (with `Content-Length`, not chunked);
    iterating in `CHUNK_SIZE` pieces avoids http.client's 8 KiB reads of a file-like body.
    """

    def __init__(
        self, encoder: MultipartEncoder, file_size: int, progress: ProgressCallback | None
    ):
        self._encoder = encoder
        self._length: int = encoder.len
        self._file_size = file_size
        # The parts' headers and boundaries; counted as sent before the file's bytes.
        self._overhead = self._length - file_size
        self._progress = progress

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        while chunk := self._encoder.read(CHUNK_SIZE):
            sent += len(chunk)
            if self._progress is not None:
                self._progress(min(self._file_size, max(0, sent - self._overhead)), self._file_size)
            yield chunk


def post_upload(
    transport: Transport,
    url: str,
    source: UploadSource,
    *,
    progress: ProgressCallback | None = None,
    timeout: float | None = None,
) -> object:
    """POST `source` to a one-time upload URL and return the reply envelope's `result`.

    Retried only when the connection failed before anything was sent: a repeat after an
    ambiguous failure could store the file twice (and the URL is single-use anyway).

    Raises:
        APIError: the upload host refused the file (e.g. expired URL, sha256 mismatch).
        APIConnectionError: the connection failed or broke mid-upload.
        ResponseFormatError: the reply is not the JSON envelope.
    """
    content_type = mimetypes.guess_type(source.name)[0] or "application/octet-stream"

    def attempt() -> object:
        source.rewind()
        part = _FileSlice(source)
        encoder = MultipartEncoder(fields={FILE_FIELD: (source.name, part, content_type)})
        body = _StreamedBody(encoder, source.size, progress)
        if progress is not None:
            progress(0, source.size)
        response = transport.send(
            "POST",
            url,
            UPLOAD_POST,
            data=body,
            headers={"Content-Type": encoder.content_type},
            timeout=timeout,
            # The host can answer minutes after the last byte (§5.6 N8): a short per-call
            # timeout must not turn a stored file into an ambiguous failure.
            reply_timeout=transport.timeout.upload_reply,
        )
        # The reply may say text/html; the body is JSON all the same.
        return transport.decode_envelope(response, UPLOAD_POST)

    # UPLOAD_POST is not idempotent: only a failure before anything was sent is retried.
    return transport.with_retries(
        UPLOAD_POST, attempt, describe=lambda: f"upload of {source.name!r}"
    )
