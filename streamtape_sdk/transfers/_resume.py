"""A download's resume state: a partial file, its checkpoint and its lock, keyed by file id.

Next to `dest`, a download of file `ID` to `movie.mp4` keeps three hidden files:

- `.movie.mp4.ID.part`: the bytes received so far (a prefix of the file);
- `.movie.mp4.ID.part.json`: the checkpoint that proves the prefix belongs to the file:
  file id, size, and the link's validator (`ETag`, else `Last-Modified`) when it gave one;
- `.movie.mp4.ID.part.lock`: held (`flock`) while a process downloads; it names the owner.

Only the state of the same file id, the same announced size and (when known) the same
validator is resumed. Every file is opened with `O_NOFOLLOW`: a symbolic link planted at one
of these names is never followed. The lock is an advisory `flock` released by the kernel when
its owner dies, so a dead owner's state is resumable; since some network filesystems grant
such locks without enforcing them, the owner token and the inodes are checked again before
anything is published.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import socket
import stat
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import cast

from ..errors import TransferError

__all__ = ["STATE_SUFFIXES", "Checkpoint", "ResumeState", "state_base", "state_paths"]

#: The suffixes of the partial file, the checkpoint and the lock (after `.<name>.<id>`).
STATE_SUFFIXES = (".part", ".part.json", ".part.lock")
#: The checkpoint is written to this name first, then renamed over the checkpoint.
_TMP_SUFFIX = ".tmp"
_CHECKPOINT_VERSION = 1
_MAX_CHECKPOINT_BYTES = 4096
#: The longest file name most filesystems accept, in bytes.
_NAME_MAX = 255
_PLAIN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LOCK_ATTEMPTS = 5
#: Reads of a just-taken lock file before its owner is called unknown (10 ms apart).
_OWNER_READS = 20

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; O_EXCL-free best effort
    fcntl = None  # type: ignore[assignment]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def state_base(dest: Path, file_id: str) -> Path:
    """The common prefix of the state files of a download of `file_id` to `dest`.

    Keyed by both: a file that happens to be called `movie.mp4.part`, or another file
    downloaded to the same `dest`, can never be taken for this download's partial file.
    """
    key = file_id if _PLAIN_ID.fullmatch(file_id) else _digest(file_id)
    room = _NAME_MAX - len(key.encode()) - 2 - len(STATE_SUFFIXES[1] + _TMP_SUFFIX)
    name = dest.name
    if len(name.encode()) > room:  # keep state names valid for the longest `dest` names
        name = name.encode()[: room - 17].decode(errors="ignore") + "~" + _digest(dest.name)
    return dest.with_name(f".{name}.{key}")


def state_paths(dest: Path, file_id: str) -> tuple[Path, Path, Path]:
    """The partial file, the checkpoint and the lock of a download of `file_id` to `dest`."""
    base = state_base(dest, file_id)
    partial, checkpoint, lock = (base.with_name(base.name + s) for s in STATE_SUFFIXES)
    return partial, checkpoint, lock


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


class Checkpoint:
    """What a partial file was written from: file id, size, and the link's validator."""

    __slots__ = ("file_id", "size", "validator")

    def __init__(self, file_id: str, size: int, validator: str | None) -> None:
        self.file_id = file_id
        self.size = size
        self.validator = validator

    def to_json(self) -> bytes:
        record = {
            "version": _CHECKPOINT_VERSION,
            "file_id": self.file_id,
            "size": self.size,
            "validator": self.validator,
        }
        return json.dumps(record).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Checkpoint | None:
        """The checkpoint in `data`, or None when it is not one this version wrote."""
        record = _parse_record(data)
        if record.get("version") != _CHECKPOINT_VERSION:
            return None
        file_id, size, validator = (
            record.get("file_id"),
            record.get("size"),
            record.get("validator"),
        )
        if not isinstance(file_id, str) or not isinstance(size, int) or isinstance(size, bool):
            return None
        if size < 0:
            return None
        if validator is not None and not isinstance(validator, str):
            return None
        return cls(file_id, size, validator)


class ResumeState:
    """The lock, checkpoint and partial file of one download, held for one call.

    Use as a context manager: entering takes the lock (or raises `TransferError` naming the
    owner) and opens the partial file; leaving releases the lock and keeps the rest unless
    `publish` or `discard` removed it.
    """

    def __init__(self, dest: Path, file_id: str) -> None:
        self.dest = dest
        self.file_id = file_id
        self.partial, self.checkpoint_path, self.lock_path = state_paths(dest, file_id)
        self._token = uuid.uuid4().hex
        self._lock_fd = -1
        self.fd = -1

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> ResumeState:
        self._lock()
        try:
            self.fd = self._open_private(self.partial)
        except BaseException:
            self._unlock()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.fd >= 0:
            try:
                if os.fstat(self.fd).st_size == 0 and self._owns(self.partial, self.fd):
                    self.discard()  # no bytes to resume: leave nothing behind
            finally:
                os.close(self.fd)
                self.fd = -1
        self._unlock()

    # -- checkpoint --------------------------------------------------------------------------

    def load(self, size: int) -> tuple[int, str | None]:
        """The offset to resume from and the validator it was written under.

        (0, None) unless the checkpoint names this file id and `size` and the partial file
        is no longer than the file; a partial file that does not qualify is emptied.
        """
        checkpoint = self._read_checkpoint()
        have = os.fstat(self.fd).st_size
        if checkpoint is None or checkpoint.file_id != self.file_id or checkpoint.size != size:
            self.reset()
            return 0, None
        if have > size:
            self.reset()
            return 0, None
        return have, checkpoint.validator

    def save(self, size: int, validator: str | None) -> None:
        """Write the checkpoint (atomically: a temporary file renamed over it)."""
        data = Checkpoint(self.file_id, size, validator).to_json()
        tmp = self.checkpoint_path.with_name(self.checkpoint_path.name + _TMP_SUFFIX)
        _unlink(tmp)  # left by a crash: we hold the lock, nobody else writes it
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, self.checkpoint_path)

    def discard_checkpoint(self) -> None:
        """Forget the checkpoint but keep the bytes (the next `load` starts afresh)."""
        _unlink(self.checkpoint_path)

    def reset(self) -> None:
        """Forget the bytes kept: an empty partial file and no checkpoint."""
        os.ftruncate(self.fd, 0)
        _unlink(self.checkpoint_path)

    def _read_checkpoint(self) -> Checkpoint | None:
        try:
            fd = os.open(self.checkpoint_path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
        except FileNotFoundError:
            return None
        except OSError as error:
            if error.errno != errno.ELOOP:
                raise
            _unlink(self.checkpoint_path)  # a planted link: never read through it
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            return Checkpoint.from_json(os.read(fd, _MAX_CHECKPOINT_BYTES + 1))
        finally:
            os.close(fd)

    # -- publishing --------------------------------------------------------------------------

    def publish(self, *, replace: bool) -> None:
        """Move the complete partial file to `dest` and remove the rest of the state.

        With `replace=False` an existing `dest` is never replaced (`FileExistsError`; the
        state is kept). Raises `TransferError` when the lock or the partial file turned out
        not to be this call's (a filesystem that grants locks without enforcing them).
        """
        self._verify_ownership()
        os.fsync(self.fd)
        if replace:
            os.replace(self.partial, self.dest)
        else:
            try:
                os.link(self.partial, self.dest, follow_symlinks=False)
            except FileExistsError:
                raise FileExistsError(
                    errno.EEXIST,
                    f"{str(self.dest)!r} appeared while downloading; it was not replaced "
                    "(overwrite=False). The download is kept: call again with overwrite=True "
                    "or another destination",
                    str(self.dest),
                ) from None
            except OSError as error:
                if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                    raise
                # No hard links here (FAT, some network shares): check, then rename.
                if os.path.lexists(self.dest):
                    raise FileExistsError(
                        errno.EEXIST, f"{str(self.dest)!r} exists (overwrite=False)"
                    ) from None
                os.replace(self.partial, self.dest)
            else:
                os.unlink(self.partial)
        _unlink(self.checkpoint_path)

    def discard(self) -> None:
        """Remove the partial file and the checkpoint (they can never be resumed)."""
        if self._owns(self.partial, self.fd):
            _unlink(self.partial)
        _unlink(self.checkpoint_path)

    def _verify_ownership(self) -> None:
        if not self._owns(self.lock_path, self._lock_fd) or self._lock_owner_token() != self._token:
            raise TransferError(
                f"the download state of {str(self.dest)!r} was taken over by another process "
                f"({self.describe_owner()}) although this one held its lock; this filesystem "
                "may not enforce file locks. Nothing was published; run one download at a time."
            )
        if not self._owns(self.partial, self.fd):
            raise TransferError(
                f"the partial file {str(self.partial)!r} was replaced by another process while "
                "downloading; nothing was published. Run one download at a time."
            )

    @staticmethod
    def _owns(path: Path, fd: int) -> bool:
        try:
            seen = os.lstat(path)
        except FileNotFoundError:
            return False
        mine = os.fstat(fd)
        return (seen.st_dev, seen.st_ino) == (mine.st_dev, mine.st_ino)

    # -- the lock ----------------------------------------------------------------------------

    def describe_owner(self, fd: int | None = None) -> str:
        """`pid 1234 on host 'box'`, from the lock file (or the open lock `fd`); best effort."""
        record = _read_record(fd) if fd is not None else self._lock_record()
        for _ in range(_OWNER_READS):
            if record.get("pid") is not None:
                break
            time.sleep(0.01)  # the owner writes its name just after taking the lock
            record = _read_record(fd) if fd is not None else self._lock_record()
        pid, host = record.get("pid"), record.get("host")
        if pid is None:
            return "an unknown process"
        return f"pid {pid} on host {host!r}"

    def _lock(self) -> None:
        for _ in range(_LOCK_ATTEMPTS):
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o600)
            except OSError as error:
                if error.errno == errno.ELOOP:
                    raise TransferError(
                        f"{str(self.lock_path)!r} is a symbolic link; a download never follows "
                        "links in its state files. Remove it and try again."
                    ) from None
                raise
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                raise TransferError(f"{str(self.lock_path)!r} is not a regular file; remove it.")
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as error:
                    if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        os.close(fd)
                        raise
                    try:
                        owner = self.describe_owner(fd)
                    finally:
                        os.close(fd)
                    raise TransferError(
                        f"{str(self.dest)!r} is already being downloaded by {owner} (lock "
                        f"{str(self.lock_path)!r}). Wait for it to finish, or stop it; its "
                        "partial file is resumed by the next call."
                    ) from None
            if not self._owns(self.lock_path, fd):
                os.close(fd)  # the previous owner removed it as we opened it: take the new one
                continue
            record = json.dumps(
                {"pid": os.getpid(), "host": socket.gethostname(), "token": self._token}
            )
            os.ftruncate(fd, 0)
            os.pwrite(fd, record.encode(), 0)
            self._lock_fd = fd
            return
        raise TransferError(f"could not take the lock {str(self.lock_path)!r}; try again.")

    def _unlock(self) -> None:
        if self._lock_fd < 0:
            return
        try:
            if (
                self._owns(self.lock_path, self._lock_fd)
                and self._lock_owner_token() == self._token
            ):
                _unlink(self.lock_path)
        finally:
            os.close(self._lock_fd)
            self._lock_fd = -1

    def _lock_owner_token(self) -> str | None:
        token = self._lock_record().get("token")
        return token if isinstance(token, str) else None

    def _lock_record(self) -> dict[str, object]:
        try:
            fd = os.open(self.lock_path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
        except OSError:
            return {}
        try:
            return _read_record(fd)
        finally:
            os.close(fd)

    # -- files -------------------------------------------------------------------------------

    @staticmethod
    def _open_private(path: Path) -> int:
        """Open (creating) a regular file, never through a link; a planted link is removed."""
        for _ in range(2):
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o600)
            except OSError as error:
                if error.errno != errno.ELOOP:
                    raise
                os.unlink(path)  # removes the link itself, never its target
                continue
            if stat.S_ISREG(os.fstat(fd).st_mode):
                return fd
            os.close(fd)
            raise TransferError(f"{str(path)!r} is not a regular file; remove it and try again.")
        raise TransferError(f"{str(path)!r} keeps being replaced by a link; check the directory.")


def _read_record(fd: int) -> dict[str, object]:
    """The JSON object at the start of the open file `fd`, or {}."""
    return _parse_record(os.pread(fd, _MAX_CHECKPOINT_BYTES, 0))


def _parse_record(data: bytes) -> dict[str, object]:
    """The JSON object in `data`, or {} for anything else (torn, foreign, not an object)."""
    try:
        record: object = json.loads(data)
    except (ValueError, RecursionError):
        return {}
    return cast("dict[str, object]", record) if isinstance(record, dict) else {}


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
