"""The API key appears nowhere: reprs, models, every exception (message, args, chain, formatted
traceback) on every failure path, and log output at DEBUG, urllib3's request lines included."""

from __future__ import annotations

import gc
import io
import json
import logging
import multiprocessing
import pickle
import re
import threading
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from copy import deepcopy
from http.server import BaseHTTPRequestHandler
from urllib.parse import quote, quote_plus

import pytest
import requests
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from streamtape_sdk import (
    AccountInfo,
    MissingCredentialsError,
    RemoteUploadStatus,
    Streamtape,
    StreamtapeError,
    _redaction,
)
from streamtape_sdk._endpoints import ALL_API_ENDPOINTS
from streamtape_sdk._redaction import redact
from tests.fakes import FakeSleep
from tests.unit.conftest import (
    BASE_URL,
    KEY,
    LOGIN,
    PLAIN_KEY,
    LocalServer,
    add_body,
    add_json,
    assert_exception_has_no_key,
    assert_no_key,
    closed_port,
    drop_connection,
    envelope,
    make_client,
    reply_json,
    url,
)

KEYS = [KEY, PLAIN_KEY]
KEY_IDS = ["special-key", "plain-key"]


@pytest.fixture(params=KEYS, ids=KEY_IDS)
def key(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def keyed_client(key: str, fake_sleep: FakeSleep) -> Iterator[Streamtape]:
    with make_client(fake_sleep, key=key) as client:
        yield client


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # the root logger: ours, urllib3's, everyone's
    return caplog


def assert_logs_have_no_key(caplog: pytest.LogCaptureFixture, key: str) -> None:
    for record in caplog.records:
        assert_no_key(record.getMessage(), key)
        assert_no_key(repr(record.args), key)
    assert_no_key(caplog.text, key)


def test_key_spellings_helper_is_strict() -> None:
    # the checks below look for every spelling a leak could take
    assert quote_plus(KEY) == "K3y%26Secret%3D42+%C3%BC"
    assert quote(KEY, safe="") == "K3y%26Secret%3D42%20%C3%BC"
    with pytest.raises(AssertionError):
        assert_no_key("...&key=K3y%26Secret%3D42+%C3%BC", KEY)


# -- reprs ----------------------------------------------------------------------------------------


def test_reprs_mask_the_key(keyed_client: Streamtape, key: str) -> None:
    transport_repr = f"Transport(base_url='{BASE_URL}', login='{LOGIN}', key='***')"
    assert repr(keyed_client._transport) == transport_repr
    assert repr(keyed_client.account) == f"<Account of {transport_repr}>"
    assert repr(keyed_client.files) == f"<Files of {transport_repr}>"
    assert repr(keyed_client.remote) == f"<Remote of {transport_repr}>"
    assert repr(keyed_client.folders) == f"<Folders of {transport_repr}>"
    assert "key='***'" in repr(keyed_client)
    for text in (repr(keyed_client), str(keyed_client), repr(vars(keyed_client))):
        assert_no_key(text, key)


def test_model_echoing_the_key_is_masked(keyed_client: Streamtape, key: str) -> None:
    # The docs say `apiid` is "<your api key>": the model must not print it.
    info = AccountInfo(api_id=key, email="e@example.com", signup_at="2019-12-31 23:59:59")  # type: ignore[arg-type]
    assert "api_id='***'" in repr(info)
    assert_no_key(repr(info), key)
    assert_no_key(str(info), key)
    assert info.api_id == key  # the data itself is intact


def test_masking_survives_closing_another_client_with_the_same_key(key: str) -> None:
    first = make_client(key=key)
    second = make_client(key=key)
    first.close()
    info = AccountInfo(api_id=key, email="e", signup_at="2019-12-31 23:59:59")  # type: ignore[arg-type]
    assert_no_key(repr(info), key)
    second.close()


# -- every failure path (responses) ---------------------------------------------------------------

Setup = Callable[[responses.RequestsMock, str], None]


def echo_url(status: int, template: str, content_type: str = "text/html") -> Setup:
    """A reply whose body quotes the request URL (as error pages and proxies do)."""

    def setup(rsps: responses.RequestsMock, key: str) -> None:
        def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
            return status, {"Content-Type": content_type}, template.format(url=request.url)

        rsps.add_callback(responses.GET, url("/account/info"), callback=callback)

    return setup


def raise_with_url(make: Callable[[str], Exception]) -> Setup:
    """A network failure whose text quotes the request URL (as urllib3's messages do)."""

    def setup(rsps: responses.RequestsMock, key: str) -> None:
        def callback(request: requests.PreparedRequest) -> Exception:
            return make(str(request.url))

        rsps.add_callback(responses.GET, url("/account/info"), callback=callback)

    return setup


def json_error(status: int, http_status: int = 200) -> Setup:
    def setup(rsps: responses.RequestsMock, key: str) -> None:
        add_json(
            rsps,
            "/account/info",
            status=status,
            msg=f"Invalid key {key} / {quote_plus(key)} / {quote(key, safe='')}",
            http_status=http_status,
        )

    return setup


def raw_body(make: Callable[[str], str], http_status: int = 200) -> Setup:
    def setup(rsps: responses.RequestsMock, key: str) -> None:
        add_body(rsps, "/account/info", make(key), http_status=http_status)

    return setup


def shaped(result: Callable[[str], object]) -> Setup:
    def setup(rsps: responses.RequestsMock, key: str) -> None:
        add_json(rsps, "/account/info", result(key))

    return setup


def nothing(rsps: responses.RequestsMock, key: str) -> None:
    """No reply registered: responses refuses the request with a ConnectionError quoting it."""


FAILURES: dict[str, Setup] = {
    "json-400": json_error(400),
    "json-403": json_error(403),
    "json-404": json_error(404),
    "json-451": json_error(451),
    "json-509-retried": json_error(509),
    "json-500-retried": json_error(500),
    "json-403-http-403": json_error(403, http_status=403),
    "json-500-http-502": json_error(500, http_status=502),
    "html-503-echo": echo_url(503, "<html><body>Bad gateway for {url}</body></html>"),
    "html-200-echo": echo_url(200, "<html><body>Blocked: {url}</body></html>"),
    "html-403-echo": echo_url(403, "<!DOCTYPE html><title>Denied</title>{url}"),
    "text-200-echo": echo_url(200, "error at {url}", content_type="text/plain"),
    "invalid-json-raw-key": raw_body(lambda k: '{"status": 200, "result": "' + k),
    "no-envelope-raw-json": raw_body(lambda k: json.dumps({"apiid": k}, ensure_ascii=False)),
    "empty-body": raw_body(lambda k: ""),
    "empty-body-502": raw_body(lambda k: "", http_status=502),
    "shape-missing-fields": shaped(lambda k: {"apiid": k}),
    "shape-wrong-types": shaped(lambda k: {"apiid": [k], "email": {k: k}, "signup_at": k}),
    "shape-string": shaped(lambda k: k),
    "read-timeout": raise_with_url(
        lambda u: requests.exceptions.ReadTimeout(f"Read timed out: {u}")
    ),
    "connect-timeout": raise_with_url(
        lambda u: requests.exceptions.ConnectTimeout(f"Connect timed out: {u}")
    ),
    "connection-error": raise_with_url(
        lambda u: requests.exceptions.ConnectionError(
            f"HTTPSConnectionPool(host='api.example.test', port=443): Max retries exceeded "
            f"with url: {u.split('example.test')[1]}"
        )
    ),
    "ssl-error": raise_with_url(lambda u: requests.exceptions.SSLError(f"bad cert for {u}")),
    "unmatched": nothing,
}


@pytest.mark.parametrize("setup", FAILURES.values(), ids=FAILURES.keys())
def test_no_key_in_any_failure(
    keyed_client: Streamtape,
    key: str,
    setup: Setup,
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        setup(rsps, key)
        with pytest.raises(StreamtapeError) as info:
            keyed_client.account.info()
        assert len(rsps.calls) >= 1
    assert_exception_has_no_key(info.value, key)
    assert_logs_have_no_key(debug_logs, key)


def test_no_key_in_snippet_of_json_escaped_body(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_body(rsps, "/account/info", json.dumps({"result": {"apiid": KEY}}))
    with pytest.raises(StreamtapeError) as info:
        client.account.info()
    assert_exception_has_no_key(info.value, KEY)


def test_no_key_in_mutation_and_lookup_failures(
    keyed_client: Streamtape, key: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    with responses.RequestsMock() as rsps:
        add_json(rsps, "/file/delete", key)  # not `true`
        add_json(rsps, "/remotedl/status", {key: {"id": key, "status": "new"}})
        add_json(rsps, "/file/getsplash", {"url": key})
        errors: list[BaseException] = []
        for call in (
            lambda: keyed_client.files.delete("f"),
            lambda: keyed_client.remote.status("other"),
            lambda: keyed_client.files.thumbnail_url("f"),
        ):
            with pytest.raises(StreamtapeError) as info:
                call()
            errors.append(info.value)
    for error in errors:
        assert_exception_has_no_key(error, key)
    assert_logs_have_no_key(debug_logs, key)


def test_no_key_in_missing_credentials_error(key: str) -> None:
    with make_client(login=None, key=key) as client, pytest.raises(MissingCredentialsError) as info:
        client.account.info()
    assert_exception_has_no_key(info.value, key)


def test_no_key_in_bad_base_url_error(key: str) -> None:
    with pytest.raises(ValueError, match="http") as info:
        make_client(key=key, base_url="api.example.test")
    assert_exception_has_no_key(info.value, key)


# -- real sockets: urllib3's own messages and DEBUG lines -----------------------------------------


def test_no_key_when_connection_refused(
    key: str, fake_sleep: FakeSleep, debug_logs: pytest.LogCaptureFixture
) -> None:
    with (
        make_client(fake_sleep, key=key, base_url=f"http://127.0.0.1:{closed_port()}") as client,
        pytest.raises(StreamtapeError) as info,
    ):
        client.remote.add("https://x.test/v", timeout=5)
    # urllib3's text quotes the URL with the query: it must arrive masked
    assert "key=***" in str(info.value)
    assert_exception_has_no_key(info.value, key)
    assert_logs_have_no_key(debug_logs, key)
    assert any(r.getMessage().startswith("Retrying ") for r in debug_logs.records)


def _echo_path(handler: BaseHTTPRequestHandler) -> None:
    body = f"<html><body>Nope: {handler.path}</body></html>".encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def test_urllib3_debug_request_line_is_masked(
    key: str, local_server: LocalServer, debug_logs: pytest.LogCaptureFixture
) -> None:
    account = {"apiid": "a", "email": "e", "signup_at": "2019-12-31 23:59:59"}
    local_server.actions.append(reply_json(envelope(account)))
    with make_client(key=key, base_url=local_server.base_url) as client:
        assert client.account.info().email == "e"
    # the server really received the key
    assert local_server.paths == [f"/account/info?login={LOGIN}&key={quote_plus(key)}"]
    urllib3_lines = [
        r.getMessage() for r in debug_logs.records if r.name == "urllib3.connectionpool"
    ]
    request_lines = [m for m in urllib3_lines if "GET /account/info" in m]
    assert len(request_lines) == 1
    assert f'"GET /account/info?login={LOGIN}&key=*** HTTP/1.1" 200' in request_lines[0]
    ours = [r.getMessage() for r in debug_logs.records if r.name == "streamtape_sdk"]
    assert any(
        m.startswith(f"GET {local_server.base_url}/account/info?login={LOGIN}&key=*** -> HTTP 200")
        for m in ours
    )
    assert_logs_have_no_key(debug_logs, key)


@pytest.mark.parametrize(
    "action",
    [
        _echo_path,
        drop_connection,
        reply_json(envelope(None, status=403, msg="wrong key"), http_status=403),
        reply_json({"apiid": "x"}, http_status=502),
    ],
    ids=["html-echo", "dropped", "json-403", "json-502"],
)
def test_no_key_in_real_socket_failures(
    key: str,
    local_server: LocalServer,
    fake_sleep: FakeSleep,
    debug_logs: pytest.LogCaptureFixture,
    action: Callable[[BaseHTTPRequestHandler], None],
) -> None:
    local_server.default = action
    with (
        make_client(fake_sleep, key=key, base_url=local_server.base_url) as client,
        pytest.raises(StreamtapeError) as info,
    ):
        client.account.info(timeout=5)
    assert local_server.paths  # the request with the key did go out
    assert_exception_has_no_key(info.value, key)
    assert_logs_have_no_key(debug_logs, key)


def test_no_key_in_real_read_timeout(
    key: str, local_server: LocalServer, debug_logs: pytest.LogCaptureFixture
) -> None:
    local_server.default = reply_json(envelope(True), delay=0.6)
    with (
        make_client(key=key, base_url=local_server.base_url, max_retries=0, timeout=0.15) as c,
        pytest.raises(StreamtapeError) as info,
    ):
        c.account.info()
    assert_exception_has_no_key(info.value, key)
    assert_logs_have_no_key(debug_logs, key)


def test_no_key_after_close(fake_sleep: FakeSleep) -> None:
    unique_key = "AfterClose&Key=7 ö"  # no other client in the session registers this one
    base_url = f"http://127.0.0.1:{closed_port()}"
    with make_client(fake_sleep, key=unique_key, base_url=base_url) as client:
        pass
    with pytest.raises(StreamtapeError) as info:
        client.account.info(timeout=5)
    assert_exception_has_no_key(info.value, unique_key)


KEY_TEXT = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF, exclude_categories=["Cs", "Cc"]),
    min_size=11,
    max_size=20,
)


@settings(max_examples=40, deadline=None)
@given(tail=KEY_TEXT)
def test_any_key_is_masked_in_echoed_urls_and_messages(tail: str) -> None:
    # "§" keeps the key from being a substring of ordinary text (hypothesis tries literals).
    key = "\u00a7" + tail
    scenarios: list[tuple[Setup, Callable[[Streamtape], object]]] = [
        (echo_url(200, "<html>{url}</html>"), lambda c: c.account.info()),
        (
            raise_with_url(lambda u: requests.exceptions.ConnectionError(f"failed: {u}")),
            lambda c: c.account.info(),
        ),
        (json_error(403), lambda c: c.account.info()),
    ]
    for setup, call in scenarios:
        with (
            make_client(key=key, max_retries=0) as client,
            responses.RequestsMock(assert_all_requests_are_fired=False) as rsps,
        ):
            setup(rsps, key)
            with pytest.raises(StreamtapeError) as info:
                call(client)
        assert_exception_has_no_key(info.value, key)


@pytest.mark.parametrize("key", KEYS, ids=KEY_IDS)
def test_no_partial_key_when_snippet_cuts_through_it(key: str) -> None:
    encoded = quote_plus(key)
    body = "<html>" + "x" * (120 - 6 - 8) + encoded + "</html>"  # the cut falls 8 chars in
    with (
        make_client(key=key, max_retries=0) as client,
        responses.RequestsMock() as rsps,
    ):
        add_body(rsps, "/account/info", body, content_type="text/html")
        with pytest.raises(StreamtapeError) as info:
            client.account.info()
    message = str(info.value)
    assert encoded[:8] not in message


def test_a_finalizer_during_registration_does_not_deadlock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The garbage collector can run a dead transport's finalizer (forget_secret) in the
    middle of register_secret on the same thread; that must not deadlock."""
    from streamtape_sdk import _redaction

    _redaction.register_secret("OldKeyCollected1")
    real_spellings = _redaction._spellings
    fired: list[bool] = []

    def spellings_while_collecting(secret: str) -> set[str]:
        if not fired:
            fired.append(True)
            _redaction.forget_secret("OldKeyCollected1")  # what a GC pass may do here
        return real_spellings(secret)

    monkeypatch.setattr(_redaction, "_spellings", spellings_while_collecting)
    worker = threading.Thread(target=_redaction.register_secret, args=("NewKey0000001",))
    worker.daemon = True
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "register_secret deadlocked"
    assert fired
    assert _redaction.redact("NewKey0000001") == "***"
    _redaction.forget_secret("NewKey0000001")


# -- masking is exact, O(1) per client, and follows every copy ------------------------------------


def test_a_short_key_is_masked_as_a_value_not_as_every_letter() -> None:
    with make_client(key="k") as client:
        assert client is not None
        assert redact("keep key=k&login=x") == "keep key=***&login=x"
        assert redact('{"key": "k", "kind": "kk"}') == '{"key": "***", "kind": "kk"}'
        assert redact("GET /account/info?login=bk&key=k HTTP/1.1") == (
            "GET /account/info?login=bk&key=*** HTTP/1.1"
        )
        # inside a percent-encoded value the escape bounds it
        assert redact("url=a%3Dk%26b") == "url=a%3D***%26b"
        assert redact("bookkeeper") == "bookkeeper"


def test_short_key_does_not_mangle_messages(rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/file/info", status=404, msg="kind of not found")
    with make_client(key="k") as client, pytest.raises(StreamtapeError) as caught:
        client.files.info("kkk")
    assert "kind of not found" in str(caught.value)
    assert "kkk" in str(caught.value)


def test_registering_a_client_builds_its_entry_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # O(1) per client: a new client never rebuilds what the other clients registered.
    compiled: list[str] = []
    original = _redaction._entry

    def counting(secret: str) -> _redaction._Entry:
        compiled.append(secret)
        return original(secret)

    monkeypatch.setattr(_redaction, "_entry", counting)
    same = [make_client(key="SameKeyForAll42") for _ in range(300)]
    distinct = [make_client(key=f"DistinctKey{i:05d}") for i in range(300)]
    assert compiled.count("SameKeyForAll42") <= 1
    assert len(compiled) <= 301
    for client in same + distinct:
        client.close()


def _refused_error(client: Streamtape) -> StreamtapeError:
    with pytest.raises(StreamtapeError) as caught:
        client.account.info()
    return caught.value


@pytest.mark.parametrize("copy_kind", ["pickle", "deepcopy"])
def test_copies_mask_the_key_after_the_original_is_gone(
    copy_kind: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    key = "CopyKey9xQ2mZ7"
    original = Streamtape(
        login=LOGIN, key=key, base_url=f"http://127.0.0.1:{closed_port()}", max_retries=0
    )
    if copy_kind == "pickle":  # noqa: SIM108 - room for the noqa below
        copy = pickle.loads(pickle.dumps(original))  # noqa: S301 - our own payload
    else:
        copy = deepcopy(original)
    del original
    gc.collect()
    assert _redaction.is_registered(key)
    error = _refused_error(copy)
    assert_exception_has_no_key(error, key)
    assert_logs_have_no_key(debug_logs, key)
    assert "key='***'" in repr(copy)
    copy.close()
    del copy, error  # the error's traceback holds the client too
    gc.collect()
    assert not _redaction.is_registered(key)  # nothing holds it any more


def _spawned_worker_audit(payload: bytes) -> list[str]:
    """Runs in a spawned process: unpickle a client, fail a call, return what a user sees."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)
    client: Streamtape = pickle.loads(payload)  # noqa: S301 - our own payload
    try:
        client.account.info()
    except StreamtapeError as error:
        texts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    else:
        texts = ["no error"]
    return [*texts, stream.getvalue(), repr(client)]


def _echo_request_line(handler: BaseHTTPRequestHandler) -> None:
    """A hostile server: refuses the call and quotes the whole request URL in `msg`."""
    reply_json(envelope(None, status=403, msg=f"denied: {handler.path}"))(handler)


def test_a_spawned_worker_masks_the_key(local_server: LocalServer) -> None:
    key = "SpawnKey4kP8wQ"
    local_server.default = _echo_request_line
    client = Streamtape(login=LOGIN, key=key, base_url=local_server.base_url, max_retries=0)
    payload = pickle.dumps(client)
    del client  # only the worker's copy holds the key from now on
    gc.collect()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        texts = pool.submit(_spawned_worker_audit, payload).result(timeout=60)
    assert "denied: /account/info?login=" in texts[0]
    assert '"GET /account/info?login=' in texts[3]  # urllib3's request line was captured
    for text in texts:
        assert_no_key(text, key)


# -- one rule for secret model fields -------------------------------------------------------------


def test_secret_model_fields_are_masked_in_every_rendering() -> None:
    info = AccountInfo.model_validate(
        {"apiid": "ApiIdValue123", "email": "e@example.com", "signup_at": "2019-12-31 23:59:59"}
    )
    assert info.api_id == "ApiIdValue123"
    assert info.model_dump()["api_id"] == "***"
    assert info.model_dump(by_alias=True)["apiid"] == "***"
    assert '"api_id":"***"' in info.model_dump_json()
    assert "ApiIdValue123" not in repr(info) + str(info)
    revealed = info.model_dump(context={"reveal_secrets": True})
    assert revealed["api_id"] == "ApiIdValue123"


def test_remote_url_userinfo_and_query_values_are_masked() -> None:
    source = "https://user:pw0rd@cdn.example.org/v.mp4?sig=S3CRET&exp=99"
    status = RemoteUploadStatus.model_validate({"id": "7", "status": "new", "remoteurl": source})
    masked = "https://***:***@cdn.example.org/v.mp4?sig=***&exp=***"
    assert status.remote_url == source
    assert f"remote_url='{masked}'" in repr(status)
    assert status.model_dump()["remote_url"] == masked
    assert masked in status.model_dump_json()
    for text in (repr(status), str(status), status.model_dump_json()):
        for secret in ("pw0rd", "S3CRET", "user:"):
            assert secret not in text
    assert status.model_dump(context={"reveal_secrets": True})["remote_url"] == source


# -- secret call parameters (remotedl/add: url userinfo and query values, header values) ----------

SOURCE_URL = "https://user:pw@cdn.example.org/v.mp4?sig=S3CRETsig"
SOURCE_SECRETS = ("pw", "S3CRETsig", "S3CRET2")


def _assert_no_source_secret(text: str) -> None:
    for secret in SOURCE_SECRETS:
        for form in (secret, quote_plus(secret), quote(secret, safe="")):
            assert not re.search(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])", text), (
                f"{secret!r} leaked in {text!r}"
            )


def test_remote_add_secrets_stay_out_of_errors_and_logs(
    rsps: responses.RequestsMock, debug_logs: pytest.LogCaptureFixture
) -> None:
    add_json(rsps, "/remotedl/add", status=400, msg="bad url")
    with make_client(key=PLAIN_KEY) as client, pytest.raises(StreamtapeError) as caught:
        client.remote.add(SOURCE_URL, headers={"Cookie": "sid=S3CRET2"})
    error = caught.value
    assert "cdn.example.org" in str(error)  # still says which URL
    assert "Cookie: ***" in str(error)
    for current in (str(error), repr(error), repr(error.args)):
        _assert_no_source_secret(current)
    _assert_no_source_secret(debug_logs.text)
    # masked for the call only: afterwards these strings are ordinary text again
    assert not _redaction.is_registered("S3CRETsig")


def test_remote_add_secrets_masked_in_retry_and_urllib3_lines(
    local_server: LocalServer, debug_logs: pytest.LogCaptureFixture
) -> None:
    # a real socket: urllib3 logs the request line; the server refuses, quoting the URL
    local_server.actions = [_echo_request_line]
    client = Streamtape(login=LOGIN, key=PLAIN_KEY, base_url=local_server.base_url)
    with client, pytest.raises(StreamtapeError) as caught:
        client.remote.add(SOURCE_URL, headers="Cookie: sid=S3CRET2")
    assert any("/remotedl/add" in r.getMessage() for r in debug_logs.records)
    _assert_no_source_secret(debug_logs.text)
    assert "denied: /remotedl/add?url=" in str(caught.value)
    _assert_no_source_secret(str(caught.value))


def test_secret_params_are_declared_where_endpoints_are() -> None:
    declared = {e.path: dict(e.secret_params) for e in ALL_API_ENDPOINTS if e.secret_params}
    assert declared == {"/remotedl/add": {"url": "url", "headers": "header_lines"}}


def test_many_distinct_keys_are_each_masked_exactly() -> None:
    # Past the scan limit, redact looks windows up instead of searching per secret.
    clients = [make_client(key=f"ManyKey{i:04d}x") for i in range(_redaction._SCAN_LIMIT * 3)]
    short = make_client(key="q")
    line = "GET /x?key=ManyKey0007x&other=ManyKey0047x&v=q&quick=1 ManyKey9999x"
    assert redact(line) == "GET /x?key=***&other=***&v=***&quick=1 ManyKey9999x"
    for client in [*clients, short]:
        client.close()
