"""Batch options one by one: filters, dry run, skip rules and the manifest, fail_fast,
cancellation, folder reconciliation, download verification, argument checks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from streamtape_sdk import (
    BatchEvent,
    CancelToken,
    IntegrityError,
    Manifest,
    Streamtape,
    TransferCancelledError,
)
from streamtape_sdk.testing import FakeStreamtape


def _files(root: Path, names: dict[str, bytes]) -> None:
    for rel, content in names.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(content)


def test_include_exclude_and_dry_run(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    _files(tmp_path, {"a.jpg": b"1", "b.txt": b"2", "raw/c.jpg": b"3", "cache/d.jpg": b"4"})
    plan = client.folders.upload_tree(tmp_path, include="*.jpg", exclude=["cache"], dry_run=True)
    assert sorted((o.remote_path, o.state, o.dry_run) for o in plan) == [
        ("a.jpg", "uploaded", True),
        ("raw/c.jpg", "uploaded", True),
    ]
    # a dry run changes nothing
    assert fake_streamtape.files() == []
    assert fake_streamtape.folders() == []
    assert fake_streamtape.calls("file/createfolder") == 0
    done = client.folders.upload_tree(tmp_path, include=["raw/*"])
    assert [o.remote_path for o in done] == ["raw/c.jpg"]
    # excluded directories are not created; included ones are, empty or not
    assert sorted(f.name for f in fake_streamtape.folders()) == ["cache", "raw"]


def test_existing_folders_are_reused_and_an_ambiguous_create_is_reconciled(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    _files(tmp_path, {"x/y/f.txt": b"f"})
    existing = fake_streamtape.add_folder("x")
    # createfolder runs on the server, then the reply is cut: an ambiguous failure
    fake_streamtape.inject("file/createfolder", "drop", times=1)
    outcomes = client.folders.upload_tree(tmp_path)
    assert [o.state for o in outcomes] == ["uploaded"], outcomes
    folders = fake_streamtape.folders()
    assert [f.id for f in folders if f.name == "x"] == [existing]
    assert len([f for f in folders if f.name == "y"]) == 1  # created once, not twice


def test_skip_existing_by_name_and_size_then_by_manifest_sha256(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    source = tmp_path / "src"
    _files(source, {"same.bin": b"abcd", "other.bin": b"xyz"})
    fake_streamtape.add_file("same.bin", b"zzzz")  # same name and size, other bytes
    without = client.folders.upload_tree(source)
    assert {o.remote_path: o.state for o in without} == {
        "same.bin": "skipped",
        "other.bin": "uploaded",
    }
    # with a manifest the content is known: a same-size edit is uploaded again
    manifest = tmp_path / "m.jsonl"
    client.folders.upload_tree(source, skip_existing=False, manifest=manifest)
    (source / "other.bin").write_bytes(b"XYZ")
    os.utime(source / "other.bin", ns=(1, 1))  # mtime changed: the sha256 decides
    rerun = client.folders.upload_tree(source, manifest=manifest)
    assert {o.remote_path: o.state for o in rerun} == {
        "same.bin": "skipped",
        "other.bin": "uploaded",
    }
    skipped = next(o for o in rerun if o.state == "skipped")
    assert skipped.reason is not None
    assert "sha256" in skipped.reason
    assert Manifest.open(manifest).for_path(source / "other.bin") is not None


def test_manifest_ignores_a_torn_last_line_and_later_lines_win(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    line = {"path": "/a", "size": 1, "mtime_ns": 5, "sha256": "AB", "file_id": "old"}
    newer = {**line, "file_id": "new"}
    path.write_text(json.dumps(line) + "\n" + json.dumps(newer) + '\n{"path": "/b", "si')
    manifest = Manifest.open(path)
    entry = manifest.for_path(Path("/a"))
    assert entry is not None
    assert entry.file_id == "new"
    assert entry.sha256 == "ab"
    assert len(manifest) == 1


def test_download_verifies_the_manifest_sha256(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    source = tmp_path / "src"
    _files(source, {"good.bin": b"good", "bad.bin": b"base"})
    manifest = tmp_path / "m.jsonl"
    up = {o.remote_path: o.remote_id for o in client.folders.upload_tree(source, manifest=manifest)}
    bad_id = str(up["bad.bin"])
    fake_streamtape.file_path(bad_id).write_bytes(b"evil")  # same size, other bytes
    out = client.files.download_many(
        [str(up["good.bin"]), bad_id], tmp_path / "dst", manifest=manifest
    )
    assert [(o.remote_id, o.state) for o in out] == [
        (up["good.bin"], "downloaded"),
        (bad_id, "failed"),
    ]
    assert isinstance(out[1].error, IntegrityError)
    assert not (tmp_path / "dst" / "bad.bin").exists()  # the bad copy is not kept


def test_download_many_skips_local_copies_and_keeps_duplicate_names_apart(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    first = fake_streamtape.add_file("clip.mp4", b"one")
    second = fake_streamtape.add_file("clip.mp4", b"two!")
    out = client.files.download_many([first, second, "NoSuchFile0000"], tmp_path)
    assert [o.state for o in out] == ["downloaded", "downloaded", "failed"]
    assert (tmp_path / "clip.mp4").read_bytes() == b"one"
    assert (tmp_path / f"clip~{second}.mp4").read_bytes() == b"two!"
    again = client.files.download_many([first, second], tmp_path)
    assert [o.state for o in again] == ["skipped", "skipped"]


def test_fail_fast_stops_starting_items(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    paths = [tmp_path / f"{i}.bin" for i in range(5)]
    for path in paths:
        path.write_bytes(b"x")
    fake_streamtape.inject("upload", "http_500", times=1)
    out = client.files.upload_many(paths, max_workers=1, fail_fast=True)
    assert [o.state for o in out] == ["failed"] * 5
    assert all(isinstance(o.error, TransferCancelledError) for o in out[1:])
    assert fake_streamtape.files() == []
    # without fail_fast the rest go on
    fake_streamtape.inject("upload", "http_500", times=1)
    out = client.files.upload_many(paths, max_workers=1)
    assert [o.state for o in out] == ["failed", "uploaded", "uploaded", "uploaded", "uploaded"]


def test_cancel_stops_the_batch_and_reports_every_item(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    paths = [tmp_path / f"{i}.bin" for i in range(6)]
    for path in paths:
        path.write_bytes(b"x" * 10)
    token = CancelToken()

    def cancel_after_first(event: BatchEvent) -> None:
        if event.kind == "done":
            token.cancel()

    out = client.files.upload_many(paths, max_workers=1, cancel=token, listener=cancel_after_first)
    assert len(out) == 6
    assert out[0].state == "uploaded"
    assert all(o.state == "failed" and isinstance(o.error, TransferCancelledError) for o in out[1:])
    assert len(fake_streamtape.files()) == 1


def test_arguments_are_checked_before_any_request(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="max_workers"):
        client.files.upload_many([tmp_path], max_workers=0)
    with pytest.raises(ValueError, match="list of paths"):
        client.files.upload_many(str(tmp_path))
    with pytest.raises(ValueError, match="include"):
        client.folders.upload_tree(tmp_path, include=[""])
    with pytest.raises(FileNotFoundError):
        client.folders.upload_tree(tmp_path / "missing")
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(NotADirectoryError):
        client.folders.upload_tree(tmp_path / "file")
    assert fake_streamtape.requests_log == []


def test_a_missing_source_is_a_failed_item_not_an_exception(
    client: Streamtape, tmp_path: Path
) -> None:
    (tmp_path / "ok.bin").write_bytes(b"ok")
    out = client.files.upload_many([tmp_path / "missing.bin", tmp_path / "ok.bin"])
    assert [o.state for o in out] == ["failed", "uploaded"]
    assert isinstance(out[0].error, FileNotFoundError)


def test_a_cancelled_download_keeps_its_part_and_the_rerun_resumes(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    content = os.urandom(4 * 1024 * 1024)
    file_id = fake_streamtape.add_file("big.bin", content)
    token = CancelToken()

    def cancel_on_first_bytes(event: BatchEvent) -> None:
        if event.kind == "bytes" and event.done > 0:
            token.cancel()

    out = client.files.download_many(
        [file_id], tmp_path, cancel=token, listener=cancel_on_first_bytes
    )
    assert out[0].state == "failed"
    assert isinstance(out[0].error, TransferCancelledError)
    assert not (tmp_path / "big.bin").exists()
    kept = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert 0 < kept < len(content)  # the partial data stays for the resume
    again = client.files.download_many([file_id], tmp_path)
    assert again[0].state == "downloaded"
    assert (tmp_path / "big.bin").read_bytes() == content
    ranges = [r.range for r in fake_streamtape.requests_log if r.endpoint == "download"]
    assert ranges[-1] is not None
    assert ranges[-1].startswith("bytes=")
