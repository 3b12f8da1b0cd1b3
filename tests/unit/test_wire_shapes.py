"""Replies as the service really sends them (streamtape-api.md §5.6): ids as numbers, `false`
for "absent", one odd entry among good ones, wire keys equal to Python field names, and
`null` results. The fixtures are our own values in the shapes of N1-N16."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pydantic
import pytest
import responses

from streamtape_sdk import (
    Conversion,
    CreatedFolder,
    DownloadLink,
    DownloadTicket,
    FileInfo,
    Folder,
    FolderFile,
    FolderListing,
    NotFoundError,
    OutcomeUnknownError,
    RemoteUpload,
    RemoteUploadStatus,
    ResponseFormatError,
    Streamtape,
    UploadedFile,
    UploadURL,
)
from streamtape_sdk.models import AccountInfo, InvalidEntry, KeyedResult, ListResult
from streamtape_sdk.models._base import StreamtapeModel
from tests.unit.conftest import add_json

FILE_A = "kR4tXq7bPz2LmN9"
FILE_B = "Nm9Lz2Pb7qXt4Rk"
MS = 1_700_000_000_000

STATUS_GOOD: dict[str, object] = {
    "id": "Qw3rTy6uIoP",
    "remoteurl": "https://cdn.example.org/a.mp4",
    "status": "downloading",
    "bytes_loaded": 10,
    "bytes_total": 40,
    "folderid": "0",
    "added": "2026-11-01 10:00:00",
    "last_update": "2026-11-01 10:00:05",
    "extid": False,
    "url": False,
}
FILE_ENTRY: dict[str, object] = {
    "name": "clip.mp4",
    "size": 1234,
    "link": f"https://streamtape.com/v/{FILE_A}/clip.mp4",
    "created_at": MS,
    "downloads": 0,
    "linkid": FILE_A,
    "convert": "converted",
}

#: A minimal well-formed wire entry of each model, to vary one field at a time.
MINIMAL: dict[type[StreamtapeModel], dict[str, object]] = {
    AccountInfo: {"apiid": "a", "email": "e@example.org", "signup_at": "2026-01-01 00:00:00"},
    DownloadTicket: {"ticket": "t"},
    DownloadLink: {"name": "n", "size": 1, "url": "https://x.example/d"},
    FileInfo: {"id": FILE_A},
    UploadURL: {"url": "https://up.example/ul/x"},
    UploadedFile: {"id": FILE_A, "name": "n", "size": "1", "url": "https://s.example/v/x/n"},
    Conversion: {},
    RemoteUpload: {"id": "r"},
    RemoteUploadStatus: {"id": "r", "status": "new"},
    Folder: {"id": "f", "name": "n"},
    FolderFile: {"name": "n", "size": 1, "created_at": MS, "linkid": FILE_A},
    FolderListing: {},
    CreatedFolder: {"folderid": "f"},
}


def _wire_key(model: type[StreamtapeModel], name: str) -> str:
    return model.model_fields[name].alias or name


def _optional_fields() -> list[tuple[type[StreamtapeModel], str]]:
    cases: list[tuple[type[StreamtapeModel], str]] = []
    for model in MINIMAL:
        for name, field in model.model_fields.items():
            if not field.is_required() and field.annotation is not bool:
                cases.append((model, name))
    return cases


# -- 1. one odd value never discards a whole reply --------------------------------------------


def test_remote_status_with_a_numeric_id() -> None:
    status = RemoteUploadStatus.model_validate({"id": 3, "status": "new"})
    assert status.id == "3"


ID_FIELDS: list[tuple[type[StreamtapeModel], str, str]] = [
    (FileInfo, "id", "id"),
    (UploadedFile, "id", "id"),
    (RemoteUpload, "id", "id"),
    (RemoteUpload, "folderid", "folder_id"),
    (RemoteUploadStatus, "id", "id"),
    (RemoteUploadStatus, "extid", "file_id"),
    (RemoteUploadStatus, "linkid", "link_id"),
    (RemoteUploadStatus, "folderid", "folder_id"),
    (Folder, "id", "id"),
    (FolderFile, "linkid", "link_id"),
    (CreatedFolder, "folderid", "folder_id"),
    (Conversion, "linkid", "link_id"),
    (Conversion, "folderid", "folder_id"),
]


@pytest.mark.parametrize(("model", "wire", "attr"), ID_FIELDS)
def test_every_id_field_takes_a_number(model: type[StreamtapeModel], wire: str, attr: str) -> None:
    parsed = model.model_validate({**MINIMAL[model], wire: 987654})
    assert getattr(parsed, attr) == "987654"
    as_float = model.model_validate({**MINIMAL[model], wire: 42.0})
    assert getattr(as_float, attr) == "42"


@pytest.mark.parametrize(("model", "wire", "attr"), ID_FIELDS)
def test_an_id_is_never_a_bool(model: type[StreamtapeModel], wire: str, attr: str) -> None:
    if not model.model_fields[attr].is_required():
        return  # optional ids: `false` is "absent", tested below
    with pytest.raises(pydantic.ValidationError):
        model.model_validate({**MINIMAL[model], wire: True})


@pytest.mark.parametrize(
    ("model", "name"), _optional_fields(), ids=lambda v: getattr(v, "__name__", v)
)
@pytest.mark.parametrize("absent", [False, None])
def test_false_or_null_means_absent_on_every_optional_field(
    model: type[StreamtapeModel], name: str, absent: object
) -> None:
    field = model.model_fields[name]
    parsed = model.model_validate({**MINIMAL[model], _wire_key(model, name): absent})
    expected = field.get_default(call_default_factory=True)
    assert getattr(parsed, name) == expected


def test_openload_style_missing_entry_in_file_info() -> None:
    """N15: a missing file carries `false` for size, sha1 and content_type."""
    entry = FileInfo.model_validate(
        {"id": 3, "status": 404, "name": False, "size": False, "sha1": False, "content_type": False}
    )
    assert (entry.id, entry.size, entry.name, entry.content_type) == ("3", 0, None, None)
    assert not entry.exists


def test_file_info_keeps_good_entries_next_to_a_bad_one(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(
        rsps,
        "/file/info",
        {
            FILE_A: {"id": FILE_A, "status": 200, "name": "a.mp4", "size": 5, "type": "video/mp4"},
            FILE_B: {"id": FILE_B, "status": 200, "name": "b.mp4", "size": "many"},
        },
    )
    infos = client.files.info([FILE_A, FILE_B])
    assert isinstance(infos, KeyedResult)
    assert list(infos) == [FILE_A]
    assert infos[FILE_A].content_type == "video/mp4"
    bad = infos.invalid[FILE_B]
    assert isinstance(bad, InvalidEntry)
    assert bad.location == FILE_B
    assert bad.problem.startswith("size:")
    assert "many" not in bad.problem
    assert "many" not in repr(bad)
    assert bad.raw == {"id": FILE_B, "status": 200, "name": "b.mp4", "size": "many"}


def test_file_info_content_type_false_loses_nothing(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    """The issue's case: entry b carries `"content_type": false`."""
    add_json(
        rsps,
        "/file/info",
        {
            FILE_A: {"id": FILE_A, "status": 200, "name": "a", "size": 1, "type": "video/mp4"},
            FILE_B: {"id": FILE_B, "status": 200, "name": "b", "size": 2, "content_type": False},
        },
    )
    infos = client.files.info([FILE_A, FILE_B])
    assert infos[FILE_A].content_type == "video/mp4"
    assert infos[FILE_B].content_type is None
    assert infos.invalid == {}


def test_invalid_entries_are_logged(
    client: Streamtape, rsps: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    add_json(rsps, "/file/info", [{"id": FILE_A}, {"name": "no id"}])
    with caplog.at_level(logging.WARNING, logger="streamtape_sdk"):
        infos = client.files.info([FILE_A, FILE_B])
    assert list(infos) == [FILE_A]
    assert list(infos.invalid) == ["[1]"]
    assert "/file/info: skipped entry [1]" in caplog.text


def test_file_info_batches_merge_invalid_entries(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    ids = [f"{i:015d}" for i in range(51)]
    add_json(rsps, "/file/info", {ids[0]: {"id": ids[0], "size": "x"}})
    add_json(rsps, "/file/info", {ids[50]: {"id": 50}})
    infos = client.files.info(ids)
    assert list(infos) == [ids[50]]
    assert infos[ids[50]].id == "50"
    assert list(infos.invalid) == [ids[0]]


def test_remote_list_keeps_good_entries(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/remotedl/status", {"good": STATUS_GOOD, "bad": {"id": "bad"}})
    statuses = client.remote.list()
    assert list(statuses) == ["good"]
    assert statuses.invalid["bad"].problem.startswith("status:")


def test_remote_status_picks_its_entry_out_of_every_upload(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    """N2: an unknown id gets every upload of the account; absent means not found."""
    add_json(rsps, "/remotedl/status", {"other1": {**STATUS_GOOD, "id": "other1"}})
    with pytest.raises(NotFoundError, match="'mine'"):
        client.remote.status("mine")
    add_json(rsps, "/remotedl/status", {"x": {**STATUS_GOOD, "id": "mine"}, "y": {"id": "y"}})
    assert client.remote.status("mine").id == "mine"


def test_folder_listing_keeps_good_entries(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(
        rsps,
        "/file/listfolder",
        {
            "folders": [{"id": 7, "name": "seven"}, {"name": "no id"}],
            "files": [FILE_ENTRY, {**FILE_ENTRY, "created_at": "yesterday"}],
        },
    )
    listing = client.folders.list()
    assert [f.id for f in listing.folders] == ["7"]
    assert [f.link_id for f in listing.files] == [FILE_A]
    assert [e.location for e in listing.invalid] == ["folders[1]", "files[1]"]
    assert "invalid" not in listing.model_dump()  # not a wire field


def test_walk_entries_carry_the_invalid_entries(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(rsps, "/file/listfolder", {"folders": [], "files": [FILE_ENTRY, {"size": 1}]})
    (entry,) = client.folders.walk()
    assert [f.name for f in entry.files] == ["clip.mp4"]
    assert [e.location for e in entry.invalid] == ["files[1]"]


def test_conversions_progress_is_a_percentage_on_the_wire(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    """N4/N5: progress is an int percentage; failed items have the running items' shape."""
    item = {"folderid": "0", "link": "l", "linkid": 5, "name": "a", "retries": 0, "status": "x"}
    add_json(
        rsps,
        "/file/runningconverts",
        [{**item, "progress": 45}, {**item, "progress": 0.5}, {**item, "retries": "a lot"}],
    )
    running = client.files.running_conversions()
    assert isinstance(running, ListResult)
    assert [c.progress for c in running] == [0.45, 0.5]
    assert running[0].link_id == "5"
    assert [e.location for e in running.invalid] == ["[2]"]
    add_json(rsps, "/file/failedconverts", [{**item, "progress": 100}])
    assert [c.progress for c in client.files.failed_conversions()] == [1.0]


# -- a wire key equal to a Python field name never bypasses the alias --------------------------


def test_wire_key_equal_to_a_field_name_does_not_bypass_its_alias() -> None:
    status = RemoteUploadStatus.model_validate(
        {"id": "r", "status": "finished", "extid": "realFileId0001", "file_id": "decoy"}
    )
    assert status.file_id == "realFileId0001"
    assert status.model_extra == {"file_id": "decoy"}
    file = FolderFile.model_validate({**FILE_ENTRY, "link_id": "decoy"})
    assert file.link_id == FILE_A
    ticket = DownloadTicket.model_validate({"ticket": "t", "captcha_width": 999, "captcha_w": 80})
    assert ticket.captcha_width == 80


def test_wire_key_equal_to_a_field_name_through_the_client(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(rsps, "/remotedl/status", {"r": {"id": "r", "status": "new", "file_id": "decoy"}})
    assert client.remote.status("r").file_id is None


def test_python_names_still_build_models() -> None:
    status = RemoteUploadStatus(id="r", status="new", file_id="f", link_id="l")
    assert (status.file_id, status.link_id) == ("f", "l")
    by_name = RemoteUploadStatus.model_validate(
        {"id": "r", "status": "x", "file_id": "f"}, by_name=True
    )
    assert by_name.file_id == "f"


# -- N1, N6, N12: remote status and upload reply fields ----------------------------------------


def test_linkid_is_link_id_and_file_id_falls_back_to_it() -> None:
    before = RemoteUploadStatus.model_validate({**STATUS_GOOD, "linkid": False})
    assert before.link_id is None
    assert before.file_id is None
    after = RemoteUploadStatus.model_validate(
        {**STATUS_GOOD, "status": "finished", "linkid": FILE_A}
    )
    assert after.link_id == FILE_A
    assert after.file_id == FILE_A
    both = RemoteUploadStatus.model_validate({**STATUS_GOOD, "linkid": FILE_A, "extid": FILE_B})
    assert both.file_id == FILE_B


def test_truncated_finished_transfer_reports_its_true_progress() -> None:
    status = RemoteUploadStatus.model_validate(
        {**STATUS_GOOD, "status": "finished", "bytes_loaded": 40, "bytes_total": 100}
    )
    assert status.is_finished
    assert status.is_truncated
    assert not status.is_complete
    assert status.progress == 0.4
    whole = RemoteUploadStatus.model_validate(
        {**STATUS_GOOD, "status": "finished", "bytes_loaded": 100, "bytes_total": 100}
    )
    assert whole.is_complete
    assert whole.progress == 1.0
    unknown = RemoteUploadStatus.model_validate(
        {**STATUS_GOOD, "status": "finished", "bytes_loaded": None, "bytes_total": None}
    )
    assert unknown.is_complete
    assert unknown.progress == 1.0


def test_stored_name_comes_from_the_page_link() -> None:
    status = RemoteUploadStatus.model_validate(
        {
            **STATUS_GOOD,
            "status": "finished",
            "url": f"https://streamtape.com/v/{FILE_A}/My%20clip.mp4",
        }
    )
    assert status.name == "My clip.mp4"


def test_upload_reply_without_id_takes_it_from_the_url() -> None:
    """N6: all six fields are strings; a reply lacking `id` names the file in `url`."""
    reply = {
        "name": "a.mp4",
        "size": "162",
        "sha256": "0" * 64,
        "content_type": "video/mp4",
        "url": f"https://streamtape.com/v/{FILE_A}/a.mp4",
    }
    uploaded = UploadedFile.model_validate(reply)
    assert (uploaded.id, uploaded.size) == (FILE_A, 162)
    assert UploadedFile.model_validate({**reply, "id": False}).id == FILE_A
    with pytest.raises(pydantic.ValidationError):
        UploadedFile.model_validate({**reply, "url": "https://streamtape.com/"})


def test_captcha_ticket_fields() -> None:
    """N10: a ticket can carry `captcha_url`, `captcha_w`, `captcha_h`."""
    plain = DownloadTicket.model_validate(
        {
            "ticket": "t",
            "wait_time": 5,
            "captcha_url": False,
            "captcha_w": False,
            "captcha_h": False,
        }
    )
    assert not plain.requires_captcha
    assert (plain.captcha_url, plain.captcha_width, plain.captcha_height) == (None, None, None)
    ticket = DownloadTicket.model_validate(
        {
            "ticket": "t",
            "captcha_url": "https://streamtape.com/captcha/x.png",
            "captcha_w": "120",
            "captcha_h": 40,
        }
    )
    assert ticket.requires_captcha
    assert (ticket.captcha_width, ticket.captcha_height) == (120, 40)


# -- 2. null results mean what the service means -----------------------------------------------

EMPTY_LISTING: dict[str, object] = {"folders": [], "files": []}

#: path -> (the call, the replies after the null one, what the null must come out as).
#: Per endpoint: the call, the replies that follow the null (built when the test runs, so
#: "added" timestamps are fresh however long the suite has run), and the expected outcome.
NULL_RESULTS: dict[
    str, tuple[Callable[[Streamtape], object], Callable[[], list[tuple[str, object]]], Any]
] = {
    "/file/dlticket": (lambda c: c.files.get_download_ticket(FILE_A), list, NotFoundError),
    "/file/dl": (lambda c: c.files.get_download_link(FILE_A, "t"), list, NotFoundError),
    "/file/getsplash": (lambda c: c.files.thumbnail_url(FILE_A), list, NotFoundError),
    "/file/info": (lambda c: c.files.info(FILE_A), list, {}),
    "/remotedl/status": (lambda c: c.remote.list(), list, {}),
    "/file/listfolder": (lambda c: c.folders.list().files, list, []),
    "/file/runningconverts": (lambda c: c.files.running_conversions(), list, []),
    "/file/failedconverts": (lambda c: c.files.failed_conversions(), list, []),
    "/file/rename": (lambda c: c.files.rename(FILE_A, "n"), list, ResponseFormatError),
    "/file/move": (lambda c: c.files.move(FILE_A, "f"), list, ResponseFormatError),
    "/file/delete": (lambda c: c.files.delete(FILE_A), list, ResponseFormatError),
    "/file/renamefolder": (lambda c: c.folders.rename("f", "n"), list, ResponseFormatError),
    "/file/deletefolder": (lambda c: c.folders.delete("f"), list, ResponseFormatError),
    "/remotedl/remove": (lambda c: c.remote.remove("r"), list, ResponseFormatError),
    "/account/info": (lambda c: c.account.info(), list, ResponseFormatError),
    "/file/ul": (lambda c: c.files.get_upload_url(), list, ResponseFormatError),
    # Non-idempotent calls: the null may hide a success; the listing decides.
    "/file/createfolder": (
        lambda c: c.folders.create("n"),
        lambda: [("/file/listfolder", {"folders": [{"id": "newF", "name": "n"}], "files": []})],
        CreatedFolder.model_validate({"folderid": "newF"}),
    ),
    "/remotedl/add": (
        lambda c: c.remote.add("https://cdn.example.org/a.mp4"),
        lambda: [
            (
                "/remotedl/status",
                {
                    "r": {
                        **STATUS_GOOD,
                        "id": "r",
                        "remoteurl": "https://cdn.example.org/a.mp4",
                        "added": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
                    }
                },
            )
        ],
        RemoteUpload.model_validate({"id": "r", "folderid": "0"}),
    ),
}


@pytest.mark.parametrize("path", list(NULL_RESULTS))
def test_null_result_means_what_the_service_means(
    client: Streamtape, rsps: responses.RequestsMock, path: str
) -> None:
    call, replies, expected = NULL_RESULTS[path]
    then = replies()
    add_json(rsps, path, None)
    for next_path, result in then:
        add_json(rsps, next_path, result)
    if isinstance(expected, type) and issubclass(expected, Exception):
        with pytest.raises(expected) as caught:
            call(client)
        if expected is NotFoundError:
            assert FILE_A in str(caught.value)
            assert "upgrade" not in str(caught.value)
    else:
        assert call(client) == expected
    assert len(rsps.calls) == 1 + len(then)


def test_remote_status_null_is_not_found(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/remotedl/status", None)
    with pytest.raises(NotFoundError):
        client.remote.status("r")


def test_create_folder_null_and_nothing_found_is_outcome_unknown(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(rsps, "/file/createfolder", None)
    add_json(rsps, "/file/listfolder", EMPTY_LISTING)
    with pytest.raises(OutcomeUnknownError, match="look for a folder named 'n'"):
        client.folders.create("n")
