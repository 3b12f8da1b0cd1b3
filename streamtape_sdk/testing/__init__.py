"""A faithful, stateful local Streamtape emulator over real HTTP, for tests.

``FakeStreamtape`` serves all 18 endpoints of the API reference on ``127.0.0.1`` from a
background thread (werkzeug), plus a one-time upload host (``/ul/{token}``), download
links with HTTP Range (``/dl/{token}/{name}``), thumbnails (``/thumb/{id}.jpg``) and
captcha images (``/captcha/{token}.png``).
It imports nothing of the SDK's transport, models or resources: it is an independent
implementation of the wire protocol, so SDK bugs show up as test failures.

Example::

    from streamtape_sdk.testing import Fault, FakeStreamtape

    with FakeStreamtape() as fake:
        file_id = fake.add_file("clip.mp4", b"hello")
        fake.inject("/file/info", Fault.HTTP_503, times=1)
        client = fake.client()

Fault semantics: a fault applies to the next ``times`` requests of its endpoint. Every
fault except ``slow``, ``drop``, ``string_status`` and the download-link modes answers
instead of the endpoint, so nothing changes. ``slow`` sleeps, then processes normally
(state changes happen, even if the client gave up). ``drop`` processes normally (state
changes happen) and then cuts the reply mid-body: the ambiguous failure a client must
survive. Faulted requests are counted by ``calls()``.

Reply modes of the real service (each a ``Fault``, with its evidence):

- ``cloudflare_403``: HTTP 403 with a Cloudflare challenge HTML page (§5.6 N14; ``html``
  is the 503 variant, §1.5).
- ``string_status``: the request is processed; the envelope ``status`` is a JSON string
  (``"200"``, ``"404"``, ...) (N13).
- ``json_429``: ``{"status": "429", "msg": "Too Many Requests", "result": null}``, HTTP
  200 (429 with ``error_http_status="mirror"``), no ``Retry-After`` (N13: the sibling
  service's rate limit).
- ``null_result``: envelope status 200 with ``result: null`` and nothing done; on
  ``/file/dl`` this is "the file vanished" (N9), on ``listfolder`` N16.
- Download links (``inject("download", ...)``; refused on other endpoints):
  ``range_ignored`` (200 with the whole body despite ``Range``), ``short_206`` (the
  first half of the requested bytes, with an honest ``Content-Range``),
  ``wrong_offset_206`` (the requested length, but from byte 0, and a ``Content-Range``
  that says so), ``http_429`` (with ``Retry-After: 1``) and ``drop`` (cut mid-body).
  Envelope-only faults (``string_status``, ``null_result``, ``json_429``) are refused
  on ``"download"``, which sends no envelope.
- Captcha (N10): ``require_captcha(file_id=None, answer="ab12")`` makes new tickets
  carry ``captcha_url`` (a PNG at ``/captcha/{token}.png`` on the emulator),
  ``captcha_w`` and ``captcha_h`` (ints, pixels). Tickets without a captcha carry all
  three as ``false``, as Openload sent them (§3.2; the Streamtape doc example omits
  them, so clients must accept both). ``/file/dl`` checks file, ticket, wait, then the
  captcha: envelope 403 ``"Permission denied (captcha required)"`` without
  ``captcha_response``, ``"Permission denied (wrong captcha)"`` when it differs. A
  ticket keeps the captcha demand it was issued with.
- Per-link connection limit (``max_link_connections`` / ``set_link_connection_limit``):
  a GET above the limit on one download link gets HTTP 429, ``Retry-After: 1`` and a
  plain-text body (chosen over 503 because it says "come back", which a
  multi-connection client can act on; the real limit is undocumented, N18). A GET
  holds its slot until its body has been sent or the client left; HEAD takes none.
- Validators: download links carry a strong ``ETag`` (from the content's sha256) and
  ``Last-Modified`` and honour ``If-Range`` (a stale or weak validator gets 200 with
  the whole body, RFC 9110 §13.1.5). ``replace_file_content`` changes the bytes, so
  clients see a change between attempts. ``Range: bytes=-0`` (empty suffix) is 416;
  a ``Range`` header that does not parse is ignored (200).

Assumptions (the reference marks these [?]; the emulator picks one behaviour):

- HTTP status of error envelopes: HTTP 200 by default; ``error_http_status="mirror"``
  sends the JSON status as the HTTP status (also for fault ``json_509``). ``result`` is
  ``null`` on every error.
- Check order: credentials (403), then required parameters (400), then existence (404).
  ``/file/dl`` needs no credentials and ignores any sent; every other endpoint,
  ``file/info`` included, requires them. An empty parameter counts as missing.
- Messages: wrong/missing credentials ``"Permission denied (wrong api login/key)"``;
  missing parameter ``"Bad request: missing required parameter 'NAME'"``; unknown ids
  ``"File not found"``, ``"Folder not found"``, ``"Remote upload not found"``.
- Download tickets live ``ticket_ttl`` (30 min) and can be redeemed repeatedly until
  then; each redemption counts as one download in ``listfolder``. Redeeming early gives
  403 ``"please wait N more seconds"`` (N = remaining seconds rounded up, always
  "seconds"). Unknown, expired or other-file tickets: 403 ``"Permission denied (invalid
  or expired ticket)"``. Ticket strings look like the example,
  ``{fileid}~~{epoch-ms}~n~~0~{token}``.
- Download links live ``download_link_ttl`` (1 h). They are served with real HTTP
  statuses (they stand for the CDN, not the API): 403 text for an unknown/expired link,
  200/206 with ``Accept-Ranges: bytes``, 416 with ``Content-Range: bytes */size`` when
  unsatisfiable; a multi-range request gets the whole file (200).
- ``file/info`` accepts at most 100 comma-separated ids (400 above), deduplicates them,
  and includes ``type`` (guessed MIME type) in found entries; ``thumb`` only once
  converted.
- Upload URLs live ``upload_url_ttl`` (1 h) and are consumed by the first POST that
  reaches them, whatever its outcome; a reused or expired one answers envelope 403
  ``"upload URL expired or already used"``. The first file part is kept, whatever its
  field name; the file name is the part's file name (``"upload"`` if empty). A
  ``sha256`` given to ``file/ul`` must be 64 hex digits (400 otherwise); a mismatch
  answers envelope 400 ``"sha256 mismatch: expected X, got Y"`` and discards the file.
  Every upload-host reply (errors too) has ``Content-Type: text/html; charset=UTF-8``.
  ``httponly`` is accepted and ignored.
- Folder id ``"0"`` (and an empty or missing value) means the root everywhere a folder
  id is accepted: ``listfolder``, ``createfolder`` ``pid``, ``file/ul``, ``remotedl/add``
  and ``file/move`` (whose ``folder`` is still required: ``folder=0`` moves to root).
  ``renamefolder``/``deletefolder`` on ``"0"`` answer 400. Root is reported as ``"0"``.
- Duplicate folder names are allowed (siblings may share a name).
- ``listfolder`` ``convert`` is one of the three values seen (§5.6 N3): ``"converted"``
  (a converted video), ``"no-need"`` (a file whose type is not ``video/*``) or
  ``"pending"`` (a running conversion; also a failed one, since "failed" was never seen).
- Thumbnails are JPEG images at URLs ending in ``.jpg`` (N17; on the emulator's own
  host, not a ``thumb.`` host).
- Conversions: ``"new"`` (progress 0) for the first quarter of ``conversion_seconds``,
  then ``"pending"`` with progress rising towards 99, then converted (``thumb``
  appears). ``progress`` is a JSON integer percent 0-100 (§5.6 N5 shows ``0, 45, 100``;
  the older §3.16 example ``0.75`` is superseded). Seeded failures end in
  ``failedconverts`` with the running-convert shape, ``status: "failed"``,
  ``progress: 0``, ``retries: 3``.
- ``getsplash`` returns the thumbnail URL for any existing file, converted or not.
- Remote uploads: states ``new`` -> ``downloading`` -> ``finished`` | ``error``. Only
  http(s) URLs on ``localhost``, 127.0.0.0/8 or ``::1`` are fetched (no DNS lookup for
  other names; redirects off loopback refused); anything else ends in ``error`` without
  network traffic. The file name is the source's Content-Disposition file name (it wins
  over ``name``, N11), else the ``name`` parameter, else the URL's last path segment.
  A body that ends before its announced Content-Length still ends ``finished`` with the
  true ``bytes_loaded`` and the announced ``bytes_total`` (N12); an HTTP error page ends
  ``error`` with that page's byte count in ``bytes_loaded`` (N12). Entries carry
  ``linkid``: ``false`` until the file exists, then its id (N1). ``remotedl/add``
  requires an absolute http(s) ``url`` (400 otherwise); malformed ``headers`` lines
  answer 400. ``remotedl/status`` without ``id``, or with an unknown one (N2), lists all
  uploads newest first, cut to ``limit`` (a positive integer). Removing an upload
  cancels its transfer and forgets it.
- Upload host strictness (N7, on by default, ``strict_upload=False`` turns it off): a
  POST without ``Content-Length`` (chunked) gets HTTP 411 with envelope status 411
  (whatever ``error_http_status`` says: the front end refuses it); a multipart part
  whose headers have no line spelt exactly ``Content-Disposition:`` (checked in the
  first 64 KiB) gets envelope 400. The upload URL is used up either way.
- HTTP: HTTP/1.1 persistent connections, closed after ``idle_timeout`` (15 s) without a
  request, after a cut reply, or when the client asks; ``stop()`` closes them all. A
  request body the endpoint did not read is drained before the next request.
- No redirects: doubled slashes (``/file//info``) are unknown paths (404 envelope), so no
  ``Location`` ever repeats the query string and its credentials.
- HEAD on an API endpoint answers 405 (``Allow: GET, POST``) and changes nothing; HEAD on
  a download link, thumbnail or captcha answers the GET's headers. HEAD never takes an
  injected fault.
- Every request is in ``requests_log``: unknown paths and methods under the endpoint
  name ``"unknown"``, with the request path (never the query string or credentials).
- Download links end in the percent-encoded file name, which is decorative: the token
  alone finds the file. Names ``.`` and ``..`` (which clients would resolve away) get a
  link without a name; names with a newline or slash are percent-encoded.
- ``storage_dir`` keeps ``state.json`` (account with its credentials, folders, files)
  across runs; tickets, links, upload URLs and remote uploads are not kept.
- pytest plugin: ``@pytest.mark.streamtape(...)`` and ``streamtape_*`` ini options
  configure ``fake_streamtape``; faults injected but never fired fail the test at
  teardown unless ``assert_all_faults_fired=False``.
- Dates are UTC, formatted ``%Y-%m-%d %H:%M:%S``; ``created_at`` is epoch ms.
- ``account/info`` returns ``apiid`` = the login and ``email`` = ``dev@example.com``.
- Page links are ``https://streamtape.com/v/{id}/{percent-encoded name}``.
- Unknown paths answer HTTP 404 with an envelope (status 404); a trailing slash on an
  endpoint path is accepted.
"""

from __future__ import annotations

from ._faults import Fault
from ._records import RemoteUploadRecord, RequestRecord, StoredFile, StoredFolder
from ._server import FakeStreamtape
from ._wire import (
    DATE_FORMAT,
    MSG_BANDWIDTH,
    MSG_FILE_NOT_FOUND,
    MSG_FOLDER_NOT_FOUND,
    MSG_INVALID_TICKET,
    MSG_PERMISSION_DENIED,
    MSG_REMOTE_NOT_FOUND,
    MSG_UPLOAD_URL_GONE,
)

__all__ = [
    "DATE_FORMAT",
    "MSG_BANDWIDTH",
    "MSG_FILE_NOT_FOUND",
    "MSG_FOLDER_NOT_FOUND",
    "MSG_INVALID_TICKET",
    "MSG_PERMISSION_DENIED",
    "MSG_REMOTE_NOT_FOUND",
    "MSG_UPLOAD_URL_GONE",
    "FakeStreamtape",
    "Fault",
    "RemoteUploadRecord",
    "RequestRecord",
    "StoredFile",
    "StoredFolder",
]
