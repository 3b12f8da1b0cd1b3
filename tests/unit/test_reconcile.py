"""Ambiguous outcomes never cause duplicates: after a lost or unreadable reply, the upload POST,
`remote.add` and `folders.create` look for their result instead of failing (or being
repeated); `OutcomeUnknownError` when they cannot tell (streamtape-api.md §5.6 N6, N8)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
import requests
import responses

from streamtape_sdk import (
    APIConnectionError,
    OutcomeUnknownError,
    PermissionDeniedError,
    Streamtape,
    StreamtapeError,
    Timeout,
    UploadedFile,
)
from tests.fakes import FakeSleep
from tests.unit.conftest import BASE_URL, KEY, LOGIN, add_json, envelope, url

UPLOAD_AT = "https://up.example.test/ul/one-time-token"
FOLDER = "Fo1derId001"
PAYLOAD = b"reconciled payload " * 10
NEW_ID = "NewF1le0000001a"
SOURCE = "https://cdn.example.org/movie.mp4"


def now_ms(offset: timedelta = timedelta()) -> int:
    return int((datetime.now(timezone.utc) + offset).timestamp() * 1000)


def listed(name: str, size: int, file_id: str, created: int | None = None) -> dict[str, object]:
    return {
        "name": name,
        "size": size,
        "link": f"https://streamtape.com/v/{file_id}/{name}",
        "created_at": now_ms() if created is None else created,
        "downloads": 0,
        "linkid": file_id,
        "convert": "pending",
    }


def add_upload_url(rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/file/ul", {"url": UPLOAD_AT, "valid_until": "2030-01-01 00:00:00"})


def upload(client: Streamtape, name: str = "clip.bin") -> UploadedFile:
    return client.files.upload(io.BytesIO(PAYLOAD), folder=FOLDER, name=name, sha256=False)


def paths(rsps: responses.RequestsMock) -> list[str]:
    return [str(c.request.url).split("?")[0] for c in rsps.calls]


LOST_REPLIES: dict[str, object] = {
    "read-timeout": requests.exceptions.ReadTimeout("no reply"),
    "dropped": requests.exceptions.ConnectionError("Connection aborted: RemoteDisconnected"),
    "chunked": requests.exceptions.ChunkedEncodingError("broken"),
}


@pytest.mark.parametrize("lost", LOST_REPLIES.values(), ids=LOST_REPLIES.keys())
def test_upload_with_a_lost_reply_finds_the_stored_file(
    client: Streamtape, rsps: responses.RequestsMock, lost: Exception
) -> None:
    add_upload_url(rsps)
    rsps.post(UPLOAD_AT, body=lost)
    add_json(
        rsps,
        "/file/listfolder",
        {
            "folders": [],
            "files": [
                listed("other.bin", len(PAYLOAD), "0therF1le000001"),
                listed("clip.bin", len(PAYLOAD) + 1, "Wr0ngS1ze000001"),
                listed("clip.bin", len(PAYLOAD), NEW_ID),
            ],
        },
    )
    uploaded = upload(client)
    assert (uploaded.id, uploaded.name, uploaded.size, uploaded.reconciled) == (
        NEW_ID,
        "clip.bin",
        len(PAYLOAD),
        True,
    )
    assert paths(rsps) == [url("/file/ul"), UPLOAD_AT, url("/file/listfolder")]
    assert f"folder={FOLDER}" in str(rsps.calls[-1].request.url)


def test_upload_lost_and_not_found_is_outcome_unknown(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_upload_url(rsps)
    rsps.post(UPLOAD_AT, body=requests.exceptions.ReadTimeout("no reply"))
    old = now_ms(-timedelta(days=2))  # an older file of the same name and size is not ours
    add_json(rsps, "/file/listfolder", {"files": [listed("clip.bin", len(PAYLOAD), "0ld", old)]})
    with pytest.raises(OutcomeUnknownError) as caught:
        upload(client)
    error = caught.value
    assert not isinstance(error, APIConnectionError)
    assert error.endpoint == "upload"
    message = str(error)
    assert f"list folder {FOLDER} and look for a file named 'clip.bin' of {len(PAYLOAD)} bytes" in (
        message
    )
    assert "Do not simply repeat it" in message
    assert "Before trying again" in message
    assert KEY not in message
    assert "try again" not in message.lower()
    assert len([p for p in paths(rsps) if p == UPLOAD_AT]) == 1  # never uploaded twice


def test_upload_with_several_candidates_is_outcome_unknown(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_upload_url(rsps)
    rsps.post(UPLOAD_AT, body=requests.exceptions.ReadTimeout("no reply"))
    files = [
        listed("clip.bin", len(PAYLOAD), "Cand1dateA00001"),
        listed("clip.bin", len(PAYLOAD), "Cand1dateB00001"),
    ]
    add_json(rsps, "/file/listfolder", {"files": files})
    with pytest.raises(OutcomeUnknownError, match="Cand1dateA00001, Cand1dateB00001"):
        upload(client)


def test_upload_lookup_failure_is_outcome_unknown(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_upload_url(rsps)
    rsps.post(UPLOAD_AT, body=requests.exceptions.ReadTimeout("no reply"))
    add_json(rsps, "/file/listfolder", status=403, msg="Forbidden")
    with pytest.raises(OutcomeUnknownError, match="looking for the result failed too") as caught:
        upload(client)
    assert isinstance(caught.value.__cause__, APIConnectionError)


def test_upload_refusal_is_not_reconciled(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_upload_url(rsps)
    rsps.post(UPLOAD_AT, json=envelope(status=403, msg="upload URL expired"))
    with pytest.raises(PermissionDeniedError) as caught:
        upload(client)
    assert "upload URL" in caught.value.hint
    assert paths(rsps) == [url("/file/ul"), UPLOAD_AT]


def test_upload_reply_without_id_uses_the_url(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    """N6: the reply's fields are strings, and `id` may be missing."""
    add_upload_url(rsps)
    reply = {
        "name": "clip.bin",
        "size": str(len(PAYLOAD)),
        "sha256": "",
        "content_type": "application/octet-stream",
        "url": f"https://streamtape.com/v/{NEW_ID}/clip.bin",
    }
    rsps.post(UPLOAD_AT, json=envelope(reply))
    uploaded = upload(client)
    assert uploaded.id == NEW_ID
    assert uploaded.reconciled is False
    assert len(rsps.calls) == 2  # no listing needed


@pytest.mark.parametrize("reply", [None, {"name": "clip.bin", "size": "1"}, {"status": "ok"}])
def test_upload_success_without_an_id_lists_the_folder(
    client: Streamtape, rsps: responses.RequestsMock, reply: object
) -> None:
    add_upload_url(rsps)
    rsps.post(UPLOAD_AT, json=envelope(reply))
    add_json(rsps, "/file/listfolder", {"files": [listed("clip.bin", len(PAYLOAD), NEW_ID)]})
    uploaded = upload(client)
    assert uploaded.id == NEW_ID
    assert uploaded.reconciled is True


def test_upload_success_without_an_id_not_found_says_it_may_be_stored(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_upload_url(rsps)
    rsps.post(UPLOAD_AT, json=envelope({"name": "clip.bin"}))
    add_json(rsps, "/file/listfolder", {"files": []})
    with pytest.raises(OutcomeUnknownError, match="answered success without the new file's id"):
        upload(client)


def test_upload_reply_wait_is_the_upload_reply_timeout(rsps: responses.RequestsMock) -> None:
    timeout = Timeout(connect=2.0, read=3.0, upload_reply=77.0)
    with Streamtape(LOGIN, KEY, base_url=BASE_URL, timeout=timeout) as client:
        for per_call in (None, 5.0, 500.0):
            add_upload_url(rsps)
            rsps.post(
                UPLOAD_AT, json=envelope({"id": NEW_ID, "name": "a", "size": "3", "url": "u"})
            )
            client.files.upload(io.BytesIO(b"abc"), name="a", sha256=False, timeout=per_call)
            sent = rsps.calls[-1].request.req_kwargs["timeout"]  # type: ignore[attr-defined]
            connect = 2.0 if per_call is None else per_call
            assert sent == (connect, max(77.0, per_call or 0.0))
            # The /file/ul call keeps the per-call (or read) timeout.
            ul = rsps.calls[-2].request.req_kwargs["timeout"]  # type: ignore[attr-defined]
            assert ul == ((2.0, 3.0) if per_call is None else per_call)


# -- remote.add and folders.create --------------------------------------------------------------


def remote_entry(upload_id: str, source: str, added: datetime) -> dict[str, object]:
    return {
        "id": upload_id,
        "remoteurl": source,
        "status": "new",
        "bytes_loaded": None,
        "bytes_total": None,
        "folderid": FOLDER,
        "added": added.strftime("%Y-%m-%d %H:%M:%S"),
        "last_update": added.strftime("%Y-%m-%d %H:%M:%S"),
        "extid": False,
        "url": False,
    }


def test_remote_add_with_a_lost_reply_finds_the_job(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    rsps.get(url("/remotedl/add"), body=requests.exceptions.ReadTimeout("no reply"))
    fresh = datetime.now(timezone.utc)
    add_json(
        rsps,
        "/remotedl/status",
        {
            "a": remote_entry("OtherJob001", "https://cdn.example.org/other.mp4", fresh),
            "b": remote_entry("OldJob00001", SOURCE, fresh - timedelta(days=3)),
            "c": remote_entry("OurJob00001", SOURCE, fresh),
        },
    )
    job = client.remote.add(SOURCE, folder=FOLDER, name="movie.mp4")
    assert (job.id, job.folder_id, job.requested_name) == ("OurJob00001", FOLDER, "movie.mp4")
    assert paths(rsps) == [url("/remotedl/add"), url("/remotedl/status")]


def test_remote_add_not_found_is_outcome_unknown(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    rsps.get(url("/remotedl/add"), body=requests.exceptions.ReadTimeout("no reply"))
    add_json(rsps, "/remotedl/status", {})
    with pytest.raises(OutcomeUnknownError) as caught:
        client.remote.add(SOURCE)
    message = str(caught.value)
    assert caught.value.endpoint == "/remotedl/add"
    assert "list the remote uploads and look for one of this URL" in message
    assert "timeout=" in message
    assert "try again" not in message.lower()  # the advice that would create a duplicate


def test_folder_create_with_a_lost_reply_finds_the_folder(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    rsps.get(url("/file/createfolder"), body=requests.exceptions.ReadTimeout("no reply"))
    add_json(
        rsps,
        "/file/listfolder",
        {
            "folders": [
                {"id": "SomeOther01", "name": "x"},
                {"id": "Created0001", "name": "Holidays"},
            ]
        },
    )
    created = client.folders.create("Holidays", parent=FOLDER)
    assert created.folder_id == "Created0001"
    assert f"folder={FOLDER}" in str(rsps.calls[-1].request.url)


def test_folder_create_with_duplicates_is_outcome_unknown(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    rsps.get(url("/file/createfolder"), body=requests.exceptions.ReadTimeout("no reply"))
    twins = [{"id": "Twin0000001", "name": "H"}, {"id": "Twin0000002", "name": "H"}]
    add_json(rsps, "/file/listfolder", {"folders": twins})
    with pytest.raises(OutcomeUnknownError, match="Twin0000001, Twin0000002") as caught:
        client.folders.create("H")
    assert "look for a folder named 'H'" in str(caught.value)


def test_outcome_unknown_is_not_a_connection_error() -> None:
    assert not issubclass(OutcomeUnknownError, APIConnectionError)
    assert issubclass(OutcomeUnknownError, StreamtapeError)


def test_reconciliation_does_not_back_off(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    rsps.get(url("/file/createfolder"), body=requests.exceptions.ReadTimeout("no reply"))
    add_json(rsps, "/file/listfolder", {"folders": [{"id": "Created0001", "name": "n"}]})
    client.folders.create("n")
    assert fake_sleep.calls == []
