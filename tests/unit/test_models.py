"""The models: the reference's official examples parsed, with their documented oddities, and the
wire conversions (dates, epoch ms, false/null -> None, root folder, string sizes, extras)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pydantic
import pytest
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from streamtape_sdk import (
    AccountInfo,
    Conversion,
    CreatedFolder,
    DownloadLink,
    DownloadTicket,
    FileInfo,
    Folder,
    FolderFile,
    FolderListing,
    FolderWalkEntry,
    RemoteUpload,
    RemoteUploadStatus,
    Streamtape,
    UploadedFile,
    UploadURL,
)
from tests.unit.conftest import add_body

UTC = timezone.utc
DOC_DATE = datetime(2019, 12, 31, 23, 59, 59, tzinfo=UTC)


def strip_trailing_commas(text: str) -> str:
    """The official examples are not valid JSON: several carry a trailing comma before `}`/`]`.
    Remove them (and nothing else) so the examples can be parsed as the API would send them."""
    return re.sub(r",(\s*[}\]])", r"\1", text)


def official_result(text: str) -> object:
    envelope = json.loads(strip_trailing_commas(text))
    assert envelope["status"] == 200
    assert envelope["msg"] == "OK"
    return envelope["result"]


# -- the official examples, verbatim from streamtape-api.md ---------------------------------------

# Verbatim, including the trailing comma after signup_at and Cloudflare's e-mail obfuscation.
ACCOUNT_INFO = """{
"status": 200,
"msg": "OK",
"result": {
    "apiid": "<your api key>",
    "email": "[email protected]",
    "signup_at": "2019-12-31 23:59:59",
}
}"""

DLTICKET = """{
  "status": 200,
  "msg": "OK",
  "result": {
      "ticket": "wg8ad12d3QiJRXG~~1585532987430~n~~0~q75Z2aJg-TYfQgxz8",
      "wait_time": 10,
      "valid_until": "2019-12-31 23:59:59"
  }
}"""

# Trailing comma after "url".
DL = """{
  "status": 200,
  "msg": "OK",
  "result": {
    "name": "Vlog1220-Sidney.mp4",
    "size": 12345,
    "url": "https://tapecontent.net/Vlog1220-Sidney.mp4",
  }
}"""

# Two doc artifacts: key ag8ad12d3QiJRXG4 holds id ag8ad12d3QiJRXG5; trailing comma at the end.
FILE_INFO = """{
  "status": 200,
  "msg": "OK",
  "result": {
      "wg8ad12d3QiJRXG3": {
          "id": "wg8ad12d3QiJRXG3",
          "name": "MyMinecraftLetsPlay.mp4",
          "size": 1234,
          "type": "video/mp4",
          "converted": true,
          "status": 200
      },
      "ag8ad12d3QiJRXG4": {
          "id": "ag8ad12d3QiJRXG5",
          "name": "OutfitOfTheDay21.mp4",
          "size": 12346,
          "type": "video/mp4",
          "converted": true,
          "status": 200
      },
      "bg8ad12d3QiJRXG9": {
          "id": "bg8ad12d3QiJRXG9",
          "name": "Travel with Me - Episode 128",
          "size": 1234567,
          "type": "video/mp4",
          "converted": true,
          "status": 200
      },
      "yg8ad12d3QiJRXG1": {
          "id": "yg8ad12d3QiJRXG1",
          "name": "Reaction Video",
          "size": 12345,
          "type": "video/mp4",
          "converted": true,
          "status": 200
      },
   }
}"""

REMOTE_ADD = """{
  "status": 200,
  "msg": "OK",
  "result": {
    "id": "rbAarvRPXdYbaxY",
    "folderid": "LnvnE51P5gc"
  }
}"""

REMOTE_REMOVE = """{
  "status": 200,
  "msg": "OK",
  "result": true
}"""

# Trailing comma after the entry; folderid equal to the remote id is a doc artifact.
REMOTE_STATUS = """{
  "status": 200,
  "msg": "OK",
  "result": {
    "LnvnE51P5gc": {
        "id": "LnvnE51P5gc",
        "remoteurl": "https://vid.me/myvideo123",
        "status": "new",
        "bytes_loaded": null,
        "bytes_total": null,
        "folderid": "LnvnE51P5gc",
        "added": "2019-12-31 23:59:59",
        "last_update": "2019-12-31 23:59:59",
        "extid": false,
        "url": false
    },
  }
}"""

LISTFOLDER = """{
  "status": 200,
  "msg": "OK",
  "result": {
    "folders": [
      {
        "id": "B-qlJkdHFeo",
        "name": "Subfolder"
      }
    ],
    "files": [
    {
        "name": "MyMinecraftLetsPlay.mp4",
        "size": 7040842,
        "link": "https://streamtape.com/v/rbAarvRPXdYbaxY/MyMinecraftLetsPlay.mp4",
        "created_at": 1585532987430,
        "downloads": 0,
        "linkid": "rbAarvRPXdYbaxY",
        "convert": "converted"
     }
    ]
  }
}"""

CREATEFOLDER = """{
  "status": 200,
  "msg": "OK",
  "result": {
    "folderid": "LnvnE51P5gc"
  }
}"""

RUNNINGCONVERTS = """{
  "status": 200,
  "msg": "OK",
  "result":[
    {
      "name":"streamtape.mp4",
      "folderid":"0",
      "status":"new",
      "progress":0,
      "retries":0,
      "link":"https://streamtape.com/v/XklyYLYAZZZDZW/streamtape.mp4",
      "linkid":"XklyYLYAZZZDZW"
    },
    {
      "name":"Blender.mp4",
      "folderid":"",
      "status":"pending",
      "progress":0.75,
      "retries":0,
      "link":"https://streamtape.com/v/B4GaCbJAAAyBxb/Blender.mp4",
      "linkid":"B4GaCbJAAAyBxb"
    }
  ]
}"""


@pytest.mark.parametrize("text", [ACCOUNT_INFO, DL, FILE_INFO, REMOTE_STATUS])
def test_documented_examples_are_not_valid_json_as_published(text: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    json.loads(strip_trailing_commas(text))


def test_official_account_info() -> None:
    info = AccountInfo.model_validate(official_result(ACCOUNT_INFO))
    assert info.api_id == "<your api key>"
    assert info.email == "[email protected]"
    assert info.signup_at == DOC_DATE
    assert info.signup_at.tzinfo is UTC


def test_official_download_ticket() -> None:
    ticket = DownloadTicket.model_validate(official_result(DLTICKET))
    assert ticket.ticket == "wg8ad12d3QiJRXG~~1585532987430~n~~0~q75Z2aJg-TYfQgxz8"
    assert ticket.wait_time == 10
    assert ticket.valid_until == DOC_DATE


def test_official_download_link() -> None:
    link = DownloadLink.model_validate(official_result(DL))
    assert link == DownloadLink(
        name="Vlog1220-Sidney.mp4",
        size=12345,
        url="https://tapecontent.net/Vlog1220-Sidney.mp4",
    )


def test_official_file_info_through_the_client(client: Streamtape) -> None:
    ids = ["wg8ad12d3QiJRXG3", "ag8ad12d3QiJRXG4", "bg8ad12d3QiJRXG9", "yg8ad12d3QiJRXG1"]
    with responses.RequestsMock() as rsps:
        add_body(rsps, "/file/info", strip_trailing_commas(FILE_INFO))
        infos = client.files.info(ids)
    # Keyed by the requested id (the wire key), even where the entry's own id disagrees.
    assert list(infos) == ids
    odd = infos["ag8ad12d3QiJRXG4"]
    assert odd.id == "ag8ad12d3QiJRXG5"
    assert odd.name == "OutfitOfTheDay21.mp4"
    assert odd.size == 12346
    assert infos["bg8ad12d3QiJRXG9"] == FileInfo(
        id="bg8ad12d3QiJRXG9",
        name="Travel with Me - Episode 128",
        size=1234567,
        content_type="video/mp4",
        converted=True,
        status=200,
    )
    assert all(i.exists and i.converted and i.thumb is None for i in infos.values())


def test_official_remote_add() -> None:
    job = RemoteUpload.model_validate(official_result(REMOTE_ADD))
    assert job == RemoteUpload(id="rbAarvRPXdYbaxY", folder_id="LnvnE51P5gc")


def test_official_remote_remove_is_true() -> None:
    assert official_result(REMOTE_REMOVE) is True


def test_official_remote_status() -> None:
    result = official_result(REMOTE_STATUS)
    assert isinstance(result, dict)
    status = RemoteUploadStatus.model_validate(result["LnvnE51P5gc"])
    assert status.id == "LnvnE51P5gc"
    assert status.remote_url == "https://vid.me/myvideo123"
    assert status.status == "new"
    assert (status.bytes_loaded, status.bytes_total) == (None, None)
    assert status.folder_id == "LnvnE51P5gc"
    assert (status.added, status.last_update) == (DOC_DATE, DOC_DATE)
    assert (status.file_id, status.url) == (None, None)  # wire `false`: not yet


def test_official_listfolder() -> None:
    listing = FolderListing.model_validate(official_result(LISTFOLDER))
    assert listing.folders == [Folder(id="B-qlJkdHFeo", name="Subfolder")]
    assert listing.files == [
        FolderFile(
            name="MyMinecraftLetsPlay.mp4",
            size=7040842,
            link="https://streamtape.com/v/rbAarvRPXdYbaxY/MyMinecraftLetsPlay.mp4",
            created_at=datetime(2020, 3, 30, 1, 49, 47, 430000, tzinfo=UTC),
            downloads=0,
            link_id="rbAarvRPXdYbaxY",
            convert="converted",
        )
    ]
    assert listing.files[0].created_at.isoformat() == "2020-03-30T01:49:47.430000+00:00"


def test_official_createfolder() -> None:
    assert CreatedFolder.model_validate(official_result(CREATEFOLDER)).folder_id == "LnvnE51P5gc"


def test_official_runningconverts_root_spellings() -> None:
    result = official_result(RUNNINGCONVERTS)
    assert isinstance(result, list)
    first, second = (Conversion.model_validate(item) for item in result)
    assert (first.folder_id, second.folder_id) == (None, None)  # "0" and "" both mean root
    assert (first.status, second.status) == ("new", "pending")
    assert (first.progress, second.progress) == (0.0, 0.75)
    assert isinstance(first.progress, float)
    assert (first.link_id, second.link_id) == ("XklyYLYAZZZDZW", "B4GaCbJAAAyBxb")


# -- conversions ----------------------------------------------------------------------------------


def test_uploaded_file_size_string_becomes_int() -> None:
    uploaded = UploadedFile.model_validate(
        {
            "id": "wg8ad12d3QiJRXG3",
            "name": "a.mp4",
            "size": "1048576",
            "sha256": "ab" * 32,
            "content_type": "video/mp4",
            "url": "https://streamtape.com/v/wg8ad12d3QiJRXG3/a.mp4",
        }
    )
    assert uploaded.size == 1048576
    assert isinstance(uploaded.size, int)


def test_missing_file_name_false_is_none() -> None:
    info = FileInfo.model_validate(
        {"id": "x1", "status": 404, "name": False, "size": 0, "converted": False}
    )
    assert (info.name, info.size, info.status, info.exists) == (None, 0, 404, False)


def test_file_info_thumb_and_string_size() -> None:
    info = FileInfo.model_validate(
        {"id": "x1", "name": "a", "size": "77", "thumb": "https://thumb.test/t.jpg"}
    )
    assert (info.size, info.thumb, info.content_type) == (77, "https://thumb.test/t.jpg", None)


@pytest.mark.parametrize("status", [451, 500])
def test_file_info_other_statuses_do_not_exist(status: int) -> None:
    assert FileInfo.model_validate({"id": "x", "status": status}).exists is False


@pytest.mark.parametrize("wire", [False, None])
def test_remote_status_extid_and_url_not_yet(wire: object) -> None:
    status = RemoteUploadStatus.model_validate(
        {"id": "r", "status": "downloading", "extid": wire, "url": wire}
    )
    assert (status.file_id, status.url) == (None, None)


def test_remote_status_strings_become_values() -> None:
    status = RemoteUploadStatus.model_validate(
        {"id": "r", "status": "finished", "extid": "F1", "url": "https://s.test/v/F1/a"}
    )
    assert (status.file_id, status.url, status.is_finished) == ("F1", "https://s.test/v/F1/a", True)


def test_remote_status_url_alone_means_finished() -> None:
    status = RemoteUploadStatus.model_validate(
        {"id": "r", "status": "weird-new-state", "url": "https://s.test/v/F1/a"}
    )
    assert status.status == "weird-new-state"
    assert status.is_finished is True
    assert status.progress == 1.0


@pytest.mark.parametrize(
    ("loaded", "total", "expected"),
    [
        (None, None, None),
        (5, None, None),
        (5, 0, None),
        (None, 10, None),
        (5, 10, 0.5),
        (20, 10, 1.0),
    ],
)
def test_remote_status_progress(
    loaded: int | None, total: int | None, expected: float | None
) -> None:
    status = RemoteUploadStatus.model_validate(
        {"id": "r", "status": "downloading", "bytes_loaded": loaded, "bytes_total": total}
    )
    assert status.progress == expected


@pytest.mark.parametrize("root", ["0", "", None, False, 0])
def test_root_folder_spellings_are_none(root: object) -> None:
    assert Conversion.model_validate({"folderid": root}).folder_id is None
    assert RemoteUpload.model_validate({"id": "r", "folderid": root}).folder_id is None
    assert (
        RemoteUploadStatus.model_validate({"id": "r", "status": "new", "folderid": root}).folder_id
        is None
    )
    assert FolderWalkEntry.model_validate({"path": "", "folder_id": root}).folder_id is None


def test_real_folder_id_is_kept() -> None:
    assert RemoteUpload.model_validate({"id": "r", "folderid": "B-qlJkdHFeo"}).folder_id == (
        "B-qlJkdHFeo"
    )


@pytest.mark.parametrize("wire", [None, {}, {"folders": None, "files": None}])
def test_null_listing_is_empty(wire: object) -> None:
    listing = FolderListing.model_validate(wire)
    assert (listing.folders, listing.files) == ([], [])


def test_listing_with_only_folders() -> None:
    listing = FolderListing.model_validate({"folders": [{"id": "a", "name": "A"}], "files": None})
    assert listing.folders == [Folder(id="a", name="A")]
    assert listing.files == []


def test_created_at_as_digit_string() -> None:
    file = FolderFile.model_validate(
        {"name": "a", "size": "3", "created_at": "1585532987430", "linkid": "L"}
    )
    assert file.created_at == datetime(2020, 3, 30, 1, 49, 47, 430000, tzinfo=UTC)
    assert file.size == 3


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=4_102_444_800_000))
def test_created_at_is_epoch_milliseconds(millis: int) -> None:
    file = FolderFile.model_validate({"name": "a", "size": 1, "created_at": millis, "linkid": "L"})
    assert file.created_at == EPOCH + timedelta(milliseconds=millis)
    assert file.created_at.utcoffset() == timedelta(0)


@settings(max_examples=40, deadline=None)
@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)))
def test_wire_dates_are_aware_utc(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    info = AccountInfo.model_validate(
        {"apiid": "a", "email": "e", "signup_at": moment.strftime("%Y-%m-%d %H:%M:%S")}
    )
    assert info.signup_at == moment.replace(tzinfo=UTC)
    assert info.signup_at.tzinfo is UTC


def test_iso_date_with_offset_keeps_its_offset() -> None:
    ticket = DownloadTicket.model_validate(
        {"ticket": "t", "valid_until": "2019-12-31T23:59:59+02:00"}
    )
    assert ticket.valid_until == datetime(2019, 12, 31, 21, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["yesterday", "2019-13-45 99:99:99", 12.5j])
def test_unparseable_date_is_a_validation_error(bad: object) -> None:
    with pytest.raises(pydantic.ValidationError):
        AccountInfo.model_validate({"apiid": "a", "email": "e", "signup_at": bad})


def test_unknown_fields_are_kept() -> None:
    info = AccountInfo.model_validate(
        {
            "apiid": "a",
            "email": "e",
            "signup_at": "2019-12-31 23:59:59",
            "storage_used": 123,
            "reward": {"balance": "1.5"},
        }
    )
    assert info.model_extra == {"storage_used": 123, "reward": {"balance": "1.5"}}
    ticket = DownloadTicket.model_validate({"ticket": "t", "wait_time": 3, "captcha_x": False})
    assert ticket.model_extra == {"captcha_x": False}


def test_unknown_status_strings_are_accepted() -> None:
    assert RemoteUploadStatus.model_validate({"id": "r", "status": "teleporting"}).status == (
        "teleporting"
    )
    assert Conversion.model_validate({"status": "quantum"}).status == "quantum"
    file = FolderFile.model_validate(
        {"name": "a", "size": 1, "created_at": 0, "linkid": "L", "convert": "in-progress"}
    )
    assert file.convert == "in-progress"


def test_wire_and_python_names_both_work() -> None:
    by_wire = AccountInfo.model_validate(
        {"apiid": "a", "email": "e", "signup_at": "2019-12-31 23:59:59"}
    )
    by_name = AccountInfo.model_validate(
        {"api_id": "a", "email": "e", "signup_at": "2019-12-31 23:59:59"}, by_name=True
    )
    assert by_wire == by_name
    assert by_wire == AccountInfo(api_id="a", email="e", signup_at=by_wire.signup_at)
    revealed = by_wire.model_dump(by_alias=True, context={"reveal_secrets": True})
    assert revealed["apiid"] == "a"
    assert by_wire.model_dump(by_alias=True)["apiid"] == "***"  # secret: masked unless asked


MODELS_AND_FIELDS: list[tuple[pydantic.BaseModel, str, object]] = [
    (AccountInfo(api_id="a", email="e", signup_at=DOC_DATE), "email", "x"),
    (DownloadTicket(ticket="t"), "wait_time", 0),
    (DownloadLink(name="n", size=1, url="u"), "url", "v"),
    (FileInfo(id="i"), "name", "n"),
    (UploadURL(url="u"), "url", "v"),
    (UploadedFile(id="i", name="n", size=1, url="u"), "size", 2),
    (RemoteUpload(id="i"), "id", "j"),
    (RemoteUploadStatus(id="i", status="new"), "status", "finished"),
    (Folder(id="i", name="n"), "name", "m"),
    (FolderFile(name="n", size=1, created_at=DOC_DATE, link_id="L"), "size", 2),
    (FolderListing(), "files", []),
    (CreatedFolder(folder_id="f"), "folder_id", "g"),
    (Conversion(), "progress", 1.0),
    (FolderWalkEntry(path=""), "path", "x"),
]


@pytest.mark.parametrize(
    ("model", "field", "value"),
    MODELS_AND_FIELDS,
    ids=[type(m[0]).__name__ for m in MODELS_AND_FIELDS],
)
def test_models_are_frozen(model: pydantic.BaseModel, field: str, value: object) -> None:
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        setattr(model, field, value)


def test_download_ticket_remaining_wait() -> None:
    ticket = DownloadTicket(ticket="t", wait_time=10)
    received = ticket._received_at
    assert ticket.remaining_wait(now=received) == 10.0
    assert ticket.remaining_wait(now=received + 4) == 6.0
    assert ticket.remaining_wait(now=received + 10) == 0.0
    assert ticket.remaining_wait(now=received + 99) == 0.0
    assert 9.0 < ticket.remaining_wait() <= 10.0


def test_download_ticket_without_wait_is_ready() -> None:
    assert DownloadTicket(ticket="t").remaining_wait() == 0.0
