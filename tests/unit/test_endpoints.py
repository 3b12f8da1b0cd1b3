"""Every one of the 18 API endpoints: the exact request (method, path, decoded query) and the
parsed model with its conversions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import pytest
import responses

from streamtape_sdk import (
    AccountInfo,
    Conversion,
    CreatedFolder,
    DownloadLink,
    DownloadTicket,
    FileInfo,
    Folder,
    FolderListing,
    NotFoundError,
    RemoteUpload,
    RemoteUploadStatus,
    ResponseFormatError,
    Streamtape,
    UploadURL,
)
from streamtape_sdk._endpoints import ALL_API_ENDPOINTS
from tests.unit.conftest import SentRequest, add_json, auth, sent

FILE_ID = "rbAarvRPXdYbaxY"
FOLDER_ID = "LnvnE51P5gc"
UTC = timezone.utc


def only_request(rsps: responses.RequestsMock) -> SentRequest:
    assert len(rsps.calls) == 1
    request = sent(rsps)
    assert request.method == "GET"
    return request


def test_the_sdk_knows_exactly_the_18_documented_paths() -> None:
    assert sorted(e.path for e in ALL_API_ENDPOINTS) == sorted(
        [
            "/account/info",
            "/file/dlticket",
            "/file/dl",
            "/file/info",
            "/file/ul",
            "/remotedl/add",
            "/remotedl/remove",
            "/remotedl/status",
            "/file/listfolder",
            "/file/createfolder",
            "/file/renamefolder",
            "/file/deletefolder",
            "/file/rename",
            "/file/move",
            "/file/delete",
            "/file/runningconverts",
            "/file/failedconverts",
            "/file/getsplash",
        ]
    )
    assert [e.path for e in ALL_API_ENDPOINTS if not e.auth] == ["/file/dl"]
    assert sorted(e.path for e in ALL_API_ENDPOINTS if not e.idempotent) == [
        "/file/createfolder",
        "/remotedl/add",
    ]


# 1
def test_account_info(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(
        rsps,
        "/account/info",
        {
            "apiid": "abcdef0123456789abcd",
            "email": "me@example.com",
            "signup_at": "2019-12-31 23:59:59",
        },
    )
    info = client.account.info()
    request = only_request(rsps)
    assert request.path == "/account/info"
    assert request.params() == auth()
    assert info == AccountInfo(
        api_id="abcdef0123456789abcd",
        email="me@example.com",
        signup_at=datetime(2019, 12, 31, 23, 59, 59, tzinfo=UTC),
    )


# 2
def test_download_ticket(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(
        rsps,
        "/file/dlticket",
        {
            "ticket": "wg8ad12d3QiJRXG~~1585532987430~n~~0~q75Z2aJg-TYfQgxz8",
            "wait_time": 10,
            "valid_until": "2019-12-31 23:59:59",
        },
    )
    ticket = client.files.get_download_ticket(FILE_ID)
    request = only_request(rsps)
    assert request.path == "/file/dlticket"
    assert request.params() == {"file": FILE_ID, **auth()}
    assert isinstance(ticket, DownloadTicket)
    assert ticket.ticket == "wg8ad12d3QiJRXG~~1585532987430~n~~0~q75Z2aJg-TYfQgxz8"
    assert ticket.wait_time == 10
    assert ticket.valid_until == datetime(2019, 12, 31, 23, 59, 59, tzinfo=UTC)


# 3
def test_download_link_sends_no_credentials(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(
        rsps,
        "/file/dl",
        {"name": "Vlog1220-Sidney.mp4", "size": 12345, "url": "https://tapecontent.net/V.mp4"},
    )
    link = client.files.get_download_link(FILE_ID, "tick~et")
    request = only_request(rsps)
    assert request.path == "/file/dl"
    assert request.params() == {"file": FILE_ID, "ticket": "tick~et"}
    assert link == DownloadLink(
        name="Vlog1220-Sidney.mp4", size=12345, url="https://tapecontent.net/V.mp4"
    )


def test_download_link_with_captcha_response(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(rsps, "/file/dl", {"name": "a", "size": 1, "url": "https://t.test/a"})
    client.files.get_download_link(FILE_ID, "t", captcha_response="abc 123")
    assert only_request(rsps).params() == {
        "file": FILE_ID,
        "ticket": "t",
        "captcha_response": "abc 123",
    }


# 4
def test_file_info(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(
        rsps,
        "/file/info",
        {
            "wg8ad12d3QiJRXG3": {
                "id": "wg8ad12d3QiJRXG3",
                "name": "MyMinecraftLetsPlay.mp4",
                "size": 1234,
                "type": "video/mp4",
                "converted": True,
                "status": 200,
            },
            "zz8ad12d3QiJRXG0": {
                "id": "zz8ad12d3QiJRXG0",
                "status": 404,
                "name": False,
                "size": 0,
                "converted": False,
            },
        },
    )
    infos = client.files.info(["wg8ad12d3QiJRXG3", "zz8ad12d3QiJRXG0"])
    request = only_request(rsps)
    assert request.path == "/file/info"
    assert request.params() == {"file": "wg8ad12d3QiJRXG3,zz8ad12d3QiJRXG0", **auth()}
    assert list(infos) == ["wg8ad12d3QiJRXG3", "zz8ad12d3QiJRXG0"]
    found = infos["wg8ad12d3QiJRXG3"]
    assert found == FileInfo(
        id="wg8ad12d3QiJRXG3",
        name="MyMinecraftLetsPlay.mp4",
        size=1234,
        content_type="video/mp4",
        converted=True,
        status=200,
    )
    assert found.exists is True
    missing = infos["zz8ad12d3QiJRXG0"]
    assert (missing.status, missing.name, missing.size, missing.exists) == (404, None, 0, False)


def test_file_info_single_id_string(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/file/info", {FILE_ID: {"id": FILE_ID, "name": "a.mp4", "size": 5}})
    infos = client.files.info(FILE_ID)
    assert only_request(rsps).params() == {"file": FILE_ID, **auth()}
    assert infos[FILE_ID].name == "a.mp4"


def test_file_info_accepts_a_list_result(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/file/info", [{"id": FILE_ID, "name": "a.mp4", "size": 5, "status": 200}])
    assert client.files.info(FILE_ID)[FILE_ID].size == 5


@pytest.mark.parametrize("result", [None, []])
def test_file_info_empty_result(
    client: Streamtape, rsps: responses.RequestsMock, result: object
) -> None:
    add_json(rsps, "/file/info", result)
    assert client.files.info(FILE_ID) == {}


# 5
def test_upload_url_defaults(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(
        rsps,
        "/file/ul",
        {"url": "https://13abc37.example.com/ul/jAZUhVzeU78", "valid_until": "2015-01-09 00:02:45"},
    )
    target = client.files.get_upload_url()
    request = only_request(rsps)
    assert request.path == "/file/ul"
    assert request.params() == auth()
    assert target == UploadURL(
        url="https://13abc37.example.com/ul/jAZUhVzeU78",
        valid_until=datetime(2015, 1, 9, 0, 2, 45, tzinfo=UTC),
    )


def test_upload_url_all_params(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/file/ul", {"url": "https://u.test/ul/x", "valid_until": "2015-01-09 00:02:45"})
    digest = "AB" * 32
    client.files.get_upload_url(folder=FOLDER_ID, sha256=digest, httponly=True)
    assert only_request(rsps).params() == {
        "folder": FOLDER_ID,
        "sha256": "ab" * 32,  # sent lower-case
        "httponly": "true",
        **auth(),
    }


# 6
def test_remote_add_minimal(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/remotedl/add", {"id": FILE_ID, "folderid": FOLDER_ID})
    job = client.remote.add("https://vid.example/v.mp4?a=1&b=2")
    request = only_request(rsps)
    assert request.path == "/remotedl/add"
    assert request.params() == {"url": "https://vid.example/v.mp4?a=1&b=2", **auth()}
    assert job == RemoteUpload(id=FILE_ID, folder_id=FOLDER_ID)


def test_remote_add_all_params(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/remotedl/add", {"id": FILE_ID, "folderid": "0"})
    job = client.remote.add(
        "https://vid.example/v.mp4",
        folder=FOLDER_ID,
        headers={"Cookie": "a=b; c=d", "Referer": "https://vid.example/"},
        name="My Video.mp4",
    )
    assert only_request(rsps).params() == {
        "url": "https://vid.example/v.mp4",
        "folder": FOLDER_ID,
        "headers": "Cookie: a=b; c=d\nReferer: https://vid.example/",
        "name": "My Video.mp4",
        **auth(),
    }
    assert job.folder_id is None  # root spelled "0"


# 7
def test_remote_remove(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/remotedl/remove", True)
    assert client.remote.remove(FOLDER_ID) is None  # type: ignore[func-returns-value]
    request = only_request(rsps)
    assert request.path == "/remotedl/remove"
    assert request.params() == {"id": FOLDER_ID, **auth()}


def test_remote_remove_all(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/remotedl/remove", True)
    client.remote.remove_all()
    assert only_request(rsps).params() == {"id": "all", **auth()}


# 8
STATUS_ENTRY = {
    "id": FOLDER_ID,
    "remoteurl": "https://vid.me/myvideo123",
    "status": "new",
    "bytes_loaded": None,
    "bytes_total": None,
    "folderid": FOLDER_ID,
    "added": "2019-12-31 23:59:59",
    "last_update": "2019-12-31 23:59:59",
    "extid": False,
    "url": False,
}


def test_remote_status(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/remotedl/status", {FOLDER_ID: STATUS_ENTRY})
    status = client.remote.status(FOLDER_ID)
    request = only_request(rsps)
    assert request.path == "/remotedl/status"
    assert request.params() == {"id": FOLDER_ID, **auth()}
    assert status == RemoteUploadStatus(
        id=FOLDER_ID,
        remote_url="https://vid.me/myvideo123",
        status="new",
        bytes_loaded=None,
        bytes_total=None,
        folder_id=FOLDER_ID,
        added=datetime(2019, 12, 31, 23, 59, 59, tzinfo=UTC),
        last_update=datetime(2019, 12, 31, 23, 59, 59, tzinfo=UTC),
        file_id=None,
        url=None,
    )
    assert (status.is_finished, status.is_failed, status.progress) == (False, False, None)


def test_remote_status_finished(client: Streamtape, rsps: responses.RequestsMock) -> None:
    entry = {
        **STATUS_ENTRY,
        "status": "finished",
        "bytes_loaded": 1000,
        "bytes_total": 1000,
        "extid": FILE_ID,
        "url": f"https://streamtape.com/v/{FILE_ID}/v.mp4",
    }
    add_json(rsps, "/remotedl/status", {FOLDER_ID: entry})
    status = client.remote.status(FOLDER_ID)
    assert status.file_id == FILE_ID
    assert status.url == f"https://streamtape.com/v/{FILE_ID}/v.mp4"
    assert (status.is_finished, status.progress) == (True, 1.0)


def test_remote_status_in_progress(client: Streamtape, rsps: responses.RequestsMock) -> None:
    entry = {**STATUS_ENTRY, "status": "downloading", "bytes_loaded": 250, "bytes_total": 1000}
    add_json(rsps, "/remotedl/status", {FOLDER_ID: entry})
    assert client.remote.status(FOLDER_ID).progress == 0.25


def test_remote_status_found_by_inner_id(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/remotedl/status", [STATUS_ENTRY])
    assert client.remote.status(FOLDER_ID).id == FOLDER_ID


@pytest.mark.parametrize("result", [None, [], {}, {"other123456": {**STATUS_ENTRY, "id": "x"}}])
def test_remote_status_absent_is_not_found(
    client: Streamtape, rsps: responses.RequestsMock, result: object
) -> None:
    add_json(rsps, "/remotedl/status", result)
    with pytest.raises(NotFoundError) as info:
        client.remote.status(FOLDER_ID)
    assert (info.value.status, info.value.endpoint) == (404, "/remotedl/status")


def test_remote_list(client: Streamtape, rsps: responses.RequestsMock) -> None:
    other = {**STATUS_ENTRY, "id": "B-qlJkdHFeo", "status": "error"}
    add_json(rsps, "/remotedl/status", {FOLDER_ID: STATUS_ENTRY, "B-qlJkdHFeo": other})
    add_json(rsps, "/remotedl/status", None)
    statuses = client.remote.list()
    assert sent(rsps).params() == auth()
    assert list(statuses) == [FOLDER_ID, "B-qlJkdHFeo"]
    assert statuses["B-qlJkdHFeo"].is_failed is True
    assert client.remote.list(limit=5) == {}
    assert sent(rsps).params() == {"limit": "5", **auth()}


@pytest.mark.parametrize("limit", [0, -1, True])
def test_remote_list_rejects_bad_limit(
    client: Streamtape, rsps: responses.RequestsMock, limit: int
) -> None:
    with pytest.raises(ValueError, match="limit"):
        client.remote.list(limit=limit)
    assert len(rsps.calls) == 0


# 9
LISTING = {
    "folders": [{"id": "B-qlJkdHFeo", "name": "Subfolder"}],
    "files": [
        {
            "name": "MyMinecraftLetsPlay.mp4",
            "size": 7040842,
            "link": "https://streamtape.com/v/rbAarvRPXdYbaxY/MyMinecraftLetsPlay.mp4",
            "created_at": 1585532987430,
            "downloads": 0,
            "linkid": "rbAarvRPXdYbaxY",
            "convert": "converted",
        }
    ],
}


def test_list_root_folder(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/file/listfolder", LISTING)
    listing = client.folders.list()
    request = only_request(rsps)
    assert request.path == "/file/listfolder"
    assert request.params() == auth()
    assert listing.folders == [Folder(id="B-qlJkdHFeo", name="Subfolder")]
    (file,) = listing.files
    assert file.name == "MyMinecraftLetsPlay.mp4"
    assert file.size == 7040842
    assert file.link_id == file.file_id == FILE_ID
    assert file.created_at == datetime(2020, 3, 30, 1, 49, 47, 430000, tzinfo=UTC)
    assert (file.downloads, file.convert) == (0, "converted")


def test_list_subfolder(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/file/listfolder", None)
    listing = client.folders.list("B-qlJkdHFeo")
    assert only_request(rsps).params() == {"folder": "B-qlJkdHFeo", **auth()}
    assert listing == FolderListing(folders=[], files=[])


# 10
def test_create_folder(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/file/createfolder", {"folderid": FOLDER_ID})
    created = client.folders.create("Holidays 2024")
    request = only_request(rsps)
    assert request.path == "/file/createfolder"
    assert request.params() == {"name": "Holidays 2024", **auth()}
    assert created == CreatedFolder(folder_id=FOLDER_ID)


def test_create_subfolder_sends_pid(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/file/createfolder", {"folderid": FOLDER_ID})
    client.folders.create("Child", parent="B-qlJkdHFeo")
    assert only_request(rsps).params() == {"name": "Child", "pid": "B-qlJkdHFeo", **auth()}


# 11-15, 7: mutations answering `true`
MUTATIONS: list[tuple[str, Callable[[Streamtape], None], dict[str, str]]] = [
    (
        "/file/renamefolder",
        lambda c: c.folders.rename(FOLDER_ID, "New Name"),
        {"folder": FOLDER_ID, "name": "New Name"},
    ),
    ("/file/deletefolder", lambda c: c.folders.delete(FOLDER_ID), {"folder": FOLDER_ID}),
    (
        "/file/rename",
        lambda c: c.files.rename(FILE_ID, "clip.mp4"),
        {"file": FILE_ID, "name": "clip.mp4"},
    ),
    (
        "/file/move",
        lambda c: c.files.move(FILE_ID, FOLDER_ID),
        {"file": FILE_ID, "folder": FOLDER_ID},
    ),
    ("/file/delete", lambda c: c.files.delete(FILE_ID), {"file": FILE_ID}),
    ("/remotedl/remove", lambda c: c.remote.remove(FOLDER_ID), {"id": FOLDER_ID}),
]
MUTATION_IDS = [m[0] for m in MUTATIONS]


@pytest.mark.parametrize(("path", "call", "params"), MUTATIONS, ids=MUTATION_IDS)
def test_mutation_request(
    client: Streamtape,
    rsps: responses.RequestsMock,
    path: str,
    call: Callable[[Streamtape], None],
    params: dict[str, str],
) -> None:
    add_json(rsps, path, True)
    call(client)
    request = only_request(rsps)
    assert request.path == path
    assert request.params() == {**params, **auth()}


@pytest.mark.parametrize("result", [False, None, "true", 1, {}])
@pytest.mark.parametrize(("path", "call", "params"), MUTATIONS, ids=MUTATION_IDS)
def test_mutation_not_answering_true_is_a_format_error(
    client: Streamtape,
    rsps: responses.RequestsMock,
    path: str,
    call: Callable[[Streamtape], None],
    params: dict[str, str],
    result: object,
) -> None:
    add_json(rsps, path, result)
    with pytest.raises(ResponseFormatError, match=f"^{path} returned .* instead of true"):
        call(client)
    assert len(rsps.calls) == 1


# 16
def test_running_conversions(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(
        rsps,
        "/file/runningconverts",
        [
            {
                "name": "streamtape.mp4",
                "folderid": "0",
                "status": "new",
                "progress": 0,
                "retries": 0,
                "link": "https://streamtape.com/v/XklyYLYAZZZDZW/streamtape.mp4",
                "linkid": "XklyYLYAZZZDZW",
            },
            {
                "name": "Blender.mp4",
                "folderid": "",
                "status": "pending",
                "progress": 0.75,
                "retries": 0,
                "link": "https://streamtape.com/v/B4GaCbJAAAyBxb/Blender.mp4",
                "linkid": "B4GaCbJAAAyBxb",
            },
        ],
    )
    conversions = client.files.running_conversions()
    request = only_request(rsps)
    assert request.path == "/file/runningconverts"
    assert request.params() == auth()
    assert conversions == [
        Conversion(
            name="streamtape.mp4",
            folder_id=None,
            status="new",
            progress=0.0,
            retries=0,
            link="https://streamtape.com/v/XklyYLYAZZZDZW/streamtape.mp4",
            link_id="XklyYLYAZZZDZW",
        ),
        Conversion(
            name="Blender.mp4",
            folder_id=None,
            status="pending",
            progress=0.75,
            retries=0,
            link="https://streamtape.com/v/B4GaCbJAAAyBxb/Blender.mp4",
            link_id="B4GaCbJAAAyBxb",
        ),
    ]


# 17
def test_failed_conversions(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(
        rsps,
        "/file/failedconverts",
        [{"name": "bad.mkv", "folderid": FOLDER_ID, "linkextid": "abc", "error": "codec"}],
    )
    (failed,) = client.files.failed_conversions()
    request = only_request(rsps)
    assert request.path == "/file/failedconverts"
    assert request.params() == auth()
    assert (failed.name, failed.folder_id, failed.link_id) == ("bad.mkv", FOLDER_ID, None)
    assert failed.model_extra == {"linkextid": "abc", "error": "codec"}


@pytest.mark.parametrize("result", [None, []])
def test_conversions_empty(
    client: Streamtape, rsps: responses.RequestsMock, result: object
) -> None:
    add_json(rsps, "/file/runningconverts", result)
    add_json(rsps, "/file/failedconverts", result)
    assert client.files.running_conversions() == []
    assert client.files.failed_conversions() == []


# 18
def test_thumbnail_url(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(
        rsps, "/file/getsplash", "https://thumb.tapecontent.net/thumb/wg8ad12d3QiJRXG/thumb.jpg"
    )
    thumb = client.files.thumbnail_url(FILE_ID)
    request = only_request(rsps)
    assert request.path == "/file/getsplash"
    assert request.params() == {"file": FILE_ID, **auth()}
    assert thumb == "https://thumb.tapecontent.net/thumb/wg8ad12d3QiJRXG/thumb.jpg"


@pytest.mark.parametrize("result", [{"url": "x"}, 5])
def test_thumbnail_not_a_string_is_a_format_error(
    client: Streamtape, rsps: responses.RequestsMock, result: object
) -> None:
    add_json(rsps, "/file/getsplash", result)
    with pytest.raises(ResponseFormatError, match=r"^/file/getsplash returned a result"):
        client.files.thumbnail_url(FILE_ID)
