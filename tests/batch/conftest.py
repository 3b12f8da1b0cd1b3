"""Fixtures of the batch tests: an emulator client that never really sleeps, and trees."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from streamtape_sdk import Streamtape
from streamtape_sdk.testing import FakeStreamtape

#: Names with accents, CJK, emoji and spaces: what real libraries hold.
UNICODE_NAMES = ("café.txt", "日本語 ファイル.bin", "emoji 🎬.mp4", "naïve-ß.dat")


@pytest.fixture
def client(fake_streamtape: FakeStreamtape) -> Iterator[Streamtape]:
    """A client whose retry backoffs and ticket waits do not really sleep."""
    with fake_streamtape.client(max_retries=3) as instance:
        instance._transport.sleep = lambda _seconds: None
        yield instance


def make_tree(root: Path, count: int, *, big: int = 0) -> dict[str, bytes]:
    """A 3-level tree of `count` small files (unicode names among them), an empty
    directory, and optionally one `big`-byte file; returns relative path -> content."""
    layout = ["", "level1", "level1/level2", "level1/level2/level3", "other"]
    made: dict[str, bytes] = {}
    for index in range(count):
        directory = layout[index % len(layout)]
        name = UNICODE_NAMES[index % len(UNICODE_NAMES)] if index % 7 == 0 else "f.txt"
        stem, dot, ext = name.rpartition(".")
        name = f"{stem}-{index}.{ext}" if dot else f"{name}-{index}"
        rel = f"{directory}/{name}" if directory else name
        made[rel] = os.urandom(1 + index % 50)
    if big:
        made["level1/big.bin"] = os.urandom(big)
    for rel, content in made.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (root / "level1" / "empty").mkdir(parents=True)
    return made


def tree_digest(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file below `root`, and '' for every directory."""
    found: dict[str, str] = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        found[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    return found


TreeMaker = Callable[..., dict[str, bytes]]
