"""Every command against the emulator, in human and in `--json` form."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from streamtape_sdk import RetryPolicy
from streamtape_sdk.testing import FakeStreamtape
from streamtape_sdk.transfers import state_paths

from .clitools import Runner

pytestmark = pytest.mark.usefixtures("env")


def _obj(value: object) -> dict[str, Any]:
    assert isinstance(value, dict)
    return value


def _arr(value: object) -> list[Any]:
    assert isinstance(value, list)
    return value


# -- account ------------------------------------------------------------------------------


def test_account_human(run: Runner, env: FakeStreamtape) -> None:
    result = run("account")
    assert result.code == 0
    assert "dev@example.com" in result.out
    assert "UTC" in result.out
    assert result.err == ""


def test_account_json(run: Runner, env: FakeStreamtape) -> None:
    data = _obj(run("account", "--json").json)
    assert data["email"] == "dev@example.com"
    # Python field names, not the wire's `apiid`; a secret field is masked, as in every dump
    assert data["api_id"] == "***"
    assert "api_id" in data
    assert data["signup_at"].endswith("Z") or "+00:00" in data["signup_at"]


# -- ls / tree ----------------------------------------------------------------------------


@pytest.fixture
def seeded(env: FakeStreamtape) -> dict[str, str]:
    """Root: folder Holidays (clip.mp4 4 KiB, sub/ with a.txt), and root.bin 3 MiB."""
    holidays = env.add_folder("Holidays")
    sub = env.add_folder("sub", holidays)
    return {
        "holidays": holidays,
        "sub": sub,
        "clip": env.add_file("clip.mp4", b"x" * 4096, holidays),
        "a": env.add_file("a.txt", b"hi", sub),
        "root": env.add_file("root.bin", b"z" * (3 * 1024 * 1024)),
    }


def test_ls_root_table(run: Runner, seeded: dict[str, str]) -> None:
    result = run("ls")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["NAME", "ID", "SIZE", "CREATED", "DOWNLOADS"]
    assert any(line.startswith("Holidays/") and seeded["holidays"] in line for line in lines)
    assert any("root.bin" in line and "3.0 MiB" in line for line in lines)
    assert lines[-1] == "1 folder, 1 file, 3.0 MiB"


def test_ls_folder_json(run: Runner, seeded: dict[str, str]) -> None:
    data = _obj(run("ls", seeded["holidays"], "--json").json)
    assert [f["name"] for f in data["folders"]] == ["sub"]
    (clip,) = data["files"]
    assert clip["link_id"] == seeded["clip"]
    assert clip["size"] == 4096


def test_ls_empty_folder(run: Runner, env: FakeStreamtape) -> None:
    assert run("ls").out.strip() == "(empty folder)"


def test_tree_draws_nested_folders(run: Runner, seeded: dict[str, str]) -> None:
    result = run("tree")
    assert result.code == 0
    out = result.out
    assert out.splitlines()[0] == "(root)"
    assert f"Holidays/  [{seeded['holidays']}]" in out
    assert "a.txt  2 B" in out
    # sub/ is drawn below Holidays/, one level deeper
    holidays_line = next(line for line in out.splitlines() if "Holidays/" in line)
    sub_line = next(line for line in out.splitlines() if "sub/" in line)
    assert sub_line.index("sub/") > holidays_line.index("Holidays/")
    assert "2 folders, 3 files" in out


def test_tree_json_lists_walk_entries(run: Runner, seeded: dict[str, str]) -> None:
    entries = _arr(run("tree", "--json").json)
    assert [e["path"] for e in entries] == ["", "Holidays", "Holidays/sub"]
    assert entries[0]["folder_id"] is None
    assert entries[2]["files"][0]["name"] == "a.txt"


def test_tree_of_a_subfolder(run: Runner, seeded: dict[str, str]) -> None:
    entries = _arr(run("tree", seeded["holidays"], "--json").json)
    assert [e["folder_id"] for e in entries] == [seeded["holidays"], seeded["sub"]]


# -- info ---------------------------------------------------------------------------------


def test_info_several_files(run: Runner, seeded: dict[str, str]) -> None:
    result = run("info", seeded["clip"], seeded["root"])
    assert result.code == 0
    assert "clip.mp4" in result.out
    assert "root.bin" in result.out
    assert "3.0 MiB" in result.out


def test_info_json_keyed_by_id(run: Runner, seeded: dict[str, str]) -> None:
    data = _obj(run("info", seeded["clip"], "--json").json)
    assert data[seeded["clip"]]["name"] == "clip.mp4"
    assert data[seeded["clip"]]["content_type"] == "video/mp4"


def test_info_missing_file_prints_table_then_fails(run: Runner, seeded: dict[str, str]) -> None:
    result = run("info", seeded["clip"], "NoSuchFile0000")
    assert result.code == 1
    assert "not found" in result.out
    assert result.assert_one_error_line() == "streamtape: error: not found: NoSuchFile0000"


# -- upload -------------------------------------------------------------------------------


def _random_file(directory: Path, name: str, size: int) -> Path:
    path = directory / name
    path.write_bytes(os.urandom(size))
    return path


def test_upload_into_folder(run: Runner, env: FakeStreamtape, tmp_path: Path) -> None:
    folder = env.add_folder("in")
    path = _random_file(tmp_path, "movie.bin", 300_000)
    result = run("upload", str(path), "--folder", folder)
    assert result.code == 0
    assert "movie.bin" in result.out
    assert "293.0 KiB" in result.out
    (stored,) = env.files()
    assert env.file_bytes(stored.id) == path.read_bytes()


def test_upload_many_json(run: Runner, env: FakeStreamtape, tmp_path: Path) -> None:
    paths = [str(_random_file(tmp_path, f"f{i}.bin", 1000 + i)) for i in range(3)]
    result = run("upload", *paths, "--json")
    assert result.code == 0
    # JSON Lines, one object per file in the order they finished
    data = sorted(result.json_lines, key=lambda item: str(item["name"]))
    assert [item["name"] for item in data] == ["f0.bin", "f1.bin", "f2.bin"]
    assert [item["size"] for item in data] == [1000, 1001, 1002]
    assert all(item["state"] == "uploaded" and item["error"] is None for item in data)
    assert all(len(str(item["sha256"])) == 64 for item in data)
    assert {item["remote_id"] for item in data} == {f.id for f in env.files()}


def test_upload_with_name_and_no_sha256(run: Runner, env: FakeStreamtape, tmp_path: Path) -> None:
    path = _random_file(tmp_path, "raw.bin", 10)
    result = run("upload", str(path), "--name", "renamed.bin", "--no-sha256", "--json")
    (line,) = result.json_lines
    assert line["remote_path"] == "renamed.bin"
    assert [f.name for f in env.files()] == ["renamed.bin"]
    # without --no-sha256 the hash goes to /file/ul; with it, nothing is sent
    (ticket_request,) = [r for r in env.requests_log if r.endpoint == "file/ul"]
    assert "sha256" not in ticket_request.params


def test_upload_checks_every_path_before_sending(
    run: Runner, env: FakeStreamtape, tmp_path: Path
) -> None:
    good = _random_file(tmp_path, "good.bin", 10)
    result = run("upload", str(good), str(tmp_path / "missing.bin"))
    assert result.code == 1
    assert "missing.bin" in result.assert_one_error_line()
    assert env.files() == []  # nothing half-done


def test_upload_directory_is_an_error(run: Runner, tmp_path: Path) -> None:
    result = run("upload", str(tmp_path))
    assert result.code == 1
    assert "--recursive" in result.assert_one_error_line()


# -- download / link ----------------------------------------------------------------------


def test_download_into_directory(run: Runner, env: FakeStreamtape, tmp_path: Path) -> None:
    content = os.urandom(200_000)
    file_id = env.add_file("clip.mp4", content)
    result = run("download", file_id, str(tmp_path))
    assert result.code == 0
    assert (tmp_path / "clip.mp4").read_bytes() == content
    assert "195.3 KiB" in result.out


def test_download_json_to_file_path(run: Runner, env: FakeStreamtape, tmp_path: Path) -> None:
    file_id = env.add_file("clip.mp4", b"abc")
    dest = tmp_path / "copy.bin"
    (data,) = run("download", file_id, str(dest), "--no-resume", "--json").json_lines
    assert (data["remote_id"], data["path"], data["size"]) == (file_id, str(dest), 3)
    assert data["state"] == "downloaded"
    assert dest.read_bytes() == b"abc"


def test_download_defaults_to_current_directory(
    run: Runner, env: FakeStreamtape, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    file_id = env.add_file("here.txt", b"hello")
    assert run("download", file_id).code == 0
    assert (tmp_path / "here.txt").read_text() == "hello"


def test_download_resumes_a_part_file(
    run: Runner, env: FakeStreamtape, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RetryPolicy, "backoff", lambda *_args, **_kwargs: 0.0)  # no real sleeps
    content = os.urandom(50_000)
    file_id = env.add_file("big.bin", content)
    # A foreign `big.bin.part` is never taken for this download's partial file.
    (tmp_path / "big.bin.part").write_bytes(b"not a prefix")
    env.inject("download", "drop")
    env.inject("download", "http_500", times=10)
    failed = run("download", file_id, str(tmp_path))
    assert failed.code != 0
    assert f"run `streamtape download {file_id} {tmp_path}` again to resume" in failed.err
    partial = state_paths(tmp_path / "big.bin", file_id)[0]
    kept = partial.stat().st_size
    assert 0 < kept < len(content)
    env.reset_faults()
    env.clear_requests_log()
    assert run("download", file_id, str(tmp_path)).code == 0
    digest = hashlib.sha256((tmp_path / "big.bin").read_bytes()).hexdigest()
    assert digest == hashlib.sha256(content).hexdigest()
    ranges = [r.range for r in env.requests_log if r.endpoint == "download"]
    assert ranges == [f"bytes={kept}-"]
    assert (tmp_path / "big.bin.part").read_bytes() == b"not a prefix"


def test_link_prints_the_url(run: Runner, env: FakeStreamtape) -> None:
    file_id = env.add_file("clip.mp4", b"abc")
    result = run("link", file_id)
    assert result.code == 0
    url = result.out.strip()
    assert url.startswith(env.base_url)
    assert url.endswith("/clip.mp4")


def test_link_waits_out_the_ticket(run: Runner, env: FakeStreamtape) -> None:
    env.set_wait_time(1)
    file_id = env.add_file("clip.mp4", b"abc")
    data = _obj(run("link", file_id, "--json").json)
    assert data["name"] == "clip.mp4"
    assert data["size"] == 3


# -- remote -------------------------------------------------------------------------------


def test_remote_add_and_wait(run: Runner, env: FakeStreamtape) -> None:
    source = env.add_file("source.bin", b"s" * 5000)
    url = run("link", source).out.strip()
    result = run("remote", "add", url, "--name", "copy.bin", "--wait")
    assert result.code == 0
    assert "finished" in result.out
    # The source names itself (Content-Disposition) and the service ignores --name (§5.6
    # N11): --wait renames the stored file to the requested name.
    copies = [f for f in env.files() if f.id != source]
    assert [(f.name, f.size) for f in copies] == [("copy.bin", 5000)]
    assert env.calls("/file/rename") == 1
    assert "Renamed the file from 'source.bin' to 'copy.bin'" in result.out


def test_remote_add_json_with_headers_and_folder(run: Runner, env: FakeStreamtape) -> None:
    folder = env.add_folder("remote")
    source = env.add_file("source.bin", b"s" * 10)
    url = run("link", source).out.strip()
    data = _obj(
        run(
            "remote",
            "add",
            url,
            "--folder",
            folder,
            "--header",
            "X-Token: abc",
            "--header",
            "Cookie: a=b",
            "--json",
        ).json
    )
    assert data["folder_id"] == folder
    assert set(data) >= {"id", "folder_id"}
    (record,) = env.remote_uploads()
    assert record.headers == {"X-Token": "abc", "Cookie": "a=b"}


def test_remote_add_bad_header_is_a_usage_error(run: Runner) -> None:
    result = run("remote", "add", "http://127.0.0.1:1/x", "--header", "no-colon")
    assert result.code == 2
    assert "Name: value" in result.assert_one_error_line()


def test_remote_status_ls_rm(run: Runner, env: FakeStreamtape) -> None:
    source = env.add_file("source.bin", b"s" * 10)
    url = run("link", source).out.strip()
    upload_id = _obj(run("remote", "add", url, "--wait", "--json").json)["id"]

    status = run("remote", "status", upload_id)
    assert status.code == 0
    assert "finished" in status.out
    assert _obj(run("remote", "status", upload_id, "--json").json)["file_id"]

    listing = run("remote", "ls")
    assert upload_id in listing.out
    assert upload_id in _obj(run("remote", "ls", "--json").json)

    removed = run("remote", "rm", upload_id, "--json")
    assert removed.json == {"ok": True}
    assert run("remote", "ls").out.strip() == "(no remote uploads)"


def test_remote_rm_all(run: Runner, env: FakeStreamtape) -> None:
    source = env.add_file("source.bin", b"s")
    url = run("link", source).out.strip()
    for _ in range(2):
        run("remote", "add", url)
    result = run("remote", "rm", "--all")
    assert result.code == 0
    assert env.remote_uploads() == []


def test_remote_rm_needs_an_id_or_all(run: Runner) -> None:
    assert run("remote", "rm").code == 2
    assert run("remote", "rm", "x", "--all").code == 2
    result = run("remote", "rm", "all")
    assert result.code == 2
    assert "--all" in result.assert_one_error_line()


def test_remote_status_unknown_id(run: Runner) -> None:
    result = run("remote", "status", "NoSuchRemote")
    assert result.code == 1
    result.assert_one_error_line()


# -- folders ------------------------------------------------------------------------------


def test_mkdir_rename_folder_rmdir(run: Runner, env: FakeStreamtape) -> None:
    parent = env.add_folder("parent")
    created = _obj(run("mkdir", "child", "--parent", parent, "--json").json)
    folder_id = created["folder_id"]
    assert [f.name for f in env.folders() if f.id == folder_id] == ["child"]

    human = run("mkdir", "other")
    assert human.code == 0
    assert "Created folder 'other' with id" in human.out

    assert run("rename-folder", folder_id, "kid", "--json").json == {"ok": True}
    assert [f.name for f in env.folders() if f.id == folder_id] == ["kid"]

    result = run("rmdir", parent)
    assert result.code == 0
    assert "deleted" in result.out
    assert parent in result.out
    assert all(f.id not in (parent, folder_id) for f in env.folders())


# -- files: rename / mv / rm --------------------------------------------------------------


def test_rename_mv_rm(run: Runner, env: FakeStreamtape) -> None:
    folder = env.add_folder("dest")
    file_id = env.add_file("a.bin", b"a")
    other = env.add_file("b.bin", b"b")

    assert run("rename", file_id, "renamed.bin").code == 0
    assert env.file(file_id).name == "renamed.bin"

    assert run("mv", file_id, folder, "--json").json == {"ok": True}
    assert env.file(file_id).folder_id == folder

    lines = run("rm", file_id, other, "--json").json_lines
    assert lines == [
        {"id": file_id, "state": "deleted", "error": None, "error_type": None},
        {"id": other, "state": "deleted", "error": None, "error_type": None},
    ]
    assert env.files() == []


def test_rm_goes_on_past_a_missing_file(run: Runner, env: FakeStreamtape) -> None:
    first = env.add_file("a.bin", b"a")
    last = env.add_file("b.bin", b"b")
    result = run("rm", first, "NoSuchFile0000", last)
    assert result.code == 1
    assert "1 of 3 items failed" in result.assert_one_error_line()
    rows = {line.split()[2]: line.split()[1] for line in result.out.splitlines()[1:4]}
    assert rows == {first: "deleted", "NoSuchFile0000": "failed", last: "deleted"}
    assert env.files() == []  # the file after the failure was deleted too


def test_rm_and_rmdir_json_lines_report_every_item(run: Runner, env: FakeStreamtape) -> None:
    keep = env.add_folder("keep")
    result = run("rmdir", "NoSuchFolder", keep, "--json")
    assert result.code == 1
    states = [(line["id"], line["state"], line["error_type"]) for line in result.json_lines]
    assert states == [("NoSuchFolder", "failed", "NotFoundError"), (keep, "deleted", None)]


# -- conversions / thumbnail --------------------------------------------------------------


def test_conversions_running(run: Runner, env: FakeStreamtape) -> None:
    env.add_file("slow.mp4", b"v", converted=False)
    result = run("conversions")
    assert result.code == 0
    assert "slow.mp4" in result.out
    data = _arr(run("conversions", "--json").json)
    assert data[0]["name"] == "slow.mp4"
    assert 0 <= data[0]["progress"] <= 100  # an integer percent on the wire (§5.6 N5)


def test_conversions_failed(run: Runner, env: FakeStreamtape) -> None:
    assert run("conversions", "--failed").out.strip() == "(no failed conversions)"
    env.add_file("broken.mp4", b"v", converted=False, fail_conversion=True)
    env.finish_conversions()
    data = _arr(run("conversions", "--failed", "--json").json)
    assert [c["name"] for c in data] == ["broken.mp4"]
    assert "broken.mp4" in run("conversions", "--failed").out


def test_conversions_none_running(run: Runner) -> None:
    assert run("conversions").out.strip() == "(no running conversions)"
    assert run("conversions", "--json").json == []


def test_thumbnail(run: Runner, env: FakeStreamtape) -> None:
    file_id = env.add_file("clip.mp4", b"v")
    result = run("thumbnail", file_id)
    assert result.code == 0
    assert result.out.strip().endswith(f"{file_id}.jpg")
    data = _obj(run("thumbnail", file_id, "--json").json)
    assert data["file_id"] == file_id
    assert data["url"] == result.out.strip()
