"""Wire shapes of the 18 endpoints against the reference examples, auth, 400 and 404."""

from __future__ import annotations

import pytest
import requests

from streamtape_sdk.testing import (
    MSG_FILE_NOT_FOUND,
    MSG_FOLDER_NOT_FOUND,
    MSG_PERMISSION_DENIED,
    MSG_REMOTE_NOT_FOUND,
    FakeStreamtape,
)
from tests.emulator.emulator_helpers import B64_ID_RE, DATE_RE, FILE_ID_RE, Api

AUTHED = [
    ("account/info", {}),
    ("file/dlticket", {"file": "x"}),
    ("file/info", {"file": "x"}),
    ("file/ul", {}),
    ("remotedl/add", {"url": "http://127.0.0.1:1/x"}),
    ("remotedl/remove", {"id": "all"}),
    ("remotedl/status", {}),
    ("file/listfolder", {}),
    ("file/createfolder", {"name": "n"}),
    ("file/renamefolder", {"folder": "x", "name": "n"}),
    ("file/deletefolder", {"folder": "x"}),
    ("file/rename", {"file": "x", "name": "n"}),
    ("file/move", {"file": "x", "folder": "0"}),
    ("file/delete", {"file": "x"}),
    ("file/runningconverts", {}),
    ("file/failedconverts", {}),
    ("file/getsplash", {"file": "x"}),
]


@pytest.mark.parametrize(("endpoint", "params"), AUTHED)
def test_missing_credentials_are_403(api: Api, endpoint: str, params: dict[str, str]) -> None:
    body = api.call(endpoint, auth=False, **params).json()
    assert body == {"status": 403, "msg": MSG_PERMISSION_DENIED, "result": None}


@pytest.mark.parametrize(("endpoint", "params"), AUTHED)
def test_wrong_key_is_403_and_state_untouched(
    fake: FakeStreamtape, endpoint: str, params: dict[str, str]
) -> None:
    query = {"login": fake.login, "key": fake.key + "x", **params}
    response = requests.get(f"{fake.base_url}/{endpoint}", params=query, timeout=5)
    assert response.status_code == 200  # default policy: errors ride on HTTP 200
    assert response.json()["status"] == 403
    assert fake.folders() == []
    assert fake.remote_uploads() == []


def test_account_info_shape(api: Api, fake: FakeStreamtape) -> None:
    result = api.ok("account/info")
    assert set(result) == {"apiid", "email", "signup_at"}
    assert result["apiid"] == fake.login
    assert result["email"] == "dev@example.com"
    assert DATE_RE.match(result["signup_at"])


def test_generated_credentials_shape(fake: FakeStreamtape) -> None:
    assert len(fake.login) == 20
    assert all(c in "0123456789abcdef" for c in fake.login)
    assert len(fake.key) == 15
    assert fake.key.isalnum()
    assert fake.base_url.startswith("http://127.0.0.1:")


def test_post_with_form_body_is_accepted(api: Api) -> None:
    response = api.call("file/createfolder", method="POST", name="via-post")
    assert response.json()["status"] == 200
    assert B64_ID_RE.match(response.json()["result"]["folderid"])


@pytest.mark.parametrize(
    ("endpoint", "params", "missing"),
    [
        ("file/dlticket", {}, "file"),
        ("file/info", {}, "file"),
        ("file/info", {"file": " , "}, "file"),
        ("remotedl/add", {}, "url"),
        ("remotedl/remove", {}, "id"),
        ("file/createfolder", {}, "name"),
        ("file/renamefolder", {"name": "x"}, "folder"),
        ("file/renamefolder", {"folder": "abc"}, "name"),
        ("file/deletefolder", {}, "folder"),
        ("file/rename", {"name": "x"}, "file"),
        ("file/rename", {"file": "x"}, "name"),
        ("file/move", {"file": "x"}, "folder"),
        ("file/move", {"folder": "0"}, "file"),
        ("file/delete", {}, "file"),
        ("file/getsplash", {}, "file"),
        ("file/dl", {"ticket": "t"}, "file"),
        ("file/dl", {"file": "f"}, "ticket"),
    ],
)
def test_missing_parameter_is_400(
    api: Api, endpoint: str, params: dict[str, str], missing: str
) -> None:
    msg = api.error(endpoint, 400, **params)
    assert missing in msg


@pytest.mark.parametrize(
    ("endpoint", "params", "msg"),
    [
        ("file/dlticket", {"file": "nope"}, MSG_FILE_NOT_FOUND),
        ("file/dl", {"file": "nope", "ticket": "t"}, MSG_FILE_NOT_FOUND),
        ("file/rename", {"file": "nope", "name": "n"}, MSG_FILE_NOT_FOUND),
        ("file/move", {"file": "nope", "folder": "0"}, MSG_FILE_NOT_FOUND),
        ("file/delete", {"file": "nope"}, MSG_FILE_NOT_FOUND),
        ("file/getsplash", {"file": "nope"}, MSG_FILE_NOT_FOUND),
        ("file/listfolder", {"folder": "nope"}, MSG_FOLDER_NOT_FOUND),
        ("file/createfolder", {"name": "n", "pid": "nope"}, MSG_FOLDER_NOT_FOUND),
        ("file/renamefolder", {"folder": "nope", "name": "n"}, MSG_FOLDER_NOT_FOUND),
        ("file/deletefolder", {"folder": "nope"}, MSG_FOLDER_NOT_FOUND),
        ("file/ul", {"folder": "nope"}, MSG_FOLDER_NOT_FOUND),
        ("remotedl/add", {"url": "http://127.0.0.1/x", "folder": "nope"}, MSG_FOLDER_NOT_FOUND),
        ("remotedl/remove", {"id": "nope"}, MSG_REMOTE_NOT_FOUND),
    ],
)
def test_unknown_ids_are_404(api: Api, endpoint: str, params: dict[str, str], msg: str) -> None:
    assert api.error(endpoint, 404, **params) == msg


def test_move_to_unknown_folder_is_404(api: Api, fake: FakeStreamtape) -> None:
    file_id = fake.add_file("a.mp4", b"a")
    assert api.error("file/move", 404, file=file_id, folder="nope") == MSG_FOLDER_NOT_FOUND


def test_mirror_policy_sends_json_status_as_http_status() -> None:
    with FakeStreamtape(error_http_status="mirror") as fake:
        api = Api(fake)
        assert api.call("account/info", auth=False).status_code == 403
        assert api.call("file/info").status_code == 400
        assert api.call("file/delete", file="nope").status_code == 404
        assert api.call("account/info").status_code == 200
        api.session.close()


def test_unknown_path_is_http_404_envelope(api: Api) -> None:
    response = api.call("file/nothing")
    assert response.status_code == 404
    assert response.json() == {"status": 404, "msg": "Not found: unknown endpoint", "result": None}


def test_trailing_slash_is_accepted(api: Api) -> None:
    assert api.ok("file/listfolder/") == {"folders": [], "files": []}


def test_file_info_shape_found_missing_and_batched(api: Api, fake: FakeStreamtape) -> None:
    done = fake.add_file("MyMinecraftLetsPlay.mp4", b"x" * 1234)
    pending = fake.add_file("b.mp4", b"yy", converted=False)
    result = api.ok("file/info", file=f"{done},{pending},missingid123456")
    assert list(result) == [done, pending, "missingid123456"]
    assert result[done] == {
        "id": done,
        "status": 200,
        "name": "MyMinecraftLetsPlay.mp4",
        "size": 1234,
        "type": "video/mp4",
        "converted": True,
        "thumb": f"{fake.base_url}/thumb/{done}.jpg",
    }
    assert result[pending]["converted"] is False
    assert "thumb" not in result[pending]
    assert result["missingid123456"] == {
        "id": "missingid123456",
        "status": 404,
        "name": False,
        "size": 0,
        "converted": False,
    }


def test_file_info_caps_ids_at_100(api: Api, fake: FakeStreamtape) -> None:
    ids = [f"id{i:013d}" for i in range(101)]
    assert "too many" in api.error("file/info", 400, file=",".join(ids))
    assert len(api.ok("file/info", file=",".join(ids[:100]))) == 100


def test_listfolder_shape_direct_children_only(api: Api, fake: FakeStreamtape) -> None:
    sub = fake.add_folder("Subfolder")
    deeper = fake.add_folder("Deeper", parent=sub)
    root_file = fake.add_file("MyMinecraftLetsPlay.mp4", b"a" * 7)
    fake.add_file("inside.mp4", b"b", folder=sub)
    fake.add_file("deep.mp4", b"c", folder=deeper)
    converting = fake.add_file("conv.mp4", b"d", converted=False)

    root = api.ok("file/listfolder")
    assert root["folders"] == [{"id": sub, "name": "Subfolder"}]
    assert {f["linkid"] for f in root["files"]} == {root_file, converting}
    entry = next(f for f in root["files"] if f["linkid"] == root_file)
    assert set(entry) == {"name", "size", "link", "created_at", "downloads", "linkid", "convert"}
    assert entry["link"] == f"https://streamtape.com/v/{root_file}/MyMinecraftLetsPlay.mp4"
    assert entry["size"] == 7
    assert entry["downloads"] == 0
    assert entry["convert"] == "converted"
    stored = next(f for f in fake.files() if f.id == root_file)
    assert entry["created_at"] == int(stored.created_at.timestamp() * 1000)
    assert entry["created_at"] > 1_500_000_000_000  # milliseconds, not seconds
    conv = next(f for f in root["files"] if f["linkid"] == converting)
    # Only converted, no-need and pending were seen on the wire (§5.6 N3).
    assert conv["convert"] == "pending"

    assert api.ok("file/listfolder", folder="0") == root
    inside = api.ok("file/listfolder", folder=sub)
    assert inside["folders"] == [{"id": deeper, "name": "Deeper"}]
    assert [f["name"] for f in inside["files"]] == ["inside.mp4"]


def test_listfolder_convert_of_a_file_that_is_not_a_video(api: Api, fake: FakeStreamtape) -> None:
    other = fake.add_file("notes.zip", b"z")
    listed = {f["linkid"]: f["convert"] for f in api.ok("file/listfolder")["files"]}
    assert listed == {other: "no-need"}  # §5.6 N3


def test_folder_lifecycle(api: Api, fake: FakeStreamtape) -> None:
    created = api.ok("file/createfolder", name="Parent")
    assert set(created) == {"folderid"}
    parent = created["folderid"]
    assert B64_ID_RE.match(parent)
    child = api.ok("file/createfolder", name="Child", pid=parent)["folderid"]
    dup = api.ok("file/createfolder", name="Child", pid=parent)["folderid"]  # duplicates allowed
    assert dup != child
    assert api.ok("file/renamefolder", folder=child, name="Renamed") is True
    names = {d["name"] for d in api.ok("file/listfolder", folder=parent)["folders"]}
    assert names == {"Renamed", "Child"}
    in_child = fake.add_file("gone.mp4", b"bye", folder=child)
    path = fake.file_path(in_child)
    assert path.exists()

    assert api.ok("file/deletefolder", folder=parent) is True
    assert fake.folders() == []
    assert fake.files() == []
    assert not path.exists()
    assert api.ok("file/info", file=in_child)[in_child]["status"] == 404
    assert "root" in api.error("file/deletefolder", 400, folder="0")


def test_file_rename_move_delete(api: Api, fake: FakeStreamtape) -> None:
    folder = fake.add_folder("dest")
    file_id = fake.add_file("old.mp4", b"content")
    assert api.ok("file/rename", file=file_id, name="new.mp4") is True
    assert fake.file(file_id).name == "new.mp4"
    assert api.ok("file/move", file=file_id, folder=folder) is True
    assert fake.file(file_id).folder_id == folder
    assert api.ok("file/move", file=file_id, folder="0") is True  # "0" is the root
    assert fake.file(file_id).folder_id is None
    path = fake.file_path(file_id)
    assert api.ok("file/delete", file=file_id) is True
    assert not path.exists()
    assert api.error("file/delete", 404, file=file_id) == MSG_FILE_NOT_FOUND


def test_getsplash_is_a_bare_string_served_as_an_image(api: Api, fake: FakeStreamtape) -> None:
    file_id = fake.add_file("a.mp4", b"a")
    url = api.ok("file/getsplash", file=file_id)
    assert url == f"{fake.base_url}/thumb/{file_id}.jpg"
    image = requests.get(url, timeout=5)
    assert image.status_code == 200
    # Real thumbnails are JPEG at .jpg URLs (§5.6 N17).
    assert image.headers["Content-Type"] == "image/jpeg"
    assert image.content.startswith(b"\xff\xd8\xff")
    assert image.content.endswith(b"\xff\xd9")
    assert requests.get(f"{fake.base_url}/thumb/nope.jpg", timeout=5).status_code == 404


def test_ids_have_the_documented_shapes(fake: FakeStreamtape) -> None:
    for _ in range(20):
        assert FILE_ID_RE.match(fake.add_file("a.bin", b""))
        assert B64_ID_RE.match(fake.add_folder("f"))
