"""Fixtures of the CLI tests: a started emulator, the environment pointing at it, and a
runner that calls `main([...])` in-process and captures the exit status and both streams."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from streamtape_sdk.cli import main
from streamtape_sdk.testing import FakeStreamtape

from .clitools import KEY, LOGIN, Run, Runner


@pytest.fixture
def fake() -> Iterator[FakeStreamtape]:
    """A running emulator with known credentials and no ticket wait."""
    with FakeStreamtape(login=LOGIN, key=KEY, wait_time=0) as server:
        yield server


@pytest.fixture
def env(fake: FakeStreamtape, monkeypatch: pytest.MonkeyPatch) -> FakeStreamtape:
    """The STREAMTAPE_* variables point at `fake`; returns it for seeding."""
    monkeypatch.setenv("STREAMTAPE_BASE_URL", fake.base_url)
    monkeypatch.setenv("STREAMTAPE_LOGIN", fake.login)
    monkeypatch.setenv("STREAMTAPE_KEY", fake.key)
    return fake


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No STREAMTAPE_* variables at all (whatever the developer's shell has)."""
    for name in ("STREAMTAPE_BASE_URL", "STREAMTAPE_LOGIN", "STREAMTAPE_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Runner:
    """`run("ls", "--json")` -> Run(code, out, err); the key must never be printed."""

    def invoke(*argv: str) -> Run:
        code = main(list(argv))
        captured = capsys.readouterr()
        result = Run(code, captured.out, captured.err)
        assert KEY not in result.out
        assert KEY not in result.err
        return result

    return invoke
