"""`streamtape download`: `--overwrite` for a file of the server's name, `--connections N`."""

from __future__ import annotations

import os
from pathlib import Path

from streamtape_sdk.testing import FakeStreamtape
from streamtape_sdk.transfers._sliced import MIN_PART_SIZE
from tests.cli.clitools import Runner


def test_existing_file_is_refused_with_a_hint_to_overwrite(
    run: Runner, env: FakeStreamtape, tmp_path: Path
) -> None:
    file_id = env.add_file("clip.mp4", b"new bytes")
    (tmp_path / "clip.mp4").write_bytes(b"old")
    refused = run("download", file_id, str(tmp_path))
    assert refused.code != 0
    assert "--overwrite" in refused.err + refused.out
    assert "overwrite=True" not in refused.err + refused.out  # the CLI's words, not Python's
    assert (tmp_path / "clip.mp4").read_bytes() == b"old"
    replaced = run("download", file_id, str(tmp_path), "--overwrite")
    assert replaced.code == 0
    assert (tmp_path / "clip.mp4").read_bytes() == b"new bytes"


def test_overwrite_is_for_one_file(run: Runner, env: FakeStreamtape, tmp_path: Path) -> None:
    result = run("download", "a", "b", str(tmp_path), "--overwrite")
    assert result.code == 2
    assert "--overwrite" in result.err


def test_connections_fetches_ranges(run: Runner, env: FakeStreamtape, tmp_path: Path) -> None:
    content = os.urandom(3 * MIN_PART_SIZE)
    file_id = env.add_file("big.bin", content)
    env.clear_requests_log()
    result = run("download", file_id, str(tmp_path), "--connections", "3")
    assert result.code == 0
    assert (tmp_path / "big.bin").read_bytes() == content
    ranges = [r.range for r in env.requests_log if r.endpoint == "download"]
    assert len(ranges) == 3
    assert all(r is not None for r in ranges)


def test_connections_out_of_range_is_a_usage_error(
    run: Runner, env: FakeStreamtape, tmp_path: Path
) -> None:
    for value in ("0", "17", "x"):
        result = run("download", "abc", str(tmp_path), "--connections", value)
        assert result.code == 2
        assert "--connections" in result.err
