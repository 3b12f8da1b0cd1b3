"""The exception boundary, swept over the whole public surface.

design.md "Release 0.2": every public method raises `StreamtapeError` subclasses, `ValueError`
/ `TypeError` for bad arguments before any I/O, and `OSError` subclasses for the local
filesystem. Nothing else, whatever the server sends.

Every public method of the four resources is driven (the sweep fails when a method is added
without an entry here) with hostile arguments (nothing may reach the network) and with
hostile server replies (only `StreamtapeError` may come out), and the CLI's commands with
the same replies (exit status 0 or 1, one line on stderr, no traceback, no raw control
character in human output).
"""

from __future__ import annotations

import inspect
import io
import json
import math
import re
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from streamtape_sdk import Streamtape, StreamtapeError
from streamtape_sdk._config import MAX_SECONDS
from streamtape_sdk.cli import main

BASE_URL = "https://api.example.test"
LOGIN = "boundaryLogin01"
KEY = "BoundaryKey42xy"

Call = Callable[[Streamtape, Path], object]

#: One valid call of every public method (the arguments are fine; the replies will not be).
METHODS: dict[str, Call] = {
    "account.info": lambda c, d: c.account.info(),
    "files.get_download_ticket": lambda c, d: c.files.get_download_ticket("abc"),
    "files.get_download_link": lambda c, d: c.files.get_download_link("abc", "tkt"),
    "files.info": lambda c, d: c.files.info(["abc", "def"]),
    "files.get_upload_url": lambda c, d: c.files.get_upload_url(),
    "files.upload": lambda c, d: c.files.upload(d / "src.bin"),
    "files.download": lambda c, d: c.files.download("abc", d / "out"),
    "files.rename": lambda c, d: c.files.rename("abc", "new.mp4"),
    "files.move": lambda c, d: c.files.move("abc", "fold"),
    "files.delete": lambda c, d: c.files.delete("abc"),
    "files.thumbnail_url": lambda c, d: c.files.thumbnail_url("abc"),
    "files.running_conversions": lambda c, d: c.files.running_conversions(),
    "files.failed_conversions": lambda c, d: c.files.failed_conversions(),
    "remote.add": lambda c, d: c.remote.add("https://example.org/v.mp4", name="v.mp4"),
    "remote.remove": lambda c, d: c.remote.remove("r1"),
    "remote.remove_all": lambda c, d: c.remote.remove_all(),
    "remote.status": lambda c, d: c.remote.status("r1"),
    "remote.list": lambda c, d: c.remote.list(),
    "remote.wait": lambda c, d: c.remote.wait("r1", timeout=60),
    "folders.list": lambda c, d: c.folders.list(),
    "folders.create": lambda c, d: c.folders.create("New"),
    "folders.rename": lambda c, d: c.folders.rename("fold", "Renamed"),
    "folders.delete": lambda c, d: c.folders.delete("fold"),
    "folders.walk": lambda c, d: list(c.folders.walk()),
    "files.upload_many": lambda c, d: c.files.upload_many([d / "src.bin"]),
    "files.download_many": lambda c, d: c.files.download_many(["abc"], d / "out"),
    "folders.upload_tree": lambda c, d: c.folders.upload_tree(d / "out"),
    "folders.download_tree": lambda c, d: c.folders.download_tree("fold", d / "out"),
    "remote.add_many": lambda c, d: c.remote.add_many(["https://example.org/v.mp4"]),
    "remote.wait_many": lambda c, d: c.remote.wait_many(["r1"], timeout=60),
}


def public_methods() -> set[str]:
    client = Streamtape(LOGIN, KEY, base_url=BASE_URL)
    names = {
        f"{resource}.{name}"
        for resource in ("account", "files", "remote", "folders")
        for name, _ in inspect.getmembers(getattr(client, resource), inspect.ismethod)
        if not name.startswith("_")
    }
    client.close()
    return names


def test_the_sweep_covers_every_public_method() -> None:
    assert public_methods() == set(METHODS)


# -- hostile server replies -------------------------------------------------------------------

#: Server strings no local code should trust.
HOSTILE_STRINGS = {
    "nul": "a\x00b",
    "long": "n" * 300,
    "dotdot": "..",
    "absolute": "/etc",
    "empty": "",
    "ansi": "\x1b]0;owned\x07\x1b[2Jx\r\nFAKE ROW",
}


def universal(text: str) -> dict[str, object]:
    """One result that looks like every endpoint's shape, with `text` in every string slot."""
    return {
        "ticket": text or "t",
        "wait_time": 0,
        "url": "https://dl.example.test/f",
        "name": text,
        "size": 3,
        "id": text,
        "folderid": text,
        "apiid": text,
        "email": text,
        "signup_at": "2019-12-31 23:59:59",
        "status": "finished",
        "remoteurl": text,
        "bytes_loaded": 3,
        "bytes_total": 3,
        "extid": text,
        "folders": [{"id": text or "f1", "name": text}],
        "files": [
            {
                "name": text,
                "size": 3,
                "link": "https://x.test/v",
                "created_at": 1585532987430,
                "downloads": 0,
                "linkid": text or "l1",
                "convert": "converted",
            }
        ],
        "abc": {"id": "abc", "name": text, "size": 3, "type": "video/mp4", "status": 200},
        "r1": {"id": "r1", "status": "finished", "remoteurl": text, "url": "https://x.test/v"},
    }


def envelope(result: object, status: object = 200, msg: object = "OK") -> bytes:
    return json.dumps({"status": status, "msg": msg, "result": result}).encode()


REPLIES: dict[str, tuple[int, bytes]] = {
    **{f"universal-{name}": (200, envelope(universal(t))) for name, t in HOSTILE_STRINGS.items()},
    "keyed-universal": (200, envelope({"abc": universal("x"), "r1": universal("x")})),
    "null-result": (200, envelope(None)),
    "true-result": (200, envelope(True)),
    "false-result": (200, envelope(False)),
    "zero": (200, envelope(0)),
    "huge-number": (200, envelope(1e308)),
    "negative": (200, envelope(-1)),
    "string": (200, envelope("\x00" * 3)),
    "list-of-null": (200, envelope([None, 1, "x"])),
    "empty-dict": (200, envelope({})),
    "deep": (200, b'{"status":200,"msg":"OK","result":' + b"[" * 5000 + b"]" * 5000 + b"}"),
    "msg-not-string": (200, envelope(None, status=403, msg={"a": [1]})),
    "status-string": (200, envelope(None, status="abc")),
    "status-huge": (200, envelope(None, status=10**30)),
    "status-bool": (200, envelope(None, status=True)),
    "error-with-nul-msg": (200, envelope(None, status=404, msg="gone\x00\x1b[2J")),
    "html-500": (500, b"<html>bad gateway</html>"),
    "html-200": (200, b"<!doctype html><p>challenge</p>"),
    "truncated": (200, b'{"status": 200, "msg": "OK", "result": {"na'),
    "empty-body": (200, b""),
    "not-utf8": (200, b"\xff\xfe\x00garbage"),
    "json-null": (200, b"null"),
    "json-list": (200, b"[1, 2]"),
    "nan": (200, b'{"status": 200, "msg": "OK", "result": {"size": NaN, "wait_time": 1e999}}'),
    "wait-forever": (200, envelope({"ticket": "t", "wait_time": 10**12, "url": None})),
}


class Clock:
    """A fake clock the fake sleep advances: waits and polls finish at once."""

    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        # As strict as time.sleep: a wait it would refuse is a bug of ours.
        assert isinstance(seconds, (int, float))
        assert math.isfinite(seconds)
        assert 0 <= seconds <= MAX_SECONDS, f"asked to sleep {seconds} s"
        self.now += seconds

    def clock(self) -> float:
        return self.now


def hostile_server(rsps: responses.RequestsMock, status: int, body: bytes) -> None:
    def reply(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": "application/json"}, body

    for method in (responses.GET, responses.POST):
        rsps.add_callback(method, re.compile(r"https?://.*"), callback=reply)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def make_client() -> Streamtape:
    client = Streamtape(LOGIN, KEY, base_url=BASE_URL, max_retries=1)
    clock = Clock()
    client._transport.sleep = clock.sleep
    client._transport.clock = clock.clock
    return client


@pytest.mark.parametrize("reply", REPLIES.values(), ids=REPLIES.keys())
def test_hostile_replies_raise_only_streamtape_errors(
    reply: tuple[int, bytes], rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    hostile_server(rsps, *reply)
    (tmp_path / "src.bin").write_bytes(b"abc")
    (tmp_path / "out").mkdir()
    escaped: list[str] = []
    with make_client() as client:
        for name, call in METHODS.items():
            try:
                call(client, tmp_path)
            except StreamtapeError as error:
                leaks = KEY in str(error)
                if leaks:
                    escaped.append(f"{name}: the key is in {error!r}")
            except Exception as error:
                escaped.append(f"{name}: {type(error).__name__}: {error!r}"[:300])
    # nothing was written outside the destination
    assert {p.name for p in tmp_path.iterdir()} == {"src.bin", "out"}
    assert not escaped, "\n".join(escaped)


# -- hostile arguments: refused before any I/O ------------------------------------------------

BAD_TIMEOUTS = [float("nan"), float("inf"), -1.0, 0, 1e300, "5", True]


def _with_timeout(name: str, timeout: object) -> Call:
    resource, method = name.split(".")
    call = METHODS[name]
    bound_args = {"remote.wait": {"timeout": timeout}, "remote.wait_many": {"timeout": timeout}}

    def run(client: Streamtape, directory: Path) -> object:
        target = getattr(getattr(client, resource), method)
        params = inspect.signature(target).parameters
        positional = [
            p for p in params.values() if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty
        ]
        args: list[object] = {
            "files.upload": [directory / "src.bin"],
            "files.download": ["abc", directory / "out"],
            "files.get_download_link": ["abc", "tkt"],
            "files.info": [["abc"]],
            "files.move": ["abc", "fold"],
            "files.rename": ["abc", "n"],
            "folders.rename": ["fold", "n"],
            "remote.add": ["https://example.org/v"],
            "folders.create": ["n"],
            "files.upload_many": [[directory / "src.bin"]],
            "files.download_many": [["abc"], directory / "out"],
            "folders.upload_tree": [directory / "out"],
            "folders.download_tree": ["fold", directory / "out"],
            "remote.add_many": [["https://example.org/v"]],
            "remote.wait_many": [["r1"]],
        }.get(name, ["abc"] * len(positional))  # type: ignore[assignment]
        kwargs = bound_args.get(name, {"timeout": timeout})
        result = target(*args, **kwargs)
        return list(result) if inspect.isgenerator(result) else result

    del call
    return run


@pytest.mark.parametrize("timeout", BAD_TIMEOUTS, ids=repr)
def test_bad_timeouts_are_refused_before_io(
    timeout: object, rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    (tmp_path / "src.bin").write_bytes(b"abc")
    (tmp_path / "out").mkdir()
    with make_client() as client:
        for name in METHODS:
            total_wait = name in ("remote.wait", "remote.wait_many")
            if total_wait and timeout == 0 and not isinstance(timeout, bool):
                continue  # wait(timeout=0) is valid: poll once (a total, not a per-call timeout)
            with pytest.raises((ValueError, TypeError), match="timeout") as refused:
                _with_timeout(name, timeout)(client, tmp_path)
            # The method's own check, not Python refusing a keyword it does not take.
            assert "keyword argument" not in str(refused.value), f"{name}: {refused.value}"
            assert not rsps.calls, f"{name} sent a request with timeout={timeout!r}"
        with pytest.raises((ValueError, TypeError), match="poll_interval"):
            client.remote.wait("r1", poll_interval=float("nan"))


CONNECTION_METHODS: dict[str, Callable[[Streamtape, Path, Any], object]] = {
    "files.download": lambda c, d, v: c.files.download("abc", d, connections=v),
    "files.download_many": lambda c, d, v: c.files.download_many(["abc"], d, connections=v),
    "folders.download_tree": lambda c, d, v: c.folders.download_tree("f", d, connections=v),
}


@pytest.mark.parametrize(
    ("value", "error"),
    [(0, ValueError), (17, ValueError), (-1, ValueError), (2.0, TypeError), (True, TypeError)],
    ids=repr,
)
def test_bad_connections_are_refused_before_io(
    value: object, error: type[Exception], rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    with make_client() as client:
        for name, call in CONNECTION_METHODS.items():
            with pytest.raises(error, match="connections"):
                call(client, tmp_path, value)
            assert not rsps.calls, f"{name} sent a request with connections={value!r}"


BAD_IDS: list[object] = ["", "   ", None, 5, b"abc", ["a"]]
ID_METHODS: dict[str, Callable[[Streamtape, Any], object]] = {  # Any: bad values on purpose
    "files.get_download_ticket": lambda c, v: c.files.get_download_ticket(v),
    "files.get_download_link": lambda c, v: c.files.get_download_link(v, "t"),
    "files.rename": lambda c, v: c.files.rename(v, "n"),
    "files.move": lambda c, v: c.files.move(v, "f"),
    "files.delete": lambda c, v: c.files.delete(v),
    "files.thumbnail_url": lambda c, v: c.files.thumbnail_url(v),
    "files.download": lambda c, v: c.files.download(v, "."),
    "remote.remove": lambda c, v: c.remote.remove(v),
    "remote.status": lambda c, v: c.remote.status(v),
    "remote.wait": lambda c, v: c.remote.wait(v),
    "remote.add": lambda c, v: c.remote.add(v),
    "folders.rename": lambda c, v: c.folders.rename(v, "n"),
    "folders.delete": lambda c, v: c.folders.delete(v),
    "folders.create": lambda c, v: c.folders.create(v),
}


@pytest.mark.parametrize("value", BAD_IDS, ids=repr)
def test_bad_ids_are_refused_before_io(value: object, rsps: responses.RequestsMock) -> None:
    with make_client() as client:
        for name, call in ID_METHODS.items():
            with pytest.raises((ValueError, TypeError)):
                call(client, value)
            assert not rsps.calls, f"{name} sent a request for id {value!r}"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": float("nan")},
        {"timeout": float("inf")},
        {"timeout": 1e300},
        {"timeout": "30"},
        {"max_retries": True},
        {"max_retries": 1.5},
        {"max_retries": -1},
        {"base_url": "https://host.test?x=1"},
        {"base_url": "https://host.test/#frag"},
        {"base_url": "https://user:pw@host.test"},
        {"base_url": "https://host.test:99999"},
        {"base_url": "https://host .test"},
        {"base_url": "file:///etc/passwd"},
        {"login": 5},
        {"key": b"bytes"},
        {"retry": 3},
        {"user_agent": 7},
        {"session": "s"},
    ],
    ids=repr,
)
def test_bad_client_settings_are_refused_at_construction(kwargs: dict[str, object]) -> None:
    with pytest.raises((ValueError, TypeError)) as caught:
        Streamtape(LOGIN, KEY, **kwargs)  # type: ignore[arg-type]
    assert "pw" not in str(caught.value)  # a userinfo password is never echoed


# -- the CLI: exit statuses and terminal safety -----------------------------------------------

CLI_COMMANDS: list[list[str]] = [
    ["account"],
    ["ls"],
    ["tree"],
    ["info", "abc"],
    ["remote", "status", "r1"],
    ["remote", "ls"],
    ["mkdir", "New"],
    ["rm", "abc"],
    ["link", "abc"],
]
CLI_REPLIES = {
    key: REPLIES[key]
    for key in ("universal-ansi", "universal-nul", "keyed-universal", "error-with-nul-msg")
}
_RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.mark.parametrize("reply", CLI_REPLIES.values(), ids=CLI_REPLIES.keys())
def test_cli_exit_status_and_output_under_hostile_replies(
    reply: tuple[int, bytes], rsps: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile_server(rsps, *reply)
    monkeypatch.setenv("STREAMTAPE_LOGIN", LOGIN)
    monkeypatch.setenv("STREAMTAPE_KEY", KEY)
    monkeypatch.setenv("STREAMTAPE_BASE_URL", BASE_URL)
    for argv in CLI_COMMANDS:
        for mode in ([], ["--json"]):
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                status = main([*mode, *argv])
            where = f"{' '.join([*mode, *argv])}: out={out.getvalue()!r} err={err.getvalue()!r}"
            assert status in (0, 1), where
            assert "Traceback" not in err.getvalue(), where
            assert len(err.getvalue().splitlines()) <= 1, where
            assert not _RAW_CONTROL.search(out.getvalue() + err.getvalue()), where
            if mode and status == 0:
                json.loads(out.getvalue())  # --json stays one valid JSON document
