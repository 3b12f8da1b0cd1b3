"""Batch methods follow the single-file conventions: a per-call `timeout=` on every request,
`expected_sha256=`/`cancel=` handed to each transfer, client-wide errors raised once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from streamtape_sdk import (
    CancelToken,
    ClientClosedError,
    IntegrityError,
    MissingCredentialsError,
    Streamtape,
    TransferCancelledError,
)
from streamtape_sdk.resources.files import Files
from streamtape_sdk.testing import FakeStreamtape
from tests.batch.conftest import make_tree


def _record_timeouts(client: Streamtape, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    seen: list[object] = []
    transport = client._transport
    call, send = transport.call, transport.send

    def recording_call(*args: Any, **kwargs: Any) -> object:
        seen.append(kwargs.get("timeout"))
        return call(*args, **kwargs)

    def recording_send(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("timeout"))
        return send(*args, **kwargs)

    monkeypatch.setattr(transport, "call", recording_call)
    monkeypatch.setattr(transport, "send", recording_send)
    return seen


def test_every_request_of_a_tree_round_trip_gets_the_timeout(
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_tree(tmp_path / "src", 6)
    seen = _record_timeouts(client, monkeypatch)
    root = client.folders.create("root").folder_id
    seen.clear()
    up = client.folders.upload_tree(tmp_path / "src", root, timeout=7.5)
    assert all(o.ok for o in up)
    down = client.folders.download_tree(root, tmp_path / "back", timeout=7.5)
    assert all(o.ok for o in down)
    ids = [o.remote_id for o in up if o.remote_id]
    client.files.download_many(ids, tmp_path / "flat", timeout=7.5, skip_existing=False)
    (tmp_path / "one.bin").write_bytes(b"one")
    assert all(o.ok for o in client.files.upload_many([tmp_path / "one.bin"], timeout=7.5))
    assert seen
    assert set(seen) == {7.5}


def test_download_many_hands_the_manifest_hash_to_download(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    (tmp_path / "a.bin").write_bytes(b"original bytes")
    manifest = tmp_path / "m.jsonl"
    (outcome,) = client.files.upload_many([tmp_path / "a.bin"], manifest=manifest)
    assert outcome.remote_id is not None
    fake_streamtape.replace_file_content(outcome.remote_id, b"tampered bytes")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.bin").write_bytes(b"kept local copy")
    (failed,) = client.files.download_many(
        [outcome.remote_id], tmp_path / "out", manifest=manifest, skip_existing=False
    )
    assert isinstance(failed.error, IntegrityError)
    assert "sha256" in str(failed.error)
    # Checked before publishing: the local copy was never replaced by the wrong bytes.
    assert (tmp_path / "out" / "a.bin").read_bytes() == b"kept local copy"


def test_batch_downloads_pass_their_cancel_token(
    client: Streamtape,
    fake_streamtape: FakeStreamtape,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file_id = fake_streamtape.add_file("a.bin", b"x" * 1000)
    tokens: list[object] = []
    original = Files.download

    def spy(self: Files, *args: Any, **kwargs: Any) -> Path:
        tokens.append(kwargs.get("cancel"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Files, "download", spy)
    client.files.download_many([file_id], tmp_path / "out")
    assert len(tokens) == 1
    assert isinstance(tokens[0], CancelToken)


def test_a_cancelled_batch_reports_cancelled_items(
    client: Streamtape, fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    ids = [fake_streamtape.add_file(f"{i}.bin", b"x" * 100) for i in range(3)]
    token = CancelToken()
    token.cancel()
    outcomes = client.files.download_many(ids, tmp_path / "out", cancel=token)
    assert all(isinstance(o.error, TransferCancelledError) for o in outcomes)


def test_a_closed_client_raises_once_instead_of_per_item(
    fake_streamtape: FakeStreamtape, tmp_path: Path
) -> None:
    (tmp_path / "a.bin").write_bytes(b"a")
    (tmp_path / "b.bin").write_bytes(b"b")
    closed = fake_streamtape.client()
    closed.close()
    with pytest.raises(ClientClosedError):
        closed.files.upload_many([tmp_path / "a.bin", tmp_path / "b.bin"])
    with pytest.raises(ClientClosedError):
        closed.files.download_many(["x", "y"], tmp_path / "out")


def test_missing_credentials_raise_once_instead_of_per_item(
    fake_streamtape: FakeStreamtape, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.bin").write_bytes(b"a")
    (tmp_path / "b.bin").write_bytes(b"b")
    monkeypatch.delenv("STREAMTAPE_LOGIN", raising=False)
    monkeypatch.delenv("STREAMTAPE_KEY", raising=False)
    anonymous = Streamtape(login="", key="", base_url=fake_streamtape.base_url)
    with anonymous, pytest.raises(MissingCredentialsError):
        anonymous.files.upload_many([tmp_path / "a.bin", tmp_path / "b.bin"])
