"""The upload POST as a flow: the multipart body streamed from disk, the reply awaited for
`Timeout.upload_reply`, and a retry only when nothing was sent."""

from __future__ import annotations

import mimetypes

from .._endpoints import UPLOAD_POST
from ..transfers._progress import ProgressCallback
from ..transfers._source import UploadSource
from ..transfers._upload import MultipartFileBody
from .calls import CallSettings, with_retries
from .effects import Flow, HttpRequest, http
from .envelope import decode_envelope

__all__ = ["post_upload"]


def post_upload(
    settings: CallSettings,
    url: str,
    source: UploadSource,
    *,
    reply_timeout: float,
    progress: ProgressCallback | None = None,
    timeout: float | None = None,
    expected_sha256: str | None = None,
) -> Flow[object]:
    """POST `source` to a one-time upload URL and return the reply envelope's `result`.

    Retried only when the connection failed before anything was sent: a repeat after an
    ambiguous failure could store the file twice (and the URL is single-use anyway). The
    reply is awaited for `reply_timeout` seconds after the last byte (at least the per-read
    timeout): the host can answer minutes later (streamtape-api.md §5.6 N8).

    Raises:
        IntegrityError: the source changed size (or, with `expected_sha256`, content) while it
            was sent; the body is cut short, so nothing is stored.
        APIError: the upload host refused the file (e.g. expired URL, sha256 mismatch).
        APIConnectionError: the connection failed or broke mid-upload.
        ResponseFormatError: the reply is not the JSON envelope.
    """
    content_type = mimetypes.guess_type(source.name)[0] or "application/octet-stream"

    def attempt() -> Flow[object]:
        body = MultipartFileBody(
            source, content_type=content_type, progress=progress, expected_sha256=expected_sha256
        )
        if progress is not None:
            progress(0, source.size)
        reply = yield from http(
            HttpRequest(
                "POST",
                url,
                UPLOAD_POST,
                headers={"Content-Type": body.content_type},
                body=body,
                timeout=timeout,
                reply_timeout=reply_timeout,
            )
        )
        # The reply may say text/html; the body is JSON all the same.
        return decode_envelope(reply, UPLOAD_POST)

    # UPLOAD_POST is not idempotent: only a failure before anything was sent is retried.
    return (
        yield from with_retries(
            settings, UPLOAD_POST, attempt, describe=lambda: f"upload of {source.name!r}"
        )
    )
