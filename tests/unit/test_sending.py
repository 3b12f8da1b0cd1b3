"""Requests prepared once per client keep requests' semantics: the environment's proxies
(`NO_PROXY` included), CA bundles and netrc, the session's cookies, retries; a caller's own
session keeps its own, live settings. What is sent is what `Session.request` would send."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from requests.adapters import HTTPAdapter

from streamtape_sdk import Streamtape
from streamtape_sdk._sending import RequestPreparer

BASE = "http://api.example"
ACCOUNT = {"apiid": "x", "email": "me@example.com", "signup_at": "2020-01-01 00:00:00"}

_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE")
_ENV_ALL = (*_ENV, *(name.lower() for name in _ENV), "CURL_CA_BUNDLE", "NETRC")


@dataclass
class Sent:
    request: requests.PreparedRequest
    kwargs: dict[str, Any]


@dataclass
class Recorder:
    sent: list[Sent] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)  # raised by the next sends


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """Every HTTPAdapter.send is recorded and answered with an account envelope."""
    for name in _ENV_ALL:
        monkeypatch.delenv(name, raising=False)
    record = Recorder()

    def send(
        self: HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        record.sent.append(Sent(request, kwargs))
        if record.failures:
            raise record.failures.pop(0)
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps({"status": 200, "msg": "OK", "result": ACCOUNT}).encode()
        response.url = request.url or ""
        response.request = request
        return response

    monkeypatch.setattr(HTTPAdapter, "send", send)
    return record


def _client(**kwargs: Any) -> Streamtape:
    return Streamtape("user", "secretkey123", base_url=BASE, **kwargs)


def test_proxies_come_from_the_environment(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    with _client() as client:
        client.account.info()
        client.account.info()
    assert [s.kwargs["proxies"].get("http") for s in recorder.sent] == [
        "http://proxy.example:3128"
    ] * 2


def test_no_proxy_exempts_the_api_host(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,.example")
    with _client() as client:
        client.account.info()
    assert "http" not in recorder.sent[0].kwargs["proxies"]


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_ca_bundle_comes_from_the_environment(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "/etc/ssl/corp-ca.pem")
    with _client() as client:
        client.account.info()
    assert recorder.sent[0].kwargs["verify"] == "/etc/ssl/corp-ca.pem"


def test_netrc_credentials_are_sent(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine api.example login proxyuser password proxypass\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with _client() as client:
        client.account.info()
    assert recorder.sent[0].request.headers["Authorization"].startswith("Basic ")


def test_the_environment_is_read_once_per_client(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _client() as client:
        client.account.info()
        monkeypatch.setenv("HTTP_PROXY", "http://late.example:1")
        client.account.info()  # documented: a client keeps the environment it first saw
    with _client() as fresh:
        fresh.account.info()
    proxies = [s.kwargs["proxies"].get("http") for s in recorder.sent]
    assert proxies == [None, None, "http://late.example:1"]


def test_cookies_set_on_the_session_are_sent_back(recorder: Recorder) -> None:
    with _client() as client:
        client._transport.session.cookies.set("__cf_bm", "token", domain="api.example")
        client.account.info()
    assert recorder.sent[0].request.headers["Cookie"] == "__cf_bm=token"


def test_a_failed_connection_is_retried_with_the_same_request(recorder: Recorder) -> None:
    recorder.failures.append(requests.ConnectionError("connection refused"))
    with _client(max_retries=2) as client:
        client._transport.sleep = lambda _s: None
        assert client.account.info().email == "me@example.com"
    first, second = recorder.sent
    assert first.request.url == second.request.url
    assert first.request is not second.request  # a fresh PreparedRequest per attempt
    assert dict(first.request.headers) == dict(second.request.headers)


def test_a_callers_session_keeps_its_own_live_settings(recorder: Recorder) -> None:
    session = requests.Session()
    session.headers["X-Team"] = "video"
    session.verify = False
    with _client(session=session) as client:
        client.account.info()
        session.proxies["http"] = "http://team-proxy.example:8080"
        session.verify = "/etc/ssl/team-ca.pem"
        session.headers["X-Team"] = "audio"
        client.account.info()
    first, second = recorder.sent
    assert first.request.headers["X-Team"] == "video"
    assert first.kwargs["verify"] is False
    assert "http" not in first.kwargs["proxies"]
    assert second.request.headers["X-Team"] == "audio"
    assert second.kwargs["proxies"]["http"] == "http://team-proxy.example:8080"
    assert second.kwargs["verify"] == "/etc/ssl/team-ca.pem"
    session.close()


_param_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=0, max_size=20)


@settings(max_examples=60, deadline=None)
@given(params=st.dictionaries(st.sampled_from(["file", "name", "folder", "url"]), _param_text))
def test_prepared_like_session_request(params: dict[str, str]) -> None:
    """URL, headers and body match what requests' own preparation builds."""
    session = requests.Session()
    fast = RequestPreparer(session, "agent/1", fixed=True)
    slow = RequestPreparer(session, "agent/1", fixed=False)
    url = BASE + "/file/info"
    ours, our_settings = fast.prepare("GET", url, params=params)
    theirs, their_settings = slow.prepare("GET", url, params=params)
    assert ours.url == theirs.url
    assert dict(ours.headers) == dict(theirs.headers)
    assert ours.body == theirs.body
    assert ours.method == theirs.method
    assert our_settings == their_settings
    session.close()


def test_a_url_with_its_own_query_is_prepared_the_ordinary_way() -> None:
    session = requests.Session()
    preparer = RequestPreparer(session, "agent/1", fixed=True)
    prepared, _ = preparer.prepare("GET", BASE + "/dl?token=abc#frag", params={"a": "b c"})
    expected = session.prepare_request(
        requests.Request("GET", BASE + "/dl?token=abc#frag", params={"a": "b c"})
    )
    assert prepared.url == expected.url
    session.close()


@pytest.mark.parametrize("url", ["http://", "nowhere/file/info", ""])
def test_an_unusable_url_is_refused_before_sending(url: str) -> None:
    session = requests.Session()
    preparer = RequestPreparer(session, "agent/1", fixed=True)
    with pytest.raises(requests.RequestException):
        preparer.prepare("GET", url)
    session.close()
