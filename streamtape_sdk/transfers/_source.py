"""Opening an upload source (a path or a binary file object) and hashing it in one pass."""

from __future__ import annotations

import hashlib
import io
import mmap
import os
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = ["CHUNK_SIZE", "UploadSource", "open_source", "sha256_hex", "transfer_buffer"]

#: Bytes read or written per step in every transfer: large enough for throughput, small
#: enough to keep memory flat.
CHUNK_SIZE = 1024 * 1024

#: What `files.upload` accepts: a filesystem path or an open binary file object.
SourceLike = str | os.PathLike[str] | BinaryIO

#: The path that means "standard input", as in most command-line tools.
STDIN = "-"


def _spool(stream: BinaryIO) -> tuple[BinaryIO, int]:
    """Copy a stream that cannot be measured (a pipe, stdin) to an anonymous temporary file.

    The multipart body needs the size up front, so a pipe is read to its end first; the
    temporary file lives in the system's temp directory (`TMPDIR`) and is deleted when the
    upload ends.

    Raises:
        OSError: the temporary file could not be written (disk full...).
    """
    spooled = tempfile.TemporaryFile(prefix="streamtape-upload-")  # noqa: SIM115 - owned
    try:
        shutil.copyfileobj(stream, spooled, CHUNK_SIZE)
        size = spooled.tell()
        spooled.seek(0)
    except BaseException:
        spooled.close()
        raise
    return spooled, size


@dataclass
class UploadSource:
    """An open, seekable upload source positioned at its first byte."""

    file: BinaryIO
    name: str
    size: int
    start: int
    owned: bool  # whether we opened it, and so must close it

    def rewind(self) -> None:
        self.file.seek(self.start)

    def close(self) -> None:
        if self.owned:
            self.file.close()


def open_source(source: SourceLike, name: str | None) -> UploadSource:
    """Open `source` for upload; fail before any network I/O when it cannot be sent.

    `"-"` is standard input (`name=` required). Standard input, a pipe, a FIFO or a
    non-seekable file object is spooled to a temporary file first, since the size must be
    known before the body is sent.

    Raises:
        FileNotFoundError: the path does not exist.
        IsADirectoryError: the path is a directory.
        PermissionError: the file cannot be read.
        ValueError: a file object that is not binary or has no name; `"-"` without `name=`;
            a path with a NUL byte.
        TypeError: neither a path nor a file object.
    """
    if isinstance(source, (str, os.PathLike)):
        if os.fspath(source) == STDIN:
            if not name:
                raise ValueError("pass name=... to upload standard input ('-'): it has no name")
            file, size = _spool(sys.stdin.buffer)
            return UploadSource(file, name, size, 0, owned=True)
        path = Path(source)
        if "\x00" in str(path):
            raise ValueError(f"cannot upload {str(path)!r}: a path cannot contain a NUL byte")
        if path.is_dir():
            raise IsADirectoryError(f"cannot upload {str(path)!r}: it is a directory")
        file = path.open("rb")  # FileNotFoundError / PermissionError name the path
        mode = os.fstat(file.fileno()).st_mode
        if not stat.S_ISREG(mode):  # /dev/stdin, a FIFO, a pipe: no size until read
            with file:
                spooled, size = _spool(file)
            return UploadSource(spooled, name or path.name, size, 0, owned=True)
        size = os.fstat(file.fileno()).st_size
        return UploadSource(file, name or path.name, size, 0, owned=True)
    candidate: object = source  # checked at run time: callers without a type checker pass anything
    if isinstance(candidate, io.TextIOBase):
        raise ValueError("upload needs a binary file object: open the file with 'rb'")
    if not hasattr(candidate, "read"):
        raise TypeError(f"upload takes a path or a binary file object, not {type(candidate)!r}")
    if not source.seekable():
        raw_name = getattr(source, "name", None)
        if name is None and isinstance(raw_name, str) and os.path.basename(raw_name):
            name = os.path.basename(raw_name)
        if name is None:
            raise ValueError("pass name=...: a stream has no file name to upload under")
        spooled, size = _spool(source)
        return UploadSource(spooled, name, size, 0, owned=True)
    start = source.tell()
    size = source.seek(0, io.SEEK_END) - start
    source.seek(start)
    if name is None:
        raw_name = getattr(source, "name", None)
        if not isinstance(raw_name, str) or not os.path.basename(raw_name):
            raise ValueError("pass name=...: the file object has no file name to upload under")
        name = os.path.basename(raw_name)
    return UploadSource(source, name, size, start, owned=False)


def sha256_hex(file: BinaryIO, chunk_size: int = CHUNK_SIZE) -> str:
    """SHA-256 of the rest of `file`, hex, read in chunks (constant memory).

    Reads into one reused buffer where the file can (`readinto`): a fresh 1 MiB object per
    chunk would make the kernel map and fault in new pages every time.
    """
    digest = hashlib.sha256()
    read_into = getattr(file, "readinto", None)
    if read_into is None:
        while chunk := file.read(chunk_size):
            digest.update(chunk)
        return digest.hexdigest()
    view = transfer_buffer(chunk_size)
    while got := read_into(view):
        digest.update(view[:got])  # hashlib releases the GIL for large updates
    return digest.hexdigest()


def transfer_buffer(size: int = CHUNK_SIZE) -> memoryview:
    """A writable buffer of `size` bytes (at least 1) to read a file into, step after step.

    Reusing one buffer spares the kernel mapping and faulting in fresh pages for every chunk;
    an anonymous mapping is page-aligned, which the kernel's copies into it favour, and its
    pages are touched here once, so the first pass over a file does not pay for them either.
    """
    size = max(size, 1)
    mapping = mmap.mmap(-1, size)
    for offset in range(0, size, mmap.PAGESIZE):
        mapping[offset] = 1
    return memoryview(mapping)
