"""The upload POST's body: multipart, streamed from disk with requests-toolbelt (the POST
itself is the core flow `streamtape_sdk._core.upload.post_upload`)."""

from __future__ import annotations

from collections.abc import Iterator

from requests_toolbelt import MultipartEncoder

from ._progress import ProgressCallback
from ._source import CHUNK_SIZE, UploadSource

__all__ = ["FILE_FIELD"]

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
