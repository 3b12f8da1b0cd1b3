"""Property-based tests: whatever the API answers, the SDK returns a valid model or raises a
`StreamtapeError` subclass, never a raw KeyError/TypeError/ValidationError/OSError.

Replies are served with `responses`; hypothesis runs derandomized (stable in CI).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

import pytest
import responses
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from streamtape_sdk import (
    APIError,
    BandwidthExceededError,
    IntegrityError,
    NotFoundError,
    OutcomeUnknownError,
    ResponseFormatError,
    ServerError,
    Streamtape,
    StreamtapeError,
)
from streamtape_sdk.models import (
    AccountInfo,
    CreatedFolder,
    DownloadLink,
    DownloadTicket,
    FolderListing,
    RemoteUpload,
    RemoteUploadStatus,
    UploadedFile,
    UploadURL,
)
from tests.reliability.conftest import ENDPOINT_PATHS, make_client

#: Slow as a whole; the CI runs it on python3 only (see pyproject's `slow` marker).
pytestmark = pytest.mark.slow

API = "https://api.example.test"
UPLOAD_HOST = "https://upload.example.test/ul/token"
FILE_ID = "abcdefghijklmno"
FOLDER_ID = "abcdefghijk"
REMOTE_ID = "remote12345"
TICKET = f"{FILE_ID}~~1585532987430~n~~0~token"

PROPERTY_SETTINGS = settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Target:
    """One SDK method reached through one endpoint, and the type a success returns."""

    call: Callable[[Streamtape], object]
    returns: type[object] | None
    #: Errors besides ResponseFormatError a well-formed `status: 200` reply may produce.
    also_raises: tuple[type[StreamtapeError], ...] = ()


TARGETS: dict[str, Target] = {
    "/account/info": Target(lambda c: c.account.info(), AccountInfo),
    # A `null` ticket or link means the file is gone (§5.6 N9).
    "/file/dlticket": Target(
        lambda c: c.files.get_download_ticket(FILE_ID), DownloadTicket, (NotFoundError,)
    ),
    "/file/dl": Target(
        lambda c: c.files.get_download_link(FILE_ID, TICKET), DownloadLink, (NotFoundError,)
    ),
    "/file/info": Target(lambda c: c.files.info([FILE_ID, "otherfileid0000"]), dict),
    "/file/ul": Target(lambda c: c.files.get_upload_url(FOLDER_ID), UploadURL),
    # A non-idempotent call with an unusable reply looks for its result (nothing is served
    # for that here, so it cannot tell).
    "/remotedl/add": Target(
        lambda c: c.remote.add("https://example.com/a.mp4"), RemoteUpload, (OutcomeUnknownError,)
    ),
    "/remotedl/remove": Target(lambda c: c.remote.remove(REMOTE_ID), None),
    # A reply without an entry for the id asked about means "no such upload".
    "/remotedl/status": Target(
        lambda c: c.remote.status(REMOTE_ID), RemoteUploadStatus, (NotFoundError,)
    ),
    "/file/listfolder": Target(lambda c: c.folders.list(FOLDER_ID), FolderListing),
    "/file/createfolder": Target(
        lambda c: c.folders.create("new"), CreatedFolder, (OutcomeUnknownError,)
    ),
    "/file/renamefolder": Target(lambda c: c.folders.rename(FOLDER_ID, "n"), None),
    "/file/deletefolder": Target(lambda c: c.folders.delete(FOLDER_ID), None),
    "/file/rename": Target(lambda c: c.files.rename(FILE_ID, "n.mp4"), None),
    "/file/move": Target(lambda c: c.files.move(FILE_ID, FOLDER_ID), None),
    "/file/delete": Target(lambda c: c.files.delete(FILE_ID), None),
    "/file/runningconverts": Target(lambda c: c.files.running_conversions(), list),
    "/file/failedconverts": Target(lambda c: c.files.failed_conversions(), list),
    "/file/getsplash": Target(lambda c: c.files.thumbnail_url(FILE_ID), str, (NotFoundError,)),
}

# -- strategies ------------------------------------------------------------------------------

LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
#: Arbitrary JSON: None/bool/int/float/text, lists, and dicts with text keys.
JSON = st.recursive(
    LEAVES,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=16,
)

# Values of the right kind for a field, as the wire spells them (and some near misses).
DATE = st.sampled_from(["2019-12-31 23:59:59", "2019-12-31T23:59:59+02:00", "31/12/2019", ""])
#: Epoch milliseconds whose datetime exists; out-of-range ones make an invalid entry, pinned
#: by `test_out_of_range_epoch_is_an_invalid_entry` below.
EPOCH_MS = st.integers(min_value=-62_000_000_000_000, max_value=250_000_000_000_000)
NUMBER = st.integers() | st.integers(min_value=0).map(str) | st.floats(allow_nan=False)
STRING = st.text(max_size=20) | st.sampled_from(["0", "", "false", FILE_ID, FOLDER_ID])
FALSY_OR_STRING = STRING | st.just(False) | st.none()
BOOL = st.booleans() | st.sampled_from([0, 1, "true", "false", None])


def field(kind: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field's value: usually of its kind, sometimes anything at all."""
    return kind | kind | JSON


def record(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A wire object: the required keys (mostly) present, the optional ones maybe, plus
    unknown extra keys now and then."""
    shaped = st.fixed_dictionaries(
        {k: field(v) for k, v in required.items()},
        optional={k: field(v) for k, v in optional.items()},
    )
    extra = st.dictionaries(st.text(max_size=8), JSON, max_size=2)
    loose = st.fixed_dictionaries({}, optional={k: field(v) for k, v in required.items()})
    return st.builds(lambda a, b: {**b, **a}, shaped | loose, extra)


FILE_INFO = record(
    {"id": STRING, "status": NUMBER},
    {"name": FALSY_OR_STRING, "size": NUMBER, "type": STRING, "converted": BOOL, "thumb": STRING},
)
REMOTE_STATUS = record(
    {"id": STRING | st.just(REMOTE_ID), "status": STRING},
    {
        "remoteurl": STRING,
        "bytes_loaded": NUMBER | st.none(),
        "bytes_total": NUMBER | st.none(),
        "folderid": STRING,
        "added": DATE,
        "last_update": DATE,
        "extid": FALSY_OR_STRING,
        "url": FALSY_OR_STRING,
    },
)
FOLDER_FILE = record(
    {"name": STRING, "size": NUMBER, "created_at": EPOCH_MS, "linkid": STRING},
    {"link": STRING, "downloads": NUMBER, "convert": STRING},
)
CONVERSION = record(
    {},
    {
        "name": STRING,
        "folderid": STRING,
        "status": STRING,
        "progress": NUMBER,
        "retries": NUMBER,
        "link": STRING,
        "linkid": STRING,
    },
)


def keyed(entry: st.SearchStrategy[Any], ids: list[str]) -> st.SearchStrategy[Any]:
    """An object keyed by id (the ids asked about, or others), or a bare list of entries."""
    key = st.sampled_from(ids) | st.text(max_size=12)
    return st.dictionaries(key, entry, max_size=3) | st.lists(entry, max_size=3)


SHAPED: dict[str, st.SearchStrategy[Any]] = {
    "/account/info": record({"apiid": STRING, "email": STRING, "signup_at": DATE}, {}),
    "/file/dlticket": record({"ticket": STRING}, {"wait_time": NUMBER, "valid_until": DATE}),
    "/file/dl": record({"name": STRING, "size": NUMBER, "url": STRING}, {}),
    "/file/info": keyed(FILE_INFO, [FILE_ID, "otherfileid0000"]),
    "/file/ul": record({"url": STRING}, {"valid_until": DATE}),
    "/remotedl/add": record({"id": STRING}, {"folderid": STRING}),
    "/remotedl/status": keyed(REMOTE_STATUS, [REMOTE_ID]),
    "/file/listfolder": record(
        {},
        {
            "folders": st.lists(record({"id": STRING, "name": STRING}, {}), max_size=3) | st.none(),
            "files": st.lists(FOLDER_FILE, max_size=3) | st.none(),
        },
    ),
    "/file/createfolder": record({"folderid": STRING}, {}),
    "/file/runningconverts": st.lists(CONVERSION, max_size=3) | st.none(),
    "/file/failedconverts": st.lists(CONVERSION, max_size=3) | st.none(),
    "/file/getsplash": STRING,
}
UPLOAD_REPLY = record(
    {"id": STRING, "name": STRING, "size": NUMBER, "url": STRING},
    {"sha256": STRING, "content_type": STRING},
)


def result_strategy(endpoint: str) -> st.SearchStrategy[Any]:
    shaped = SHAPED.get(endpoint, st.just(True))  # mutations answer `true`
    return shaped | JSON


def envelope(result: object, status: object = 200) -> dict[str, object]:
    return {"status": status, "msg": "OK", "result": result}


def _serve(rsps: responses.RequestsMock, endpoint: str, result: object) -> None:
    rsps.get(f"{API}{endpoint}", json=envelope(result))


def _outcome(call: Callable[[], object]) -> tuple[object, BaseException | None]:
    try:
        return call(), None
    except Exception as exc:  # any type: asserted exactly by the caller
        return None, exc


def _assert_model_or_format_error(target: Target, value: object, error: object) -> None:
    event("returned" if error is None else type(error).__name__)
    if error is None:
        if target.returns is None:
            assert value is None
        else:
            assert isinstance(value, target.returns), repr(value)
        return
    allowed = (ResponseFormatError, *target.also_raises)
    assert type(error) in allowed, f"{type(error).__qualname__} escaped: {error!r}"


# -- properties --------------------------------------------------------------------------------


def test_every_endpoint_has_a_target() -> None:
    assert set(TARGETS) == set(ENDPOINT_PATHS)


@pytest.mark.parametrize("endpoint", ENDPOINT_PATHS, ids=lambda e: e.strip("/"))
@PROPERTY_SETTINGS
@given(data=st.data())
def test_any_result_gives_a_model_or_a_format_error(endpoint: str, data: st.DataObject) -> None:
    result = data.draw(result_strategy(endpoint), label="result")
    target = TARGETS[endpoint]
    with make_client(API) as client, responses.RequestsMock() as rsps:
        _serve(rsps, endpoint, result)
        value, error = _outcome(lambda: target.call(client))
    _assert_model_or_format_error(target, value, error)


@PROPERTY_SETTINGS
@given(result=UPLOAD_REPLY | JSON)
def test_any_upload_reply_gives_a_model_or_a_format_error(result: object) -> None:
    # A reply announcing another size than the 3 bytes sent is an IntegrityError.
    target = Target(
        lambda c: c.files.upload(io.BytesIO(b"abc"), name="a.bin", sha256=False),
        UploadedFile,
        (IntegrityError, OutcomeUnknownError),
    )
    with make_client(API) as client, responses.RequestsMock() as rsps:
        _serve(rsps, "/file/ul", {"url": UPLOAD_HOST, "valid_until": "2030-01-01 00:00:00"})
        rsps.post(UPLOAD_HOST, body=json.dumps(envelope(result)), content_type="text/html")
        value, error = _outcome(lambda: target.call(client))
    _assert_model_or_format_error(target, value, error)


NOT_AN_ENVELOPE = st.one_of(
    st.binary(max_size=64),
    st.text(max_size=64).map(str.encode),
    JSON.map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"", b"<html><body>502 Bad Gateway</body></html>", b'{"status": 200']),
)
ENVELOPE_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "status": JSON | st.sampled_from([200, 403, 404, 451, 509, 599, "200", "404", 999]),
        "msg": JSON,
        "result": JSON,
    },
).map(lambda v: json.dumps(v).encode())
HTTP_DATE = st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: format_datetime(d, True))
#: Statuses whose responses cannot carry a body.
BODILESS = frozenset({204, 205, 304})
RETRY_AFTER = st.none() | st.text(max_size=30) | st.integers(-5, 10**6).map(str) | HTTP_DATE


@settings(PROPERTY_SETTINGS, max_examples=400)
@given(
    endpoint=st.sampled_from(ENDPOINT_PATHS),
    body=NOT_AN_ENVELOPE | ENVELOPE_LIKE,
    http_status=st.integers(min_value=200, max_value=599),
    content_type=st.sampled_from(["application/json", "text/html; charset=UTF-8", "text/plain"]),
    retry_after=RETRY_AFTER,
)
def test_any_body_and_status_give_a_result_or_a_streamtape_error(
    endpoint: str, body: bytes, http_status: int, content_type: str, retry_after: str | None
) -> None:
    target = TARGETS[endpoint]
    if http_status in BODILESS:
        body = b""  # HTTP forbids a body there; urllib3 rightly rejects one
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    with make_client(API, max_retries=1) as client, responses.RequestsMock() as rsps:
        rsps.get(
            f"{API}{endpoint}",
            body=body,
            status=http_status,
            content_type=content_type,
            headers=headers,
        )
        _, error = _outcome(lambda: target.call(client))
    if error is None:
        return
    assert isinstance(error, StreamtapeError), f"{type(error).__qualname__}: {error!r}"
    parsed = _json_or_none(body)
    if parsed is None and (http_status >= 500 or http_status == 429):
        # A CDN error page: a retryable error of the HTTP status's class.
        busy = http_status in (429, 509)
        assert type(error) is (BandwidthExceededError if busy else ServerError), repr(error)
    elif parsed is None:
        # A non-idempotent call may have taken effect: it reconciles, and cannot tell here.
        unreadable = OutcomeUnknownError if endpoint in RECONCILED else ResponseFormatError
        assert type(error) is unreadable, repr(error)
    else:
        assert isinstance(error, (APIError, ResponseFormatError, OutcomeUnknownError)), repr(error)


#: The endpoints whose ambiguous failures are reconciled rather than raised.
RECONCILED = frozenset({"/remotedl/add", "/file/createfolder"})


def _json_or_none(body: bytes) -> object:
    try:
        return json.loads(body) if body.strip() else None
    except ValueError:
        return None


# -- pinned counterexamples (known bugs) ------------------------------------------------------


@pytest.mark.parametrize("created_at", [10**20, 10**400, 1e300], ids=["1e20", "1e400", "1e300f"])
def test_out_of_range_epoch_is_an_invalid_entry(created_at: object) -> None:
    entry = {"name": "a", "size": 1, "created_at": created_at, "linkid": FILE_ID}
    good = {**entry, "created_at": 1585532987430, "name": "b"}
    listing = {"folders": [], "files": [entry, good]}
    with make_client(API) as client, responses.RequestsMock() as rsps:
        _serve(rsps, "/file/listfolder", listing)
        value, error = _outcome(lambda: client.folders.list())
    assert error is None, repr(error)
    assert isinstance(value, FolderListing)
    assert [f.name for f in value.files] == ["b"]
    (bad,) = value.invalid
    assert bad.location == "files[0]"
    assert bad.problem.startswith("created_at:")


@pytest.mark.parametrize("status", ["²", "2⁰⁰"])
def test_superscript_status_is_a_format_error(status: str) -> None:
    with make_client(API) as client, responses.RequestsMock() as rsps:
        rsps.get(f"{API}/account/info", json=envelope(None, status))
        value, error = _outcome(lambda: client.account.info())
    assert value is None
    assert isinstance(error, StreamtapeError), repr(error)


def test_a_valid_reply_is_parsed() -> None:
    """Control: the machinery above does reach the success path."""
    listing = {
        "folders": [{"id": FOLDER_ID, "name": "f"}],
        "files": [{"name": "a", "size": "3", "created_at": 1585532987430, "linkid": FILE_ID}],
    }
    with make_client(API) as client, responses.RequestsMock() as rsps:
        _serve(rsps, "/file/listfolder", listing)
        parsed = client.folders.list()
    assert parsed.files[0].created_at == datetime(2020, 3, 30, 1, 49, 47, 430000, timezone.utc)
    assert (parsed.files[0].size, parsed.folders[0].name) == (3, "f")
