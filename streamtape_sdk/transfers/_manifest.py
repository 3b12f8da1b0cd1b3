"""The transfer manifest: a JSON Lines record of what was uploaded, read by later runs.

One line per stored file: local path, size, mtime (ns), sha256 and file id. A rerun trusts a
line only while the local file's size and mtime still match it; the sha256 lets a rerun tell a
changed file of the same size from an unchanged one, and lets a download verify its bytes.
Lines are appended and flushed as each upload finishes, so an interrupted run keeps what it
stored; a torn last line is ignored.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import cast

__all__ = ["Manifest", "ManifestEntry"]

_VERSION = 1


@dataclass(frozen=True)
class ManifestEntry:
    """One stored file as the manifest remembers it."""

    path: str
    """The local file's absolute path."""
    size: int
    """Its size in bytes when it was uploaded."""
    mtime_ns: int
    """Its modification time (ns since the epoch) when it was uploaded."""
    sha256: str | None
    """Its SHA-256 (hex), or None when it was uploaded without hashing."""
    file_id: str
    """The Streamtape file id."""
    folder_id: str | None = None
    """The folder it was uploaded to (None: the root folder)."""
    name: str | None = None
    """The stored name."""


def _entry(line: str) -> ManifestEntry | None:
    try:
        data: object = json.loads(line)
    except ValueError:
        return None  # a torn last line after a crash, or a hand edit
    if not isinstance(data, dict):
        return None
    raw = cast("dict[str, object]", data)
    path, size, mtime, file_id = (
        raw.get("path"),
        raw.get("size"),
        raw.get("mtime_ns"),
        raw.get("file_id"),
    )
    sha, folder, name = raw.get("sha256"), raw.get("folder_id"), raw.get("name")
    if not (isinstance(path, str) and isinstance(size, int) and isinstance(mtime, int)):
        return None
    if not isinstance(file_id, str) or not file_id:
        return None
    return ManifestEntry(
        path=path,
        size=size,
        mtime_ns=mtime,
        sha256=sha.lower() if isinstance(sha, str) else None,
        file_id=file_id,
        folder_id=folder if isinstance(folder, str) else None,
        name=name if isinstance(name, str) else None,
    )


class Manifest:
    """A manifest file, loaded at open and appended to (thread-safe) as items finish.

    Examples:
        >>> manifest = Manifest.open("photos.streamtape.jsonl")  # doctest: +SKIP
        >>> manifest.for_path(Path("photos/a.jpg"))  # doctest: +SKIP
    """

    def __init__(self, path: Path, entries: list[ManifestEntry]) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._by_path: dict[str, ManifestEntry] = {}
        self._by_id: dict[str, ManifestEntry] = {}
        for entry in entries:
            self._index(entry)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Manifest:
        """Read the manifest at `path` (a missing file is an empty manifest).

        Raises:
            OSError: the file exists but cannot be read, or its directory does not exist.
        """
        target = Path(path)
        if not target.parent.is_dir():
            raise FileNotFoundError(f"manifest {str(target)!r}: no such directory")
        entries: list[ManifestEntry] = []
        if target.exists():
            with target.open(encoding="utf-8", errors="replace") as lines:
                entries = [e for e in map(_entry, lines) if e is not None]
        return cls(target, entries)

    def _index(self, entry: ManifestEntry) -> None:
        # Later lines win: a file uploaded again replaces its older record.
        self._by_path[entry.path] = entry
        self._by_id[entry.file_id] = entry

    @staticmethod
    def key(path: Path) -> str:
        """The manifest's key for a local path: absolute, symlinks not resolved."""
        return os.path.abspath(path)

    def for_path(self, path: Path) -> ManifestEntry | None:
        """The latest record of a local file, or None."""
        with self._lock:
            return self._by_path.get(self.key(path))

    def for_file_id(self, file_id: str) -> ManifestEntry | None:
        """The latest record naming `file_id`, or None."""
        with self._lock:
            return self._by_id.get(file_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_path)

    def record(self, entry: ManifestEntry) -> None:
        """Append `entry` and flush it to the file at once.

        Raises:
            OSError: the manifest cannot be written.
        """
        line = json.dumps({"v": _VERSION, **asdict(entry)}, ensure_ascii=False)
        with self._lock:
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
            self._index(entry)
