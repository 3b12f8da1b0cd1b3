"""Lifecycle, seeding helpers, conversions, thread safety, the CLI and the pytest fixtures."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from streamtape_sdk.testing import FakeStreamtape, StoredFile
from tests.emulator.emulator_helpers import Api


def test_lifecycle_start_stop_idempotent_and_cleans_storage() -> None:
    fake = FakeStreamtape(login="mylogin", key="mykey")
    with pytest.raises(RuntimeError, match="not running"):
        _ = fake.base_url
    fake.start()
    fake.start()
    storage = fake.storage_dir
    file_id = fake.add_file("a.bin", b"abc")
    assert fake.file_path(file_id).is_relative_to(storage)
    url = fake.base_url
    assert requests.get(f"{url}/account/info?login=mylogin&key=mykey", timeout=5).ok
    fake.stop()
    fake.stop()
    assert not storage.exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/account/info", timeout=2)
    with pytest.raises(RuntimeError, match="restarted"):
        fake.start()


def test_given_storage_dir_is_kept(tmp_path: Path) -> None:
    with FakeStreamtape(storage_dir=tmp_path) as fake:
        file_id = fake.add_file("a.bin", b"abc")
        assert fake.file_path(file_id).parent == tmp_path / "files"
    assert (tmp_path / "files" / file_id).read_bytes() == b"abc"


def test_invalid_options() -> None:
    with pytest.raises(ValueError, match="error_http_status"):
        FakeStreamtape(error_http_status="404")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="wait_time"):
        FakeStreamtape(wait_time=-1)


def test_seeding_helpers(fake: FakeStreamtape, tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(os.urandom(600_000))
    folder = fake.add_folder("f")
    from_path = fake.add_file("copy.bin", source, folder)
    from_text = fake.add_file("notes.txt", "héllo")
    assert fake.file_bytes(from_path) == source.read_bytes()
    assert fake.file_bytes(from_text) == "héllo".encode()
    snap = fake.file(from_path)
    assert isinstance(snap, StoredFile)
    assert snap.size == 600_000
    assert snap.folder_id == folder
    assert snap.created_at.tzinfo is not None
    assert [d.name for d in fake.folders()] == ["f"]
    with pytest.raises(KeyError):
        fake.add_folder("x", parent="nope")
    with pytest.raises(KeyError):
        fake.add_file("x", b"", folder="nope")
    with pytest.raises(KeyError):
        fake.file_bytes("nope")
    with pytest.raises(ValueError, match="blank"):
        fake.add_file(" ", b"")


def test_conversions_progress_and_fail(api: Api, fake: FakeStreamtape) -> None:
    ok = fake.add_file("ok.mp4", b"1", converted=False)
    bad = fake.add_file("bad.mp4", b"2", fail_conversion=True)
    first = {c["linkid"]: c for c in api.ok("file/runningconverts")}
    assert set(first) == {ok, bad}
    item = first[ok]
    assert set(item) == {"name", "folderid", "status", "progress", "retries", "link", "linkid"}
    assert item["folderid"] == "0"
    assert item["status"] == "new"
    assert item["progress"] == 0
    assert item["retries"] == 0
    assert item["link"] == f"https://streamtape.com/v/{ok}/ok.mp4"
    time.sleep(0.15)
    mid = {c["linkid"]: c for c in api.ok("file/runningconverts")}
    assert mid[ok]["status"] == "pending"
    # An integer percent, never a fraction (§5.6 N5).
    assert type(mid[ok]["progress"]) is int
    assert 0 < mid[ok]["progress"] < 100
    time.sleep(0.2)
    assert api.ok("file/runningconverts") == []
    failed = api.ok("file/failedconverts")
    assert [c["linkid"] for c in failed] == [bad]
    assert failed[0]["status"] == "failed"
    assert set(failed[0]) == set(item)
    info = api.ok("file/info", file=f"{ok},{bad}")
    assert info[ok]["converted"] is True
    assert info[bad]["converted"] is False
    listed = {f["linkid"]: f["convert"] for f in api.ok("file/listfolder")["files"]}
    # "failed" was never seen in listfolder (§5.6 N3): a failed conversion stays pending.
    assert listed == {ok: "converted", bad: "pending"}


def test_finish_conversions(api: Api, fake: FakeStreamtape) -> None:
    file_id = fake.add_file("a.mp4", b"1", converted=False)
    fake.finish_conversions()
    assert fake.file(file_id).converted
    assert api.ok("file/runningconverts") == []


def test_thread_safety_smoke(fake: FakeStreamtape) -> None:
    errors: list[BaseException] = []
    folder = fake.add_folder("shared")

    def worker(n: int) -> None:
        try:
            api = Api(fake)
            for i in range(10):
                api.ok("file/createfolder", name=f"t{n}-{i}", pid=folder)
                body = api.upload(f"{n}-{i}".encode(), name=f"{n}-{i}.mp4", folder=folder)
                assert body.json()["status"] == 200
                fake.add_file(f"seed-{n}-{i}", b"s", folder)
            api.session.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(fake.folders()) == 61
    assert len(fake.files()) == 120
    assert fake.calls("upload") == 60


def test_requests_log_never_holds_the_key(api: Api, fake: FakeStreamtape) -> None:
    api.ok("account/info")
    assert fake.key not in repr(fake.requests_log)
    assert fake.key not in repr(fake)
    fake.clear_requests_log()
    assert fake.requests_log == []


def _read_exports(proc: subprocess.Popen[str]) -> tuple[dict[str, str], Path]:
    """The ``export NAME=value`` lines (shell syntax) and the storage path printed."""
    assert proc.stdout is not None
    values: dict[str, str] = {}
    storage = Path()
    while "STREAMTAPE_KEY" not in values:
        line = proc.stdout.readline()
        assert line, "the emulator exited early"
        if line.startswith("# storage: "):
            storage = Path(line.removeprefix("# storage: ").strip())
        elif line.startswith("export "):
            (assignment,) = shlex.split(line.removeprefix("export "))
            name, _, value = assignment.partition("=")
            values[name] = value
    return values, storage


def _account(values: dict[str, str]) -> dict[str, object]:
    params = {"login": values["STREAMTAPE_LOGIN"], "key": values["STREAMTAPE_KEY"]}
    reply = requests.get(f"{values['STREAMTAPE_BASE_URL']}/account/info", params=params, timeout=5)
    body = reply.json()
    assert isinstance(body, dict)
    return body


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_main_prints_exports_and_cleans_up_on_signals(sig: signal.Signals) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamtape_sdk.testing", "--port", "0", "--wait-time", "3"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        values, storage = _read_exports(proc)
        assert _account(values)["status"] == 200
        assert storage.is_dir()
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
        assert not storage.exists()  # the temporary storage is removed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_fake_server_subcommand_keeps_state_in_storage_dir(tmp_path: Path) -> None:
    """`streamtape fake-server` takes the emulator's options and restarts with its state."""

    def run(*extra: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamtape_sdk", "fake-server", "--port", "0", *extra],
            stdout=subprocess.PIPE,
            text=True,
        )
        return proc, _read_exports(proc)[0]

    first, values = run("--storage-dir", str(tmp_path), "--login", "mylogin", "--key", "k3y")
    try:
        assert values["STREAMTAPE_LOGIN"] == "mylogin"
        params = {"login": "mylogin", "key": "k3y", "name": "kept"}
        created = requests.get(
            f"{values['STREAMTAPE_BASE_URL']}/file/createfolder", params=params, timeout=5
        ).json()["result"]["folderid"]
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=10) == 0
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
        if first.stdout is not None:
            first.stdout.close()
    assert (tmp_path / "state.json").is_file()

    second, again = run("--storage-dir", str(tmp_path))
    try:
        assert again["STREAMTAPE_KEY"] == "k3y"  # the saved credentials are kept
        listing = requests.get(
            f"{again['STREAMTAPE_BASE_URL']}/file/listfolder",
            params={"login": "mylogin", "key": "k3y"},
            timeout=5,
        ).json()["result"]
        assert listing["folders"] == [{"id": created, "name": "kept"}]
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=10) == 0
    finally:
        if second.poll() is None:
            second.kill()
            second.wait()
        if second.stdout is not None:
            second.stdout.close()
    assert tmp_path.is_dir()  # a given storage dir is never removed


def test_storage_dir_round_trip_in_process(tmp_path: Path) -> None:
    with FakeStreamtape(storage_dir=tmp_path) as fake:
        folder = fake.add_folder("f")
        file_id = fake.add_file("a.mp4", b"abc", folder=folder, converted=False)
        login = fake.login
    with FakeStreamtape(storage_dir=tmp_path, key="new-key") as fake:
        assert (fake.login, fake.key) == (login, "new-key")
        assert [d.id for d in fake.folders()] == [folder]
        assert fake.file_bytes(file_id) == b"abc"
        assert fake.file(file_id).folder_id == folder
    (tmp_path / "state.json").write_text("{not json")
    with pytest.raises(ValueError, match="cannot read emulator state"):
        FakeStreamtape(storage_dir=tmp_path)


def test_plugin_fixture_fake_streamtape(fake_streamtape: FakeStreamtape) -> None:
    response = requests.get(
        f"{fake_streamtape.base_url}/account/info",
        params={"login": fake_streamtape.login, "key": fake_streamtape.key},
        timeout=5,
    )
    assert response.json()["result"]["apiid"] == fake_streamtape.login


def test_plugin_fixture_streamtape_client(
    fake_streamtape: FakeStreamtape, streamtape_client: object
) -> None:
    from streamtape_sdk import Streamtape

    assert isinstance(streamtape_client, Streamtape)
    assert streamtape_client.account.info().api_id == fake_streamtape.login


def test_package_and_plugin_import_without_werkzeug() -> None:
    code = (
        "import sys; sys.modules['werkzeug'] = None\n"
        "import streamtape_sdk.testing.pytest_plugin\n"
        "from streamtape_sdk.testing import FakeStreamtape\n"
        "fake = FakeStreamtape()\n"
        "try:\n"
        "    fake.start()\n"
        "except ImportError as exc:\n"
        "    print('needs werkzeug' if 'testing' in str(exc) else exc)\n"
        "fake.stop()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert out.stdout.strip() == "needs werkzeug"
