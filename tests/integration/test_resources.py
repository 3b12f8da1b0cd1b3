"""Every resource method against the emulator: the happy path, wrong credentials, unknown ids."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

import pytest

from streamtape_sdk import (
    AccountInfo,
    NotFoundError,
    PermissionDeniedError,
    Streamtape,
)
from streamtape_sdk.testing import FakeStreamtape

UNKNOWN_FILE = "zzzzzzzzzzzzzzz"
UNKNOWN_FOLDER = "zzzzzzzzzzz"


def test_account_info(client: Streamtape, fake_streamtape: FakeStreamtape) -> None:
    info = client.account.info()
    assert isinstance(info, AccountInfo)
    assert info.api_id == fake_streamtape.login
    assert info.signup_at.tzinfo is timezone.utc


def test_folder_lifecycle(client: Streamtape, fake_streamtape: FakeStreamtape) -> None:
    parent = client.folders.create("Holidays & Trips").folder_id
    child = client.folders.create("2026/summer", parent=parent).folder_id
    root = client.folders.list()
    assert [(f.id, f.name) for f in root.folders] == [(parent, "Holidays & Trips")]
    assert [f.name for f in client.folders.list(parent).folders] == ["2026/summer"]
    client.folders.rename(child, "été 2026")
    assert {f.name for f in fake_streamtape.folders()} == {"Holidays & Trips", "été 2026"}
    client.folders.delete(parent)
    assert fake_streamtape.folders() == []
    assert client.folders.list().folders == []


def test_file_management(client: Streamtape, fake_streamtape: FakeStreamtape) -> None:
    folder = fake_streamtape.add_folder("Dest")
    file_id = fake_streamtape.add_file("clip.mp4", b"x" * 1234)
    listing = client.folders.list()
    (entry,) = listing.files
    assert (entry.link_id, entry.name, entry.size) == (file_id, "clip.mp4", 1234)
    assert isinstance(entry.created_at, datetime)
    assert entry.created_at.tzinfo is timezone.utc

    info = client.files.info(file_id)[file_id]
    assert (info.exists, info.name, info.size, info.converted) == (True, "clip.mp4", 1234, True)
    assert info.thumb is not None

    client.files.rename(file_id, "renamed name & co=1.mp4")
    client.files.move(file_id, folder)
    assert fake_streamtape.file(file_id).name == "renamed name & co=1.mp4"
    assert fake_streamtape.file(file_id).folder_id == folder
    assert client.files.thumbnail_url(file_id).startswith(fake_streamtape.base_url)
    client.files.delete(file_id)
    assert fake_streamtape.files() == []


def test_info_reports_missing_files_per_entry(
    client: Streamtape, fake_streamtape: FakeStreamtape
) -> None:
    file_id = fake_streamtape.add_file("a.mp4", b"abc")
    infos = client.files.info([file_id, UNKNOWN_FILE])
    assert infos[file_id].exists
    missing = infos[UNKNOWN_FILE]
    assert (missing.exists, missing.status, missing.name, missing.size) == (False, 404, None, 0)


def test_info_batches_more_ids_than_one_call_takes(
    client: Streamtape, fake_streamtape: FakeStreamtape
) -> None:
    ids = [fake_streamtape.add_file(f"f{i}.bin", b"1") for i in range(120)]
    infos = client.files.info(ids)
    assert set(infos) == set(ids)
    assert fake_streamtape.calls("/file/info") == 3  # 50 + 50 + 20


def test_download_ticket_and_link(client: Streamtape, fake_streamtape: FakeStreamtape) -> None:
    client._transport.sleep = time.sleep  # this test needs the real wait
    fake_streamtape.set_wait_time(1)
    file_id = fake_streamtape.add_file("movie.mp4", b"0123456789")
    ticket = client.files.get_download_ticket(file_id)
    assert ticket.wait_time == 1
    # A bare string is sent at once: too early, the API refuses.
    with pytest.raises(PermissionDeniedError, match="wait"):
        client.files.get_download_link(file_id, ticket.ticket)
    link = client.files.get_download_link(file_id, ticket)  # waits out the ticket itself
    assert (link.name, link.size) == ("movie.mp4", 10)


def test_conversions(client: Streamtape, fake_streamtape: FakeStreamtape) -> None:
    running = fake_streamtape.add_file("slow.mp4", b"a", converted=False)
    failed = fake_streamtape.add_file("bad.mp4", b"b", fail_conversion=True)
    assert [c.link_id for c in client.files.running_conversions()] == [running, failed]
    fake_streamtape.finish_conversions()
    assert client.files.running_conversions() == []
    (conversion,) = client.files.failed_conversions()
    assert (conversion.link_id, conversion.folder_id) == (failed, None)


def test_remote_upload_lifecycle(client: Streamtape, fake_streamtape: FakeStreamtape) -> None:
    source = fake_streamtape.add_file("source.bin", b"r" * 5000)
    link = client.files.get_download_link(source, client.files.get_download_ticket(source))
    folder = client.folders.create("Remote").folder_id
    job = client.remote.add(link.url, folder=folder, name="copy.bin", headers={"X-A": "1"})
    assert job.folder_id == folder
    done = client.remote.wait(job, poll_interval=0.05, timeout=30)
    assert done.is_finished
    assert done.file_id is not None
    # The source names itself (Content-Disposition) and the service ignores `name` (§5.6
    # N11): wait renames the stored file to the requested name and says so.
    assert fake_streamtape.file(done.file_id).name == "copy.bin"
    assert (done.name, done.renamed_from) == ("copy.bin", "source.bin")
    assert fake_streamtape.file(done.file_id).folder_id == folder
    assert job.id in client.remote.list()
    assert client.remote.status(job.id).bytes_loaded == 5000
    client.remote.remove(job.id)
    with pytest.raises(NotFoundError):
        client.remote.status(job.id)
    second = client.remote.add(link.url)
    client.remote.remove_all()
    assert second.id not in client.remote.list()


def test_walk_visits_the_tree_top_down(client: Streamtape, fake_streamtape: FakeStreamtape) -> None:
    a = fake_streamtape.add_folder("a")
    b = fake_streamtape.add_folder("b", parent=a)
    fake_streamtape.add_folder("c")
    fake_streamtape.add_file("top.txt", b"1")
    fake_streamtape.add_file("deep.txt", b"22", folder=b)
    walked = [(e.path, e.folder_id, [f.name for f in e.files]) for e in client.folders.walk()]
    assert walked == [
        ("", None, ["top.txt"]),
        ("a", a, []),
        ("a/b", b, ["deep.txt"]),
        ("c", walked[3][1], []),
    ]
    # Pruning like os.walk: removing a subfolder from the entry skips it.
    paths = []
    for entry in client.folders.walk():
        paths.append(entry.path)
        entry.folders[:] = [f for f in entry.folders if f.name != "a"]
    assert paths == ["", "c"]


CALLS: dict[str, Callable[[Streamtape], object]] = {
    "account.info": lambda c: c.account.info(),
    "files.get_download_ticket": lambda c: c.files.get_download_ticket(UNKNOWN_FILE),
    "files.info": lambda c: c.files.info(UNKNOWN_FILE),
    "files.get_upload_url": lambda c: c.files.get_upload_url(),
    "files.rename": lambda c: c.files.rename(UNKNOWN_FILE, "x"),
    "files.move": lambda c: c.files.move(UNKNOWN_FILE, UNKNOWN_FOLDER),
    "files.delete": lambda c: c.files.delete(UNKNOWN_FILE),
    "files.thumbnail_url": lambda c: c.files.thumbnail_url(UNKNOWN_FILE),
    "files.running_conversions": lambda c: c.files.running_conversions(),
    "files.failed_conversions": lambda c: c.files.failed_conversions(),
    "remote.add": lambda c: c.remote.add("http://127.0.0.1:9/x"),
    "remote.remove": lambda c: c.remote.remove(UNKNOWN_FOLDER),
    "remote.status": lambda c: c.remote.status(UNKNOWN_FOLDER),
    "remote.list": lambda c: c.remote.list(),
    "folders.list": lambda c: c.folders.list(UNKNOWN_FOLDER),
    "folders.create": lambda c: c.folders.create("x"),
    "folders.rename": lambda c: c.folders.rename(UNKNOWN_FOLDER, "x"),
    "folders.delete": lambda c: c.folders.delete(UNKNOWN_FOLDER),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_wrong_credentials_are_permission_denied(
    name: str, wrong_key_client: Streamtape, fake_streamtape: FakeStreamtape
) -> None:
    with pytest.raises(PermissionDeniedError) as raised:
        CALLS[name](wrong_key_client)
    assert raised.value.status == 403
    assert "WrongKey0000000" not in str(raised.value)
    assert fake_streamtape.files() == []
    assert fake_streamtape.folders() == []


UNKNOWN_ID_CALLS = [
    "files.get_download_ticket",
    "files.rename",
    "files.move",
    "files.delete",
    "files.thumbnail_url",
    "remote.remove",
    "remote.status",
    "folders.list",
    "folders.rename",
    "folders.delete",
]


@pytest.mark.parametrize("name", UNKNOWN_ID_CALLS)
def test_unknown_ids_are_not_found(name: str, client: Streamtape) -> None:
    with pytest.raises(NotFoundError) as raised:
        CALLS[name](client)
    assert raised.value.status == 404
