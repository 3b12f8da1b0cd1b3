"""Integration tests: the SDK against the local emulator over real sockets."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from streamtape_sdk import Streamtape
from streamtape_sdk.testing import FakeStreamtape
from tests.asyncfacade import CLIENT_KINDS, make_any_client


@pytest.fixture(params=CLIENT_KINDS)
def client(request: pytest.FixtureRequest, fake_streamtape: FakeStreamtape) -> Iterator[Streamtape]:
    """A client whose retry backoffs and ticket waits do not really sleep: a `Streamtape`,
    then an `AsyncStreamtape` behind a `SyncFacade` (each test runs against both)."""
    instance = make_any_client(
        request.param,
        login=fake_streamtape.login,
        key=fake_streamtape.key,
        base_url=fake_streamtape.base_url,
        max_retries=3,
        sleep=lambda _seconds: None,
    )
    with instance:
        yield instance


@pytest.fixture
def wrong_key_client(fake_streamtape: FakeStreamtape) -> Iterator[Streamtape]:
    """A client with the right login and a wrong key."""
    with Streamtape(
        fake_streamtape.login, "WrongKey0000000", base_url=fake_streamtape.base_url
    ) as instance:
        yield instance


RandomFile = Callable[[str, int], Path]


@pytest.fixture
def random_file(tmp_path: Path) -> RandomFile:
    """Make `tmp_path / name` holding `size` random bytes, written in 1 MiB chunks."""

    def make(name: str, size: int) -> Path:
        path = tmp_path / name
        with path.open("wb") as out:
            left = size
            while left > 0:
                n = min(1024 * 1024, left)
                out.write(os.urandom(n))
                left -= n
        return path

    return make
