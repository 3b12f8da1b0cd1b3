# pyright: reportUnnecessaryTypeIgnoreComment=true
"""Typing papercuts, pinned both ways.

Positive cases must type-check as they are (mypy --strict and pyright run over this file).
Negative cases carry a `# type: ignore[...]`: mypy's `warn_unused_ignores` (part of
`--strict`) and pyright's `reportUnnecessaryTypeIgnoreComment` (enabled above) fail the
check when the ignore stops being needed, i.e. when the checkers stop flagging the mistake.
pytest runs the same code, so the run-time behaviour is pinned too.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pydantic import ValidationError
from tqdm import tqdm

from streamtape_sdk import AccountInfo, FileInfo, FolderWalkEntry, RemoteUploadStatus, Streamtape

INFO = FileInfo.model_validate(
    {"id": "abc", "name": "a.mp4", "size": 3, "type": "video/mp4", "converted": True, "status": 200}
)


def test_tqdm_one_liner_is_a_progress_callback(
    streamtape_client: Streamtape, tmp_path: Path
) -> None:
    source = tmp_path / "a.bin"
    source.write_bytes(b"x" * 5000)
    with tqdm(total=source.stat().st_size, file=io.StringIO()) as bar:
        # tqdm.update returns bool | None: a callback returning a value must be accepted.
        streamtape_client.files.upload(source, progress=lambda d, t: bar.update(d - bar.n))
        assert bar.n == 5000


def test_models_are_frozen_for_type_checkers_and_at_run_time() -> None:
    with pytest.raises(ValidationError):
        INFO.size = 5  # type: ignore[misc]
    account = AccountInfo.model_validate(
        {"apiid": "a", "email": "e@example.com", "signup_at": "2019-12-31 23:59:59"}
    )
    with pytest.raises(ValidationError):
        account.email = "other@example.com"  # type: ignore[misc]
    status = RemoteUploadStatus.model_validate({"id": "1", "status": "new"})
    with pytest.raises(ValidationError):
        status.status = "finished"  # type: ignore[misc]
    entry = FolderWalkEntry(path="")
    with pytest.raises(ValidationError):
        entry.path = "../x"  # type: ignore[misc]
    assert INFO.size == 3
