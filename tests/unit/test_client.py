"""`Streamtape`: construction, environment variables, repr, context manager, user agent, and
`MissingCredentialsError` before any I/O."""

from __future__ import annotations

import platform
import threading
from collections.abc import Callable

import pytest
import requests
import responses

import streamtape_sdk
from streamtape_sdk import MissingCredentialsError, Streamtape, StreamtapeError, Timeout
from streamtape_sdk.resources import Account, Files, Folders, Remote
from tests.unit.conftest import (
    BASE_URL,
    KEY,
    LOGIN,
    LocalServer,
    add_json,
    assert_no_key,
    envelope,
    make_client,
    reply_json,
    sent,
)

ACCOUNT = {"apiid": "abc", "email": "me@example.com", "signup_at": "2019-12-31 23:59:59"}


def test_defaults() -> None:
    client = Streamtape()
    assert client.login is None
    assert client.base_url == "https://api.streamtape.com"
    assert client.timeout == Timeout(30.0, 30.0, 600.0)
    assert client.max_retries == 3
    assert isinstance(client.account, Account)
    assert isinstance(client.files, Files)
    assert isinstance(client.remote, Remote)
    assert isinstance(client.folders, Folders)
    client.close()


def test_explicit_settings() -> None:
    client = Streamtape(
        login=LOGIN, key=KEY, base_url="https://x.test/", timeout=5.5, max_retries=0
    )
    assert client.login == LOGIN
    assert client.base_url == "https://x.test"  # trailing slash dropped
    assert client.timeout == Timeout(connect=5.5, read=5.5)
    assert client.max_retries == 0
    client.close()


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMTAPE_LOGIN", "envlogin")
    monkeypatch.setenv("STREAMTAPE_KEY", "envkey123")
    monkeypatch.setenv("STREAMTAPE_BASE_URL", "https://env.example.test")
    with Streamtape() as client, responses.RequestsMock() as rsps:
        rsps.add(responses.GET, "https://env.example.test/account/info", json=envelope(ACCOUNT))
        client.account.info()
        assert client.login == "envlogin"
        assert client.base_url == "https://env.example.test"
        assert sent(rsps).params() == {"login": "envlogin", "key": "envkey123"}


def test_arguments_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMTAPE_LOGIN", "envlogin")
    monkeypatch.setenv("STREAMTAPE_KEY", "envkey123")
    monkeypatch.setenv("STREAMTAPE_BASE_URL", "https://env.example.test")
    with Streamtape(LOGIN, "argkey", base_url=BASE_URL) as client, responses.RequestsMock() as r:
        add_json(r, "/account/info", ACCOUNT)
        client.account.info()
        assert sent(r).params() == {"login": LOGIN, "key": "argkey"}


def test_empty_environment_values_count_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMTAPE_LOGIN", "")
    monkeypatch.setenv("STREAMTAPE_KEY", "")
    monkeypatch.setenv("STREAMTAPE_BASE_URL", "")
    client = Streamtape()
    assert client.login is None
    assert client.base_url == "https://api.streamtape.com"
    assert repr(client).startswith("Streamtape(login=None, key=None,")


@pytest.mark.parametrize("timeout", [0, -1.0])
def test_non_positive_timeout_is_rejected(timeout: float) -> None:
    with pytest.raises(ValueError, match="timeout"):
        Streamtape(LOGIN, KEY, timeout=timeout)


def test_negative_max_retries_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        Streamtape(LOGIN, KEY, max_retries=-1)


def test_repr_masks_key() -> None:
    client = Streamtape(LOGIN, KEY, base_url=BASE_URL, timeout=12.0, max_retries=1)
    assert repr(client) == (
        f"Streamtape(login={LOGIN!r}, key='***', base_url='{BASE_URL}', "
        "timeout=Timeout(connect=12.0, read=12.0, upload_reply=600.0), max_retries=1)"
    )
    client.close()


def test_repr_without_key_says_none() -> None:
    client = Streamtape(LOGIN, base_url=BASE_URL)
    assert "key=None" in repr(client)


def test_context_manager_closes_own_session() -> None:
    closed: list[bool] = []
    with Streamtape(LOGIN, KEY, base_url=BASE_URL) as client:
        session = client._transport.session
        original = session.close

        def recording_close() -> None:
            closed.append(True)
            original()

        session.close = recording_close  # type: ignore[method-assign]
        assert closed == []
    assert closed == [True]
    client.close()  # a second close is harmless
    assert closed == [True]


class _RecordingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.closed = 0

    def close(self) -> None:
        self.closed += 1
        super().close()


def test_caller_session_is_used_and_left_open() -> None:
    session = _RecordingSession()
    session.headers["X-Custom"] = "yes"
    with (
        Streamtape(LOGIN, KEY, base_url=BASE_URL, session=session) as client,
        responses.RequestsMock() as rsps,
    ):
        add_json(rsps, "/account/info", ACCOUNT)
        client.account.info()
        assert sent(rsps).headers["X-Custom"] == "yes"
    assert session.closed == 0


def test_default_user_agent_names_sdk_and_version() -> None:
    with make_client() as client, responses.RequestsMock() as rsps:
        add_json(rsps, "/account/info", ACCOUNT)
        client.account.info()
        agent = sent(rsps).headers["User-Agent"]
    assert agent.startswith(f"streamtape-sdk/{streamtape_sdk.__version__} ")
    assert f"python-requests/{requests.__version__}" in agent
    assert agent.endswith(f"{platform.python_implementation()}/{platform.python_version()}")


def test_custom_user_agent() -> None:
    client = Streamtape(LOGIN, KEY, base_url=BASE_URL, user_agent="my-app/1.0")
    with client, responses.RequestsMock() as rsps:
        add_json(rsps, "/account/info", ACCOUNT)
        client.account.info()
        assert sent(rsps).headers["User-Agent"] == "my-app/1.0"


def test_default_and_per_call_timeout() -> None:
    with make_client(timeout=7.0) as client, responses.RequestsMock() as rsps:
        add_json(rsps, "/account/info", ACCOUNT)
        add_json(rsps, "/account/info", ACCOUNT)
        client.account.info()
        client.account.info(timeout=2.5)
        assert sent(rsps, 0).timeout == (7.0, 7.0)
        assert sent(rsps, 1).timeout == 2.5


def test_base_url_with_path_prefix() -> None:
    with (
        make_client(base_url="https://proxy.example.test/st/") as client,
        responses.RequestsMock() as rsps,
    ):
        rsps.add(
            responses.GET,
            "https://proxy.example.test/st/account/info",
            json=envelope(ACCOUNT),
        )
        client.account.info()
        assert sent(rsps).path == "/st/account/info"


@pytest.mark.parametrize("url", ["api.example.test", "ftp://api.example.test", "https://"])
def test_base_url_must_be_http_at_construction(url: str) -> None:
    with pytest.raises(ValueError, match="http") as info:
        Streamtape(LOGIN, KEY, base_url=url)
    assert_no_key(str(info.value))


# -- MissingCredentialsError before any I/O -------------------------------------------------------

CALLS_NEEDING_AUTH: dict[str, Callable[[Streamtape], object]] = {
    "account.info": lambda c: c.account.info(),
    "files.get_download_ticket": lambda c: c.files.get_download_ticket("rbAarvRPXdYbaxY"),
    "files.info": lambda c: c.files.info("rbAarvRPXdYbaxY"),
    "files.get_upload_url": lambda c: c.files.get_upload_url(),
    "files.rename": lambda c: c.files.rename("rbAarvRPXdYbaxY", "new.mp4"),
    "files.move": lambda c: c.files.move("rbAarvRPXdYbaxY", "LnvnE51P5gc"),
    "files.delete": lambda c: c.files.delete("rbAarvRPXdYbaxY"),
    "files.thumbnail_url": lambda c: c.files.thumbnail_url("rbAarvRPXdYbaxY"),
    "files.running_conversions": lambda c: c.files.running_conversions(),
    "files.failed_conversions": lambda c: c.files.failed_conversions(),
    "remote.add": lambda c: c.remote.add("https://example.com/v.mp4"),
    "remote.remove": lambda c: c.remote.remove("LnvnE51P5gc"),
    "remote.remove_all": lambda c: c.remote.remove_all(),
    "remote.status": lambda c: c.remote.status("LnvnE51P5gc"),
    "remote.list": lambda c: c.remote.list(),
    "folders.list": lambda c: c.folders.list(),
    "folders.create": lambda c: c.folders.create("New"),
    "folders.rename": lambda c: c.folders.rename("LnvnE51P5gc", "Renamed"),
    "folders.delete": lambda c: c.folders.delete("LnvnE51P5gc"),
}


@pytest.mark.parametrize(
    ("login", "key", "missing"),
    [(None, None, "login and key"), (LOGIN, None, "key"), (None, KEY, "login")],
)
@pytest.mark.parametrize("call", CALLS_NEEDING_AUTH.values(), ids=CALLS_NEEDING_AUTH.keys())
def test_missing_credentials_raise_before_io(
    rsps: responses.RequestsMock,
    call: Callable[[Streamtape], object],
    login: str | None,
    key: str | None,
    missing: str,
) -> None:
    with (
        make_client(login=login, key=key) as client,
        pytest.raises(MissingCredentialsError) as info,
    ):
        call(client)
    assert len(rsps.calls) == 0
    message = str(info.value)
    assert message.startswith(f"Streamtape API {missing} missing")
    assert "STREAMTAPE_LOGIN" in message
    assert "STREAMTAPE_KEY" in message
    assert isinstance(info.value, StreamtapeError)


def test_download_link_needs_no_credentials() -> None:
    with make_client(login=None, key=None) as client, responses.RequestsMock() as rsps:
        add_json(rsps, "/file/dl", {"name": "a.mp4", "size": 3, "url": "https://t.test/a"})
        link = client.files.get_download_link("rbAarvRPXdYbaxY", "tick")
        assert link.url == "https://t.test/a"
        assert sent(rsps).params() == {"file": "rbAarvRPXdYbaxY", "ticket": "tick"}


def test_one_client_shared_by_threads(local_server: LocalServer) -> None:
    local_server.default = reply_json(envelope(ACCOUNT))
    errors: list[BaseException] = []
    results: list[str] = []

    def work() -> None:
        try:
            for _ in range(5):
                results.append(client.account.info(timeout=5).email)
        except BaseException as exc:  # reported below
            errors.append(exc)

    with make_client(base_url=local_server.base_url) as client:
        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    assert errors == []
    assert results == ["me@example.com"] * 40
    assert len(local_server.paths) == 40
