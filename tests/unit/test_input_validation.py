"""Arguments: bad ids and names fail before any I/O; odd characters are encoded and can neither
add nor override a parameter; None is never sent; `files.info` batching; headers; sha256."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamtape_sdk import DownloadTicket, Streamtape
from streamtape_sdk.resources.files import INFO_BATCH_SIZE
from tests.unit.conftest import KEY, LOGIN, add_json, auth, make_client, sent

BAD_VALUES: list[object] = ["", " ", "\t\n ", None, 123, b"abc", ["x"], 1.5]
BAD_IDS = ["empty", "space", "blank", "none", "int", "bytes", "list", "float"]

Call = Callable[[Streamtape, object], object]

# Each call puts the bad value in one id/name argument; the other arguments are valid.
CALLS: dict[str, Call] = {
    "files.get_download_ticket(file_id)": lambda c, v: c.files.get_download_ticket(v),  # type: ignore[arg-type]
    "files.get_download_link(file_id)": lambda c, v: c.files.get_download_link(v, "t"),  # type: ignore[arg-type]
    "files.get_download_link(ticket)": lambda c, v: c.files.get_download_link("f", v),  # type: ignore[arg-type]
    "files.info([id])": lambda c, v: c.files.info([v]),  # type: ignore[list-item]
    "files.info([ok, id])": lambda c, v: c.files.info(["ok", v]),  # type: ignore[list-item]
    "files.rename(file_id)": lambda c, v: c.files.rename(v, "n"),  # type: ignore[arg-type]
    "files.rename(name)": lambda c, v: c.files.rename("f", v),  # type: ignore[arg-type]
    "files.move(file_id)": lambda c, v: c.files.move(v, "d"),  # type: ignore[arg-type]
    "files.move(folder_id)": lambda c, v: c.files.move("f", v),  # type: ignore[arg-type]
    "files.delete(file_id)": lambda c, v: c.files.delete(v),  # type: ignore[arg-type]
    "files.thumbnail_url(file_id)": lambda c, v: c.files.thumbnail_url(v),  # type: ignore[arg-type]
    "remote.add(url)": lambda c, v: c.remote.add(v),  # type: ignore[arg-type]
    "remote.remove(upload_id)": lambda c, v: c.remote.remove(v),  # type: ignore[arg-type]
    "remote.status(upload_id)": lambda c, v: c.remote.status(v),  # type: ignore[arg-type]
    "folders.create(name)": lambda c, v: c.folders.create(v),  # type: ignore[arg-type]
    "folders.rename(folder_id)": lambda c, v: c.folders.rename(v, "n"),  # type: ignore[arg-type]
    "folders.rename(name)": lambda c, v: c.folders.rename("d", v),  # type: ignore[arg-type]
    "folders.delete(folder_id)": lambda c, v: c.folders.delete(v),  # type: ignore[arg-type]
}
# Optional arguments: None means "not given", every other bad value is rejected.
OPTIONAL_CALLS: dict[str, Call] = {
    "files.get_upload_url(folder)": lambda c, v: c.files.get_upload_url(folder=v),  # type: ignore[arg-type]
    "remote.add(folder)": lambda c, v: c.remote.add("https://x.test/v", folder=v),  # type: ignore[arg-type]
    "folders.create(parent)": lambda c, v: c.folders.create("n", parent=v),  # type: ignore[arg-type]
    "folders.list(folder_id)": lambda c, v: c.folders.list(v),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("value", BAD_VALUES, ids=BAD_IDS)
@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_bad_ids_and_names_fail_before_io(
    client: Streamtape, rsps: responses.RequestsMock, call: Call, value: object
) -> None:
    with pytest.raises(ValueError, match="must"):
        call(client, value)
    assert len(rsps.calls) == 0


@pytest.mark.parametrize(
    "value", [v for v in BAD_VALUES if v is not None], ids=[i for i in BAD_IDS if i != "none"]
)
@pytest.mark.parametrize("call", OPTIONAL_CALLS.values(), ids=OPTIONAL_CALLS.keys())
def test_bad_optional_ids_fail_before_io(
    client: Streamtape, rsps: responses.RequestsMock, call: Call, value: object
) -> None:
    with pytest.raises(ValueError, match="must"):
        call(client, value)
    assert len(rsps.calls) == 0


def test_bad_ids_fail_before_credentials_are_checked(rsps: responses.RequestsMock) -> None:
    with make_client(login=None, key=None) as client, pytest.raises(ValueError, match="file_id"):
        client.files.delete("  ")
    assert len(rsps.calls) == 0


def test_ticket_object_with_blank_ticket_is_rejected(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    with pytest.raises(ValueError, match="ticket"):
        client.files.get_download_link("f", DownloadTicket(ticket=" "))
    assert len(rsps.calls) == 0


@pytest.mark.parametrize(
    "ids",
    [[], (), iter([]), ["a,b"], "a,b", ["ok", "x,"]],
    ids=["list", "tuple", "iter", "comma", "str-comma", "2nd-comma"],
)
def test_file_info_rejects_empty_and_commas(
    client: Streamtape, rsps: responses.RequestsMock, ids: object
) -> None:
    with pytest.raises(ValueError, match="file_id"):
        client.files.info(ids)  # type: ignore[arg-type]
    assert len(rsps.calls) == 0


@pytest.mark.parametrize("value", [123, None, 4.5], ids=["int", "none", "float"])
def test_file_info_non_iterable_is_a_value_error(
    client: Streamtape, rsps: responses.RequestsMock, value: object
) -> None:
    with pytest.raises(ValueError, match="file_id"):
        client.files.info(value)  # type: ignore[arg-type]
    assert len(rsps.calls) == 0


@pytest.mark.parametrize("name", ["   ", 123, b"n"], ids=["blank", "int", "bytes"])
def test_remote_add_rejects_bad_name(
    client: Streamtape, rsps: responses.RequestsMock, name: object
) -> None:
    add_json(rsps, "/remotedl/add", {"id": "r", "folderid": "0"})
    with pytest.raises(ValueError, match="name"):
        client.remote.add("https://x.test/v", name=name)  # type: ignore[arg-type]
    assert len(rsps.calls) == 0


# -- encoding: a value cannot add or override a parameter -----------------------------------------

NASTY = [
    "a&key=evil",
    "x&login=evil&key=evil",
    "a=b",
    "../../account/info",
    "a/b",
    "with spaces",
    "plus+sign",
    "hash#frag",
    "q?x=1",
    "pct%26%3D",
    "ünïcödé 日本 🎬",
    "semi;colon",
    "new\nline",
    " leading and trailing ",
]


def _single(text: str) -> Callable[[Streamtape], object]:
    return lambda c: c.files.rename(text, text)


@pytest.mark.parametrize("value", NASTY)
def test_nasty_values_are_sent_encoded_and_exact(
    client: Streamtape, rsps: responses.RequestsMock, value: str
) -> None:
    add_json(rsps, "/file/rename", True)
    add_json(rsps, "/file/renamefolder", True)
    add_json(rsps, "/file/move", True)
    add_json(rsps, "/remotedl/add", {"id": "r", "folderid": "0"})
    add_json(rsps, "/file/createfolder", {"folderid": "d"})
    add_json(rsps, "/file/dl", {"name": "a", "size": 1, "url": "u"})

    client.files.rename(value, value)
    assert sent(rsps).path == "/file/rename"
    assert sent(rsps).params() == {"file": value, "name": value, **auth()}

    client.folders.rename(value, value)
    assert sent(rsps).params() == {"folder": value, "name": value, **auth()}

    client.files.move(value, value)
    assert sent(rsps).params() == {"file": value, "folder": value, **auth()}

    client.remote.add(value, folder=value, name=value, headers={"X-A": value.replace("\n", "")})
    assert sent(rsps).params() == {
        "url": value,
        "folder": value,
        "name": value,
        "headers": "X-A: " + value.replace("\n", ""),
        **auth(),
    }

    client.folders.create(value, parent=value)
    assert sent(rsps).params() == {"name": value, "pid": value, **auth()}

    client.files.get_download_link(value, value, captcha_response=value)
    assert sent(rsps).path == "/file/dl"
    assert sent(rsps).params() == {"file": value, "ticket": value, "captcha_response": value}


TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=30).filter(
    lambda s: bool(s.strip())
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(file_id=TEXT.filter(lambda s: "," not in s), name=TEXT)
def test_any_text_round_trips_exactly(client: Streamtape, file_id: str, name: str) -> None:
    with responses.RequestsMock() as rsps:
        add_json(rsps, "/file/rename", True)
        add_json(rsps, "/file/info", {})
        client.files.rename(file_id, name)
        assert sent(rsps).params() == {"file": file_id, "name": name, **auth()}
        client.files.info([file_id, file_id])
        assert sent(rsps).params() == {"file": file_id, **auth()}


def test_credentials_are_sent_once_and_unchanged(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(rsps, "/file/createfolder", {"folderid": "d"})
    client.folders.create("n&login=x&key=y", parent="p&key=z")
    request = sent(rsps)
    assert request.query["login"] == [LOGIN]
    assert request.query["key"] == [KEY]
    assert sorted(request.query) == ["key", "login", "name", "pid"]


# -- None is never sent ---------------------------------------------------------------------------


def test_none_params_are_omitted(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/file/ul", {"url": "u"})
    add_json(rsps, "/remotedl/add", {"id": "r"})
    add_json(rsps, "/file/createfolder", {"folderid": "d"})
    add_json(rsps, "/file/listfolder", None)
    add_json(rsps, "/file/dl", {"name": "a", "size": 1, "url": "u"})
    add_json(rsps, "/remotedl/status", {})

    client.files.get_upload_url(folder=None, sha256=None, httponly=False)
    client.remote.add("https://x.test/v", folder=None, headers=None, name=None)
    client.folders.create("n", parent=None)
    client.folders.list(None)
    client.files.get_download_link("f", "t", captcha_response=None)
    client.remote.list(limit=None)

    expected = [
        auth(),
        {"url": "https://x.test/v", **auth()},
        {"name": "n", **auth()},
        auth(),
        {"file": "f", "ticket": "t"},
        auth(),
    ]
    assert [sent(rsps, i).params() for i in range(len(rsps.calls))] == expected
    for call in rsps.calls:
        assert call.request.url is not None
        assert "None" not in call.request.url
        assert "null" not in call.request.url


def test_empty_optional_values_are_omitted(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(rsps, "/remotedl/add", {"id": "r"})
    client.remote.add("https://x.test/v", headers={}, name="")
    assert sent(rsps).params() == {"url": "https://x.test/v", **auth()}


# -- files.info batching --------------------------------------------------------------------------


def test_info_batch_size_is_50() -> None:
    assert INFO_BATCH_SIZE == 50


@pytest.mark.parametrize(
    ("count", "batches"), [(1, [1]), (50, [50]), (51, [50, 1]), (120, [50, 50, 20])]
)
def test_info_batches(
    client: Streamtape, rsps: responses.RequestsMock, count: int, batches: list[int]
) -> None:
    ids = [f"id{i:03d}" for i in range(count)]
    for start in range(0, count, INFO_BATCH_SIZE):
        chunk = ids[start : start + INFO_BATCH_SIZE]
        add_json(rsps, "/file/info", {i: {"id": i, "name": f"{i}.mp4", "size": 1} for i in chunk})
    infos = client.files.info(ids)
    sent_batches = [sent(rsps, i).params()["file"].split(",") for i in range(len(rsps.calls))]
    assert [len(b) for b in sent_batches] == batches
    assert [i for batch in sent_batches for i in batch] == ids  # order kept, nothing lost
    assert list(infos) == ids
    assert infos[ids[-1]].name == f"{ids[-1]}.mp4"


def test_info_deduplicates_keeping_order(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/file/info", {})
    client.files.info(["b", "a", "b", "c", "a"])
    assert len(rsps.calls) == 1
    assert sent(rsps).params() == {"file": "b,a,c", **auth()}


def test_info_dedup_happens_before_batching(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(rsps, "/file/info", {})
    client.files.info([f"id{i % 50}" for i in range(200)])  # 200 ids, 50 distinct
    assert len(rsps.calls) == 1


def test_info_accepts_any_iterable(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/file/info", {})
    client.files.info(i for i in ("x", "y"))
    assert sent(rsps).params()["file"] == "x,y"


def test_info_validates_every_id_before_the_first_batch(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    ids = [f"id{i}" for i in range(60)] + [""]
    with pytest.raises(ValueError, match="file_id"):
        client.files.info(ids)
    assert len(rsps.calls) == 0


# -- remote.add headers ---------------------------------------------------------------------------


def test_headers_mapping_becomes_lines(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/remotedl/add", {"id": "r"})
    client.remote.add(
        "https://x.test/v",
        headers={"Cookie": "a=b; c=d", "Authorization": "Basic dXNlcjpwdw==", "X-Empty": ""},
    )
    assert sent(rsps).params()["headers"] == (
        "Cookie: a=b; c=d\nAuthorization: Basic dXNlcjpwdw==\nX-Empty: "
    )


def test_headers_string_is_sent_as_given(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/remotedl/add", {"id": "r"})
    client.remote.add("https://x.test/v", headers="Cookie: a=b\nReferer: https://r.test/")
    assert sent(rsps).params()["headers"] == "Cookie: a=b\nReferer: https://r.test/"


@pytest.mark.parametrize(
    "headers",
    [
        {"X-A": "1\nX-Injected: 2"},
        {"X-A": "1\r\nX-Injected: 2"},
        {"X-A": "1\r"},
        {"X-A\nX-B": "1"},
        {"X-A: 1\nX-B": "2"},
        {"Bad:Name": "1"},
        {"": "1"},
    ],
    ids=["lf-value", "crlf-value", "cr-value", "lf-name", "colon-lf-name", "colon-name", "empty"],
)
def test_header_injection_is_rejected(
    client: Streamtape, rsps: responses.RequestsMock, headers: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match="invalid header"):
        client.remote.add("https://x.test/v", headers=headers)
    assert len(rsps.calls) == 0


# -- remote.remove("all") -------------------------------------------------------------------------


def test_remove_all_string_is_rejected(client: Streamtape, rsps: responses.RequestsMock) -> None:
    with pytest.raises(ValueError, match="remove_all"):
        client.remote.remove("all")
    assert len(rsps.calls) == 0


def test_remove_all_sends_id_all(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/remotedl/remove", True)
    client.remote.remove_all()
    assert sent(rsps).path == "/remotedl/remove"
    assert sent(rsps).params() == {"id": "all", **auth()}


# -- get_upload_url -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sha256",
    [
        "",
        "abc",
        "a" * 63,
        "a" * 65,
        "g" * 64,
        " " + "a" * 63,
        "a" * 64 + "\n",
        "0x" + "a" * 62,
        "\uff41" * 64,  # fullwidth "a": not a hex digit
    ],
    ids=["empty", "short", "63", "65", "non-hex", "space", "newline", "0x", "fullwidth"],
)
def test_upload_url_rejects_bad_sha256(
    client: Streamtape, rsps: responses.RequestsMock, sha256: str
) -> None:
    with pytest.raises(ValueError, match="sha256 must be 64 hexadecimal digits"):
        client.files.get_upload_url(sha256=sha256)
    assert len(rsps.calls) == 0


def test_upload_url_sha256_lowercased_and_httponly(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(rsps, "/file/ul", {"url": "u"})
    add_json(rsps, "/file/ul", {"url": "u"})
    digest = "0123456789ABCDEFabcdef" + "0" * 42
    client.files.get_upload_url(sha256=digest, httponly=True)
    assert sent(rsps).params() == {"sha256": digest.lower(), "httponly": "true", **auth()}
    client.files.get_upload_url(httponly=False)
    assert sent(rsps).params() == auth()
