"""The issue's "done when": a 200-file, 3-level tree with unicode names, an empty directory
and a 64 MiB file uploads, reruns with nothing to do, downloads back byte-identical, and
survives injected faults with exactly the faulted files failed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from streamtape_sdk import APIError, BatchEvent, Streamtape, TransferOutcome
from streamtape_sdk.testing import FakeStreamtape

from .conftest import make_tree, tree_digest

BIG = 64 * 1024 * 1024


def _states(outcomes: list[TransferOutcome]) -> Counter[str]:
    return Counter(o.state for o in outcomes)


@pytest.mark.slow
def test_tree_uploads_reruns_downloads_and_survives_faults(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    source = tmp_path / "src"
    made = make_tree(source, 199, big=BIG)
    assert len(made) == 200
    root = fake_streamtape.add_folder("backup")
    manifest = tmp_path / "manifest.jsonl"
    events: list[BatchEvent] = []

    outcomes = client.folders.upload_tree(source, root, manifest=manifest, listener=events.append)
    assert _states(outcomes) == {"uploaded": 200}, [o.error for o in outcomes if o.error]
    assert {o.remote_path for o in outcomes} == set(made)
    # the contents went into `root`, the empty directory too, and no folder twice
    names = Counter((f.parent_id, f.name) for f in fake_streamtape.folders())
    assert max(names.values()) == 1
    assert {f.name for f in fake_streamtape.folders()} >= {"level1", "level2", "level3", "empty"}
    done = [e for e in events if e.kind == "done"]
    assert sorted(e.index for e in done) == list(range(200))
    assert {e.kind for e in events} == {"start", "hashing", "bytes", "done"}
    assert len(manifest.read_text(encoding="utf-8").splitlines()) == 200
    # one listing (of `root`): the folders created here are known to be empty
    assert fake_streamtape.calls("file/listfolder") == 1

    uploads_before = fake_streamtape.calls("upload")
    again = client.folders.upload_tree(source, root, manifest=manifest)
    assert _states(again) == {"skipped": 200}
    assert fake_streamtape.calls("upload") == uploads_before  # nothing sent twice
    # each folder at most once per run (the empty one is never asked about)
    assert fake_streamtape.calls("file/listfolder") == 1 + 5
    assert fake_streamtape.calls("file/createfolder") == 5  # level1, 2, 3, empty, other
    assert {o.remote_id for o in again} == {o.remote_id for o in outcomes}

    target = tmp_path / "dst"
    down = client.folders.download_tree(root, target, manifest=manifest)
    assert _states(down) == {"downloaded": 200}
    assert tree_digest(target) == tree_digest(source)  # bytes, names and empty directory


@pytest.mark.slow
def test_faults_fail_only_the_faulted_files(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    source = tmp_path / "src"
    made = make_tree(source, 40)
    fake_streamtape.inject("upload", "http_500", times=3)  # the POST is never retried

    outcomes = client.folders.upload_tree(source, None)
    failed = [o for o in outcomes if o.state == "failed"]
    assert len(failed) == 3
    assert all(isinstance(o.error, APIError) for o in failed)
    assert _states(outcomes)["uploaded"] == 37
    assert len(fake_streamtape.files()) == 37

    # a rerun uploads exactly the three that failed
    rerun = client.folders.upload_tree(source, None)
    assert _states(rerun) == {"skipped": 37, "uploaded": 3}
    assert {o.local_path for o in rerun if o.state == "uploaded"} == {o.local_path for o in failed}
    assert len(fake_streamtape.files()) == len(made)

    # downloads: one destination blocked by a directory, one file's link keeps dropping
    target = tmp_path / "dst"
    (target / "other").mkdir(parents=True)
    blocked = next(rel for rel in made if rel.startswith("other/"))
    (target / blocked).mkdir()
    # Exactly the drops one file's download survives without progress (max_retries + 1 in a
    # row): that file fails, and no drop is left over for another one.
    fake_streamtape.inject("download", "drop", times=client.retry.max_retries + 1)
    down = client.folders.download_tree(None, target, max_workers=1)
    bad = {o.remote_path: o for o in down if o.state == "failed"}
    assert len(bad) == 2, [(o.remote_path, o.error) for o in down if o.error]
    assert isinstance(bad[blocked].error, OSError)
    assert _states(down)["downloaded"] == len(made) - 2
    for outcome in down:
        if outcome.state == "downloaded":
            assert outcome.local_path.read_bytes() == made[str(outcome.remote_path)]
