"""Batch commands end to end: `upload -r`, `download -r`, JSON Lines checked line by line,
exit statuses, dry runs, and progress bars labelled with file names."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from streamtape_sdk import BatchEvent
from streamtape_sdk.cli._progress import BatchProgress, ProgressBar
from streamtape_sdk.testing import FakeStreamtape

from ..batch.conftest import make_tree, tree_digest
from .clitools import Runner


@pytest.mark.slow
def test_recursive_upload_rerun_download_and_faults_as_json_lines(
    run: Runner, env: FakeStreamtape, tmp_path: Path
) -> None:
    source = tmp_path / "src"
    made = make_tree(source, 200)  # the 64 MiB case runs once, in tests/batch
    root = env.add_folder("backup")
    env.inject("upload", "http_500", times=2)

    first = run("upload", str(source), "--recursive", "--folder", root, "--json")
    assert first.code == 1  # two items failed
    lines = first.json_lines
    assert len(lines) == 200  # one line per item, nothing else on stdout
    failed = [line for line in lines if line["state"] == "failed"]
    assert len(failed) == 2
    assert all(line["error_type"] == "ServerError" for line in failed)
    assert all(line["error"] for line in failed)
    for line in lines:
        assert set(line) >= {"path", "remote_path", "remote_id", "state", "size", "error"}
        rel = str(line["remote_path"])
        assert line["size"] == len(made[rel])
        assert Path(str(line["path"])) == source / rel
        if line["state"] == "uploaded":
            assert env.file_bytes(str(line["remote_id"])) == made[rel]
    assert "2 of 200 items failed" in first.assert_one_error_line()

    second = run("upload", str(source), "-r", "--folder", root, "--json")
    assert second.code == 0
    states = {str(line["remote_path"]): line["state"] for line in second.json_lines}
    assert states == {
        rel: ("uploaded" if any(f["remote_path"] == rel for f in failed) else "skipped")
        for rel in made
    }

    third = run("upload", str(source), "-r", "--folder", root, "--json")
    assert {line["state"] for line in third.json_lines} == {"skipped"}

    target = tmp_path / "dst"
    down = run("download", root, str(target), "--recursive", "--transfers", "8", "--json")
    assert down.code == 0, down.err
    assert len(down.json_lines) == 200
    assert {line["state"] for line in down.json_lines} == {"downloaded"}
    assert tree_digest(target) == tree_digest(source)


def test_human_output_is_a_table_and_dry_run_changes_nothing(
    run: Runner, env: FakeStreamtape, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_bytes(b"a")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.jpg").write_bytes(b"bb")
    result = run("upload", str(tmp_path), "-r", "--dry-run", "--exclude", "*.txt")
    assert result.code == 0
    header, row, summary = result.out.splitlines()
    assert header.split() == ["STATE", "ITEM", "SIZE", "ID", "/", "NOTE"]
    assert "uploaded (dry run)" in row
    assert "sub/b.jpg" in row
    assert summary == "1 uploaded"
    assert env.files() == []
    assert env.folders() == []


def test_usage_errors(run: Runner, env: FakeStreamtape, tmp_path: Path) -> None:
    assert run("upload", str(tmp_path), "--include", "*.jpg").code == 2
    assert run("upload", str(tmp_path), "-r", "--name", "x").code == 2
    assert run("download", "a", "b", str(tmp_path), "--no-resume").code == 2
    assert run("upload", str(tmp_path), "--transfers", "0").code == 2


def test_download_many_ids_into_a_directory(
    run: Runner, env: FakeStreamtape, tmp_path: Path
) -> None:
    one, two = env.add_file("one.bin", b"1"), env.add_file("two.bin", b"22")
    result = run("download", one, "NoSuchFile0000", two, str(tmp_path / "out"), "--json")
    assert result.code == 1
    states = {line["remote_id"]: line["state"] for line in result.json_lines}
    assert states == {one: "downloaded", "NoSuchFile0000": "failed", two: "downloaded"}
    assert (tmp_path / "out" / "two.bin").read_bytes() == b"22"


def test_batch_progress_labels_bars_with_file_names_and_hashing_percent() -> None:
    stream = io.StringIO()
    progress = BatchProgress("upload", enabled=True, stream=stream)
    path = Path("/data/holiday.mp4")
    progress(BatchEvent("start", 0, 2, path, "holiday.mp4", 0, 4096))
    progress(BatchEvent("hashing", 0, 2, path, "holiday.mp4", 2048, 4096))
    progress(BatchEvent("bytes", 0, 2, path, "holiday.mp4", 4096, 4096))
    progress(BatchEvent("done", 0, 2, path, "holiday.mp4", 0, 4096))
    progress.close()
    text = stream.getvalue()
    assert "hash holiday.mp4" in text
    assert " 50%" in text
    assert "upload holiday.mp4" in text
    assert "upload total" in text


@pytest.mark.parametrize("resumed_at", [0, 10 * 1024 * 1024])
def test_a_resumed_bar_starts_at_the_bytes_on_disk(resumed_at: int) -> None:
    """Bytes already on disk are the start, not speed (a resume once showed 9.82 GB/s)."""
    stream = io.StringIO()
    with ProgressBar("download x", enabled=True, stream=stream) as bar:
        bar(resumed_at, 20 * 1024 * 1024)
        inner = bar._bar
        assert inner is not None
        assert inner.format_dict["initial"] == resumed_at
        assert inner.n == resumed_at


def test_an_interrupted_download_says_how_to_resume(
    run: Runner, env: FakeStreamtape, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamtape_sdk.resources.files import Files

    def interrupted(*_args: object, **_kwargs: object) -> Path:
        raise KeyboardInterrupt

    monkeypatch.setattr(Files, "download", interrupted)
    result = run("download", env.add_file("clip.mp4", b"abc"), str(tmp_path))
    assert result.code == 130
    assert "run the same command again to resume" in result.err
