"""Shared helpers of the unit tests: the envelope builder, a recording fake sleep, a client wired
to `responses`, request inspection, and a tiny real HTTP server for the socket-level tests."""

from __future__ import annotations

import json
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import pytest
import responses

from streamtape_sdk import Streamtape
from tests.fakes import FakeSleep

BASE_URL = "https://api.example.test"
LOGIN = "0123456789abcdef0123"
#: A key that needs encoding (&, =, space, non-ASCII): it must never show up anywhere.
KEY = "K3y&Secret=42 ü"
#: A key of the real shape (14-15 mixed alphanumerics).
PLAIN_KEY = "Xq7bPz2LmN9kR4t"


def envelope(result: object = None, status: int = 200, msg: str = "OK") -> dict[str, object]:
    """The API's JSON envelope `{status, msg, result}`."""
    return {"status": status, "msg": msg, "result": result}


def url(path: str) -> str:
    """The absolute URL of an API path under the test base URL."""
    return BASE_URL + path


def add_json(
    rsps: responses.RequestsMock,
    path: str,
    result: object = None,
    *,
    status: int = 200,
    msg: str = "OK",
    http_status: int = 200,
    headers: dict[str, str] | None = None,
) -> None:
    """Register one JSON-envelope reply for GET `path` (responses returns them in order)."""
    rsps.add(
        responses.GET,
        url(path),
        json=envelope(result, status=status, msg=msg),
        status=http_status,
        headers=headers,
    )


def add_body(
    rsps: responses.RequestsMock,
    path: str,
    body: str | bytes | BaseException,
    *,
    http_status: int = 200,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> None:
    """Register a raw reply (or, with an exception as body, a network failure)."""
    rsps.add(
        responses.GET,
        url(path),
        body=body,
        status=http_status,
        content_type=content_type,
        headers=headers,
    )


@dataclass(frozen=True)
class SentRequest:
    """What one recorded request carried."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    timeout: object

    def params(self) -> dict[str, str]:
        """The decoded query as a flat dict; fails the test if a parameter was repeated."""
        for name, values in self.query.items():
            assert len(values) == 1, f"parameter {name!r} sent {len(values)} times: {values}"
        return {name: values[0] for name, values in self.query.items()}


def sent(rsps: responses.RequestsMock, index: int = -1) -> SentRequest:
    """Decode the `index`-th request that reached the mock."""
    request = rsps.calls[index].request
    assert request.url is not None
    parts = urlsplit(request.url)
    kwargs: dict[str, Any] = getattr(request, "req_kwargs", {})
    return SentRequest(
        method=request.method or "",
        path=parts.path,
        query=parse_qs(parts.query, keep_blank_values=True, strict_parsing=False),
        headers=dict(request.headers),
        timeout=kwargs.get("timeout"),
    )


def auth(key: str = KEY) -> dict[str, str]:
    """The credential parameters every authenticated request carries."""
    return {"login": LOGIN, "key": key}


def make_client(
    fake_sleep: FakeSleep | None = None,
    *,
    key: str | None = KEY,
    login: str | None = LOGIN,
    base_url: str = BASE_URL,
    max_retries: int = 2,
    timeout: float = 30.0,
) -> Streamtape:
    """A client against `base_url` whose transport sleeps through `fake_sleep`."""
    client = Streamtape(
        login=login, key=key, base_url=base_url, max_retries=max_retries, timeout=timeout
    )
    client._transport.sleep = fake_sleep if fake_sleep is not None else FakeSleep()
    return client


@pytest.fixture(autouse=True)
def _no_env_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's real credentials out of every test."""
    for name in ("STREAMTAPE_LOGIN", "STREAMTAPE_KEY", "STREAMTAPE_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
def client(fake_sleep: FakeSleep) -> Iterator[Streamtape]:
    """A client with the distinctive key, `max_retries=2` and a recording fake sleep."""
    with make_client(fake_sleep) as c:
        yield c


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """`responses` mocking every request; an unmatched request is a connection error."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


# -- secret checks --------------------------------------------------------------------------------


def key_spellings(key: str) -> set[str]:
    """Every way the key could be written: raw, percent-encoded, form-encoded, and each of
    those JSON-escaped or repr-escaped (twice over: a repr of a JSON-escaped snippet)."""
    spellings = {key, quote(key, safe=""), quote_plus(key), quote(key)}
    for _ in range(2):
        spellings |= {json.dumps(s)[1:-1] for s in spellings}
        spellings |= {repr(s)[1:-1] for s in spellings}
    return spellings


def assert_no_key(text: str, key: str = KEY) -> None:
    for spelling in key_spellings(key):
        assert spelling not in text, f"the key leaked as {spelling!r} in: {text!r}"


def exception_chain(error: BaseException) -> list[BaseException]:
    """The error and every exception chained to it (cause and context), each once."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [error]
    while todo:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                todo.append(linked)
    return seen


def assert_exception_has_no_key(error: BaseException, key: str = KEY) -> None:
    """The key is in no message, repr, args, chained exception or formatted traceback."""
    for current in exception_chain(error):
        assert_no_key(str(current), key)
        assert_no_key(repr(current), key)
        for arg in current.args:
            assert_no_key(repr(arg), key)
            assert_no_key(str(arg), key)
        for value in vars(current).values():
            assert_no_key(repr(value), key)
    assert_no_key("".join(traceback.format_exception(error)), key)


# -- a real socket --------------------------------------------------------------------------------


def closed_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


Action = Callable[[BaseHTTPRequestHandler], None]


def reply_json(body: object, http_status: int = 200, delay: float = 0.0) -> Action:
    """A server action: answer `body` as JSON (after `delay` seconds)."""

    def act(handler: BaseHTTPRequestHandler) -> None:
        if delay:
            time.sleep(delay)
        data = json.dumps(body).encode()
        try:
            handler.send_response(http_status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            handler.close_connection = True  # the client gave up (a timeout test)

    return act


def drop_connection(handler: BaseHTTPRequestHandler) -> None:
    """A server action: close the socket without answering (the request was received)."""
    handler.close_connection = True
    handler.connection.shutdown(socket.SHUT_RDWR)


@dataclass
class LocalServer:
    """A loopback HTTP server answering each GET with the next queued action."""

    base_url: str
    actions: list[Action] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    default: Action = field(default_factory=lambda: reply_json(envelope(True)))


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    state = LocalServer(base_url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            with lock:
                state.paths.append(self.path)
                action = state.actions.pop(0) if state.actions else state.default
            action(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
