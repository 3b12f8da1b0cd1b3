"""Every failure becomes the right `StreamtapeError`: JSON status codes, HTTP 5xx, HTML pages,
empty and invalid bodies, wrong shapes, network failures, timeouts; and errors pickle."""

from __future__ import annotations

import contextlib
import json
import pickle
from collections.abc import Callable

import pytest
import requests
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamtape_sdk import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    BadRequestError,
    BandwidthExceededError,
    IntegrityError,
    MissingCredentialsError,
    NotFoundError,
    PermissionDeniedError,
    RemoteUploadFailedError,
    RemoteUploadIncompleteError,
    ResponseFormatError,
    ServerError,
    Streamtape,
    StreamtapeError,
    TransferError,
    UnavailableForLegalReasonsError,
    WaitTimeoutError,
)
from streamtape_sdk.errors import error_for_status, is_retryable
from tests.fakes import FakeSleep
from tests.unit.conftest import (
    BASE_URL,
    LocalServer,
    add_body,
    add_json,
    closed_port,
    envelope,
    make_client,
    reply_json,
)

CLOUDFLARE_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head>"
    "<body><h1>Checking your browser before accessing api.streamtape.com</h1>"
    "<p>Ray ID: 7c1a2b3c4d5e6f70</p></body></html>"
)
ACCOUNT = {"apiid": "a", "email": "e", "signup_at": "2019-12-31 23:59:59"}


def test_hierarchy() -> None:
    for cls in (
        MissingCredentialsError,
        APIError,
        APIConnectionError,
        ResponseFormatError,
        TransferError,
    ):
        assert issubclass(cls, StreamtapeError)
    for cls in (
        BadRequestError,
        PermissionDeniedError,
        NotFoundError,
        UnavailableForLegalReasonsError,
        BandwidthExceededError,
        ServerError,
    ):
        assert issubclass(cls, APIError)
    assert issubclass(APITimeoutError, APIConnectionError)
    for cls in (IntegrityError, RemoteUploadFailedError, WaitTimeoutError):
        assert issubclass(cls, TransferError)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (429, BandwidthExceededError),
        (451, UnavailableForLegalReasonsError),
        (509, BandwidthExceededError),
        (500, ServerError),
        (502, ServerError),
        (599, ServerError),
        (418, APIError),
        (600, APIError),
    ],
)
def test_error_for_status_mapping(status: int, cls: type[APIError]) -> None:
    error = error_for_status(status, "msg", endpoint="/x")
    assert type(error) is cls
    assert is_retryable(error) is (cls in (BandwidthExceededError, ServerError))


@pytest.mark.parametrize(
    ("status", "cls", "attempts"),
    [
        (400, BadRequestError, 1),
        (403, PermissionDeniedError, 1),
        (404, NotFoundError, 1),
        (451, UnavailableForLegalReasonsError, 1),
        (509, BandwidthExceededError, 3),
        (500, ServerError, 3),
        (503, ServerError, 3),
        (418, APIError, 1),
    ],
)
def test_json_status_with_http_200(
    client: Streamtape,
    rsps: responses.RequestsMock,
    status: int,
    cls: type[APIError],
    attempts: int,
) -> None:
    add_json(rsps, "/file/info", status=status, msg="Something happened")
    with pytest.raises(cls) as info:
        client.files.info("rbAarvRPXdYbaxY")
    error = info.value
    assert type(error) is cls
    assert error.status == status
    assert error.message == "Something happened"
    assert error.endpoint == "/file/info"
    assert error.http_status == 200
    assert error.retry_after is None
    assert error.detail == "file='rbAarvRPXdYbaxY'"
    assert str(error) == (
        f"/file/info (file='rbAarvRPXdYbaxY') failed with status {status}: "
        f"Something happened. {cls.hint}"
    )
    assert len(rsps.calls) == attempts  # client fixture: max_retries=2


def test_json_status_as_digit_string(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_body(rsps, "/file/info", json.dumps({"status": "404", "msg": "File not found"}))
    with pytest.raises(NotFoundError) as info:
        client.files.info("x1")
    assert (info.value.status, info.value.message) == (404, "File not found")


def test_json_status_200_as_string_is_success(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_body(rsps, "/account/info", json.dumps({"status": "200", "msg": "OK", "result": ACCOUNT}))
    assert client.account.info().api_id == "a"


@pytest.mark.parametrize("msg", [None, "", 42])
def test_missing_or_odd_msg(client: Streamtape, rsps: responses.RequestsMock, msg: object) -> None:
    add_body(rsps, "/file/info", json.dumps({"status": 404, "msg": msg, "result": None}))
    with pytest.raises(NotFoundError) as info:
        client.files.info("x1")
    assert info.value.message == "no message"


@pytest.mark.parametrize("http_status", [400, 403, 404, 500, 503])
def test_json_status_decides_over_http_status(
    client: Streamtape, rsps: responses.RequestsMock, http_status: int
) -> None:
    add_json(rsps, "/account/info", ACCOUNT, http_status=http_status)
    assert client.account.info().email == "e"
    assert len(rsps.calls) == 1


def test_http_5xx_with_json_error_envelope(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    add_json(rsps, "/account/info", status=500, msg="Internal error", http_status=502)
    with pytest.raises(ServerError) as info:
        client.account.info()
    assert (info.value.status, info.value.http_status) == (500, 502)
    assert info.value.message == "Internal error"
    assert len(rsps.calls) == 3
    assert len(fake_sleep.calls) == 2


def test_http_4xx_with_json_error_envelope(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(rsps, "/account/info", status=403, msg="Wrong login", http_status=403)
    with pytest.raises(PermissionDeniedError) as info:
        client.account.info()
    assert (info.value.status, info.value.http_status) == (403, 403)
    assert len(rsps.calls) == 1


@pytest.mark.parametrize("http_status", [500, 502, 503, 504, 520])
def test_html_page_with_http_5xx_is_a_retried_server_error(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep, http_status: int
) -> None:
    add_body(
        rsps, "/account/info", CLOUDFLARE_PAGE, http_status=http_status, content_type="text/html"
    )
    with pytest.raises(ServerError) as info:
        client.account.info()
    error = info.value
    assert (error.status, error.http_status, error.endpoint) == (
        http_status,
        http_status,
        "/account/info",
    )
    assert error.message == (
        f"HTTP {http_status} with an HTML page "
        "(an error or challenge page from the CDN in front of the API)"
    )
    assert len(rsps.calls) == 3
    assert len(fake_sleep.calls) == 2


def test_html_page_then_success(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    add_body(rsps, "/account/info", CLOUDFLARE_PAGE, http_status=503, content_type="text/html")
    add_json(rsps, "/account/info", ACCOUNT)
    assert client.account.info().email == "e"
    assert len(rsps.calls) == 2
    assert len(fake_sleep.calls) == 1


@pytest.mark.parametrize("http_status", [200, 403, 404])
@pytest.mark.parametrize("content_type", ["text/html", "application/json"])
def test_html_page_with_http_2xx_4xx_is_a_format_error_not_retried(
    client: Streamtape,
    rsps: responses.RequestsMock,
    fake_sleep: FakeSleep,
    http_status: int,
    content_type: str,
) -> None:
    add_body(
        rsps, "/account/info", CLOUDFLARE_PAGE, http_status=http_status, content_type=content_type
    )
    with pytest.raises(ResponseFormatError) as info:
        client.account.info()
    message = str(info.value)
    assert message.startswith(f"/account/info answered HTTP {http_status} with an HTML page")
    assert "Just a moment..." in message  # a snippet of the body helps the user
    assert len(rsps.calls) == 1
    assert fake_sleep.calls == []


def test_http_429_without_envelope_is_bandwidth_error(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_body(rsps, "/account/info", "Too Many Requests", http_status=429, content_type="text/plain")
    with pytest.raises(BandwidthExceededError) as info:
        client.account.info()
    assert (info.value.status, info.value.http_status) == (429, 429)
    assert len(rsps.calls) == 3


@pytest.mark.parametrize("body", ["", "   \n"])
def test_empty_body(client: Streamtape, rsps: responses.RequestsMock, body: str) -> None:
    add_body(rsps, "/account/info", body)
    with pytest.raises(
        ResponseFormatError, match=r"^/account/info answered HTTP 200 with an empty body"
    ):
        client.account.info()
    assert len(rsps.calls) == 1


def test_empty_body_with_http_502_is_server_error(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_body(rsps, "/account/info", "", http_status=502)
    with pytest.raises(ServerError, match="HTTP 502 with an empty body"):
        client.account.info()


@pytest.mark.parametrize(
    "body",
    [
        '{"status": 200, "msg": "OK", "result": {',
        "not json at all",
        b"\xff\xfe\x00garbage",
        "{'status': 200}",
    ],
)
def test_invalid_json(client: Streamtape, rsps: responses.RequestsMock, body: str | bytes) -> None:
    add_body(rsps, "/account/info", body)
    with pytest.raises(ResponseFormatError, match="with a body that is not valid JSON") as info:
        client.account.info()
    assert info.value.__cause__ is None
    assert info.value.__context__ is None
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        "[1, 2, 3]",
        '"OK"',
        "200",
        "null",
        "true",
        '{"msg": "OK", "result": {}}',
        '{"status": null, "msg": "OK"}',
        '{"status": true, "msg": "OK"}',
        '{"status": "OK", "msg": "OK"}',
        '{"status": 200.0, "msg": "OK"}',
        '{"status": [200]}',
    ],
)
def test_json_without_envelope(client: Streamtape, rsps: responses.RequestsMock, body: str) -> None:
    add_body(rsps, "/account/info", body)
    with pytest.raises(ResponseFormatError) as info:
        client.account.info()
    assert str(info.value).startswith(
        "/account/info answered HTTP 200 with JSON without the {status, msg, result} envelope"
    )
    assert len(rsps.calls) == 1


WRONG_SHAPES: list[tuple[str, Callable[[Streamtape], object], object, str]] = [
    ("/account/info", lambda c: c.account.info(), {"apiid": "a"}, "email: Field required"),
    ("/account/info", lambda c: c.account.info(), "a string", "result: Input should be"),
    ("/account/info", lambda c: c.account.info(), None, "result: Input should be"),
    ("/account/info", lambda c: c.account.info(), [ACCOUNT], "result: Input should be"),
    ("/account/info", lambda c: c.account.info(), {**ACCOUNT, "signup_at": "soon"}, "signup_at"),
    ("/file/dlticket", lambda c: c.files.get_download_ticket("f"), {"wait_time": 3}, "ticket"),
    (
        "/file/dlticket",
        lambda c: c.files.get_download_ticket("f"),
        {"ticket": "t", "wait_time": "ten"},
        "wait_time",
    ),
    ("/file/dl", lambda c: c.files.get_download_link("f", "t"), {"name": "a"}, "size"),
    ("/file/info", lambda c: c.files.info("f"), "a string", "result"),
    ("/file/ul", lambda c: c.files.get_upload_url(), {"valid_until": "2019-12-31 23:59:59"}, "url"),
    ("/file/ul", lambda c: c.files.get_upload_url(), True, "result"),
    ("/remotedl/status", lambda c: c.remote.list(), "nope", "result"),
    ("/remotedl/status", lambda c: c.remote.status("r"), {"r": 5}, "r"),
    ("/file/listfolder", lambda c: c.folders.list(), "nope", "result"),
    ("/file/listfolder", lambda c: c.folders.list(), {"folders": "x"}, "folders"),
    ("/file/runningconverts", lambda c: c.files.running_conversions(), {"a": 1}, "result"),
    ("/file/failedconverts", lambda c: c.files.failed_conversions(), "x", "result"),
    ("/file/getsplash", lambda c: c.files.thumbnail_url("f"), {"url": "x"}, "result"),
    # A single entry asked for by id is not skipped: its problem is the caller's error.
    ("/remotedl/status", lambda c: c.remote.status("r"), {"r": {"id": "r"}}, "r: status"),
]
# Keyed and listed results are parsed entry by entry (tests/unit/test_wire_shapes.py);
# results of non-idempotent calls are reconciled (tests/unit/test_reconcile.py).


@pytest.mark.parametrize(
    ("path", "call", "result", "problem"),
    WRONG_SHAPES,
    ids=[f"{w[0]}-{i}" for i, w in enumerate(WRONG_SHAPES)],
)
def test_wrong_result_shape_is_a_format_error(
    client: Streamtape,
    rsps: responses.RequestsMock,
    path: str,
    call: Callable[[Streamtape], object],
    result: object,
    problem: str,
) -> None:
    add_json(rsps, path, result)
    with pytest.raises(ResponseFormatError) as info:
        call(client)
    message = str(info.value)
    assert message.startswith(f"{path} returned a result of an unexpected shape (")
    assert problem in message
    assert info.value.__cause__ is None
    assert info.value.__context__ is None  # the ValidationError (quoting input) is not chained
    assert len(rsps.calls) == 1  # a format error is not retried


ALL_CALLS: dict[str, tuple[str, Callable[[Streamtape], object]]] = {
    "account.info": ("/account/info", lambda c: c.account.info()),
    "files.get_download_ticket": ("/file/dlticket", lambda c: c.files.get_download_ticket("f")),
    "files.get_download_link": ("/file/dl", lambda c: c.files.get_download_link("f", "t")),
    "files.info": ("/file/info", lambda c: c.files.info(["f", "g"])),
    "files.get_upload_url": ("/file/ul", lambda c: c.files.get_upload_url()),
    "remote.add": ("/remotedl/add", lambda c: c.remote.add("https://x.test/a")),
    "remote.remove": ("/remotedl/remove", lambda c: c.remote.remove("r")),
    "remote.status": ("/remotedl/status", lambda c: c.remote.status("r")),
    "remote.list": ("/remotedl/status", lambda c: c.remote.list()),
    "folders.list": ("/file/listfolder", lambda c: c.folders.list()),
    "folders.create": ("/file/createfolder", lambda c: c.folders.create("n")),
    "folders.rename": ("/file/renamefolder", lambda c: c.folders.rename("d", "n")),
    "folders.delete": ("/file/deletefolder", lambda c: c.folders.delete("d")),
    "files.rename": ("/file/rename", lambda c: c.files.rename("f", "n")),
    "files.move": ("/file/move", lambda c: c.files.move("f", "d")),
    "files.delete": ("/file/delete", lambda c: c.files.delete("f")),
    "files.running_conversions": ("/file/runningconverts", lambda c: c.files.running_conversions()),
    "files.failed_conversions": ("/file/failedconverts", lambda c: c.files.failed_conversions()),
    "files.thumbnail_url": ("/file/getsplash", lambda c: c.files.thumbnail_url("f")),
}

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["f", "r", "id", "name", "size", "url", "x"]), children, max_size=4
        )
    ),
    max_leaves=8,
)


@pytest.mark.parametrize(("path", "call"), ALL_CALLS.values(), ids=ALL_CALLS.keys())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(result=JSON_VALUES)
def test_any_result_parses_or_raises_a_streamtape_error(
    path: str, call: Callable[[Streamtape], object], result: object
) -> None:
    with make_client(max_retries=0) as client, responses.RequestsMock() as rsps:
        add_json(rsps, path, result)
        # never a bare KeyError / TypeError / ValidationError / JSONDecodeError
        with contextlib.suppress(StreamtapeError):
            call(client)


def test_deeply_nested_json_is_a_format_error(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_body(rsps, "/account/info", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(ResponseFormatError):
        client.account.info()


# -- network failures -----------------------------------------------------------------------------


def test_connection_refused_real_socket(fake_sleep: FakeSleep) -> None:
    with (
        make_client(fake_sleep, base_url=f"http://127.0.0.1:{closed_port()}") as client,
        pytest.raises(APIConnectionError) as info,
    ):
        client.account.info(timeout=5)
    error = info.value
    assert type(error) is APIConnectionError
    assert error.request_sent is False
    assert str(error).startswith("/account/info: connection failed (ConnectionError: ")
    assert len(fake_sleep.calls) == 2  # a failure before sending is retried


def test_read_timeout_real_socket(local_server: LocalServer) -> None:
    local_server.actions.append(reply_json(envelope(ACCOUNT), delay=1.0))
    with (
        make_client(base_url=local_server.base_url, max_retries=0, timeout=0.2) as client,
        pytest.raises(APITimeoutError) as info,
    ):
        client.account.info()
    assert info.value.request_sent is True
    assert str(info.value).startswith("/account/info: no answer within 0.2 s (ReadTimeout: ")


@pytest.mark.parametrize(
    ("exc", "cls", "request_sent", "start"),
    [
        (
            requests.exceptions.ReadTimeout("read timed out"),
            APITimeoutError,
            True,
            "/file/info: no answer within 30.0 s (ReadTimeout: read timed out)",
        ),
        (
            requests.exceptions.ConnectTimeout("connect timed out"),
            APITimeoutError,
            False,
            "/file/info: could not connect within 30.0 s (ConnectTimeout: connect timed out)",
        ),
        (
            requests.exceptions.ConnectionError("Connection aborted."),
            APIConnectionError,
            True,
            "/file/info: connection failed (ConnectionError: Connection aborted.)",
        ),
        (
            requests.exceptions.ChunkedEncodingError("Connection broken"),
            APIConnectionError,
            True,
            "/file/info: connection failed (ChunkedEncodingError: Connection broken)",
        ),
        (
            requests.exceptions.SSLError("certificate verify failed"),
            APIConnectionError,
            True,
            "/file/info: connection failed (SSLError: certificate verify failed)",
        ),
    ],
)
def test_network_failures(
    client: Streamtape,
    rsps: responses.RequestsMock,
    exc: Exception,
    cls: type[APIConnectionError],
    request_sent: bool,
    start: str,
) -> None:
    add_body(rsps, "/file/info", exc)
    with pytest.raises(cls) as info:
        client.files.info("f")
    assert type(info.value) is cls
    assert info.value.request_sent is request_sent
    assert str(info.value).startswith(start)
    assert info.value.__cause__ is None
    assert info.value.__context__ is None
    assert len(rsps.calls) == 3  # /file/info is idempotent: retried twice


def test_per_call_timeout_is_named_in_the_message(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_body(rsps, "/account/info", requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError, match=r"no answer within 1\.5 s"):
        client.account.info(timeout=1.5)


def test_unmatched_request_is_a_connection_error(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    # responses refuses unregistered URLs with requests' ConnectionError
    with pytest.raises(APIConnectionError):
        client.account.info()


# -- pickling -------------------------------------------------------------------------------------

PICKLABLE: list[StreamtapeError] = [
    NotFoundError("File not found", status=404, endpoint="/file/info", http_status=200),
    ServerError("HTTP 503", status=503, endpoint="/x", http_status=503, retry_after=2.5),
    BandwidthExceededError("busy", status=509, endpoint="/file/dl"),
    APIError("odd", status=418, endpoint="/x"),
    APIConnectionError("/x: connection failed", request_sent=False),
    APITimeoutError("/x: no answer", request_sent=True),
    ResponseFormatError("bad shape"),
    IntegrityError("size mismatch"),
    WaitTimeoutError("gave up"),
    RemoteUploadIncompleteError(
        "cut short", upload_id="r", file_id=None, bytes_loaded=4, bytes_total=10
    ),
]


@pytest.mark.parametrize("error", PICKLABLE, ids=[type(e).__name__ for e in PICKLABLE])
def test_errors_pickle_round_trip(error: StreamtapeError) -> None:
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.args == error.args
    assert vars(copy) == vars(error)


def test_missing_credentials_error_pickle_round_trip() -> None:
    error = MissingCredentialsError("key")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301
    assert str(copy) == str(error)


def test_raised_api_error_pickles(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/file/info", status=451, msg="DMCA", headers={"Retry-After": "3"})
    with pytest.raises(UnavailableForLegalReasonsError) as info:
        client.files.info("f")
    copy = pickle.loads(pickle.dumps(info.value))  # noqa: S301
    assert (copy.status, copy.message, copy.endpoint, copy.http_status, copy.retry_after) == (
        451,
        "DMCA",
        "/file/info",
        200,
        3.0,
    )
    assert BASE_URL not in str(copy)
