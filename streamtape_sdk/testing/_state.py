"""The emulator's state: account, folders, files on disk, tickets, URLs, remote uploads.

Every public method takes the one lock, so the WSGI threads, remote-upload workers and
test code can call in concurrently. File bytes never live in memory: they are copied in
chunks to ``<storage>/files`` and read back in chunks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import mimetypes
import os
import shutil
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import _ids
from ._records import RemoteUploadRecord, RequestRecord, StoredFile, StoredFolder
from ._wire import (
    MSG_CAPTCHA_REQUIRED,
    MSG_CAPTCHA_WRONG,
    MSG_FILE_NOT_FOUND,
    MSG_FOLDER_NOT_FOUND,
    MSG_INVALID_TICKET,
    MSG_REMOTE_NOT_FOUND,
    MSG_UPLOAD_URL_GONE,
    MSG_WAIT,
    ApiError,
    page_link,
)

CHUNK_SIZE = 256 * 1024

#: Format version of ``state.json`` (``State.save``).
STATE_VERSION = 1

# Conversions spend the first quarter of ``conversion_seconds`` in "new" (progress 0),
# then "pending" with progress rising to 1, like the two states of the reference example.
_NEW_PHASE = 0.25

# A failed conversion is reported as having been retried this many times (shape assumed).
FAILED_RETRIES = 3


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def guess_type(name: str) -> str:
    """MIME type from a file name, ``application/octet-stream`` when unknown."""
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


@dataclass
class _Folder:
    id: str
    name: str
    parent: str | None


@dataclass
class _File:
    id: str
    name: str
    size: int
    folder: str | None
    sha256: str
    path: Path
    created: float
    content_type: str
    # None: conversion done (or never needed); else the time conversion started.
    conv_start: float | None
    fail_conversion: bool
    downloads: int = 0
    # When the stored bytes last changed (Last-Modified of download links).
    modified: float = 0.0


@dataclass
class _Ticket:
    file_id: str
    issued: float
    wait: int
    expires: float
    # The expected captcha_response, when the ticket demands a captcha (§5.6 N10).
    captcha: str | None = None
    captcha_token: str | None = None


@dataclass
class _UploadSlot:
    folder: str | None
    sha256: str | None
    expires: float
    used: bool = False


@dataclass
class _Link:
    file_id: str
    expires: float
    active: int = 0  # GETs of this link being served right now


@dataclass(frozen=True)
class TicketGrant:
    """What ``file/dlticket`` hands out; ``captcha_token`` names the captcha image."""

    ticket: str
    wait: int
    valid_until: float
    captcha_token: str | None


@dataclass
class _Remote:
    id: str
    url: str
    folder: str | None
    name: str | None
    headers: dict[str, str]
    added: float
    status: str = "new"
    bytes_loaded: int | None = None
    bytes_total: int | None = None
    last_update: float = 0.0
    file_id: str | None = None
    link: str | None = None
    error: str | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)


def _file_from_json(d: Mapping[str, Any], files_dir: Path) -> _File:
    """A ``_File`` from its ``State.save`` form (``path`` stored as a bare file name)."""
    folder, conv_start = d["folder"], d["conv_start"]
    return _File(
        id=str(d["id"]),
        name=str(d["name"]),
        size=int(d["size"]),
        folder=None if folder is None else str(folder),
        sha256=str(d["sha256"]),
        path=files_dir / Path(str(d["path"])).name,
        created=float(d["created"]),
        content_type=str(d["content_type"]),
        conv_start=None if conv_start is None else float(conv_start),
        fail_conversion=bool(d["fail_conversion"]),
        downloads=int(d["downloads"]),
        modified=float(d["modified"]),
    )


@dataclass(frozen=True)
class UploadTarget:
    """What a claimed one-time upload URL allows: destination folder and expected hash."""

    folder: str | None
    sha256: str | None


class State:
    """Thread-safe in-memory index over files stored on disk."""

    def __init__(
        self,
        *,
        storage: Path,
        login: str,
        key: str,
        wait_time: int,
        conversion_seconds: float,
        upload_url_ttl: float,
        ticket_ttl: float,
        download_link_ttl: float,
    ) -> None:
        self.lock = threading.RLock()
        self.storage = storage
        self.files_dir = storage / "files"
        self.incoming_dir = storage / "incoming"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.incoming_dir.mkdir(parents=True, exist_ok=True)
        self.login = login
        self.key = key
        self.email = "dev@example.com"
        self.signup_at = time.time()
        self.wait_time = wait_time
        self.conversion_seconds = conversion_seconds
        self.upload_url_ttl = upload_url_ttl
        self.ticket_ttl = ticket_ttl
        self.download_link_ttl = download_link_ttl
        self._folders: dict[str, _Folder] = {}
        self._files: dict[str, _File] = {}
        self._tickets: dict[str, _Ticket] = {}
        self._slots: dict[str, _UploadSlot] = {}
        self._links: dict[str, _Link] = {}
        self._remotes: dict[str, _Remote] = {}
        self._log: list[RequestRecord] = []
        # file id (None: every file) -> the answer its captcha expects (§5.6 N10).
        self._captchas: dict[str | None, str] = {}
        self._captcha_tokens: set[str] = set()
        self.max_link_connections: int | None = None

    # -- auth and request log -------------------------------------------------------------

    def check_auth(self, login: str | None, key: str | None) -> bool:
        """Constant-time comparison of the credentials."""
        if login is None or key is None:
            return False
        ok_login = hmac.compare_digest(login.encode(), self.login.encode())
        ok_key = hmac.compare_digest(key.encode(), self.key.encode())
        return ok_login and ok_key

    def log_request(
        self,
        endpoint: str,
        method: str,
        fault: str | None,
        params: Mapping[str, str],
        range_header: str | None,
        *,
        path: str = "",
    ) -> None:
        # Credentials never enter the log: tests print it, and it must be safe to show.
        clean = MappingProxyType({k: v for k, v in params.items() if k not in ("login", "key")})
        record = RequestRecord(
            endpoint, method, fault, _utc(time.time()), clean, range_header, path
        )
        with self.lock:
            self._log.append(record)

    def requests_log(self) -> list[RequestRecord]:
        with self.lock:
            return list(self._log)

    def clear_requests_log(self) -> None:
        with self.lock:
            self._log.clear()

    # -- snapshots ------------------------------------------------------------------------

    def _conversion(self, f: _File, now: float) -> tuple[str, int]:
        # progress is an integer percent (§5.6 N5 shows 0, 45, 100), never a fraction.
        if f.conv_start is None:
            return "converted", 100
        elapsed = now - f.conv_start
        total = self.conversion_seconds
        if elapsed >= total:
            return ("failed", 0) if f.fail_conversion else ("converted", 100)
        frac = elapsed / total
        if frac < _NEW_PHASE:
            return "new", 0
        return "pending", min(int((frac - _NEW_PHASE) / (1 - _NEW_PHASE) * 100), 99)

    def _snap_file(self, f: _File, now: float) -> StoredFile:
        status, progress = self._conversion(f, now)
        return StoredFile(
            id=f.id,
            name=f.name,
            size=f.size,
            folder_id=f.folder,
            sha256=f.sha256,
            path=f.path,
            created_at=_utc(f.created),
            content_type=f.content_type,
            conversion_status=status,
            conversion_progress=progress,
            downloads=f.downloads,
            modified_at=_utc(f.modified),
        )

    @staticmethod
    def _snap_folder(d: _Folder) -> StoredFolder:
        return StoredFolder(d.id, d.name, d.parent)

    @staticmethod
    def _snap_remote(r: _Remote) -> RemoteUploadRecord:
        return RemoteUploadRecord(
            id=r.id,
            url=r.url,
            folder_id=r.folder,
            name=r.name,
            headers=dict(r.headers),
            status=r.status,
            bytes_loaded=r.bytes_loaded,
            bytes_total=r.bytes_total,
            added=_utc(r.added),
            last_update=_utc(r.last_update),
            file_id=r.file_id,
            link=r.link,
            error=r.error,
        )

    # -- folders --------------------------------------------------------------------------

    def _require_folder(self, folder: str | None) -> None:
        if folder is not None and folder not in self._folders:
            raise ApiError(404, MSG_FOLDER_NOT_FOUND)

    def add_folder(self, name: str, parent: str | None) -> str:
        with self.lock:
            self._require_folder(parent)
            fid = _ids.folder_id()
            while fid in self._folders:
                fid = _ids.folder_id()
            self._folders[fid] = _Folder(fid, name, parent)
            return fid

    def rename_folder(self, folder: str, name: str) -> None:
        with self.lock:
            self._require_folder(folder)
            self._folders[folder].name = name

    def delete_folder(self, folder: str) -> None:
        """Delete a folder, its subfolders and their files (from disk too)."""
        with self.lock:
            self._require_folder(folder)
            doomed = {folder}
            changed = True
            while changed:
                changed = False
                for d in self._folders.values():
                    if d.parent in doomed and d.id not in doomed:
                        doomed.add(d.id)
                        changed = True
            for fid in [f.id for f in self._files.values() if f.folder in doomed]:
                self._delete_file(fid)
            for did in doomed:
                del self._folders[did]

    def folder_exists(self, folder: str | None) -> bool:
        with self.lock:
            return folder is None or folder in self._folders

    def list_folder(self, folder: str | None) -> tuple[list[StoredFolder], list[StoredFile]]:
        """Direct children of ``folder`` (``None``: root)."""
        with self.lock:
            self._require_folder(folder)
            now = time.time()
            dirs = [self._snap_folder(d) for d in self._folders.values() if d.parent == folder]
            files = [self._snap_file(f, now) for f in self._files.values() if f.folder == folder]
            return dirs, files

    def folders(self) -> list[StoredFolder]:
        with self.lock:
            return [self._snap_folder(d) for d in self._folders.values()]

    # -- files ----------------------------------------------------------------------------

    def new_incoming_path(self) -> Path:
        """A fresh path under the incoming dir for a file being received."""
        return self.incoming_dir / f"{_ids.token()}.part"

    def import_file(
        self,
        source: Path,
        *,
        name: str,
        folder: str | None,
        sha256: str,
        size: int,
        content_type: str | None = None,
        converting: bool = True,
        fail_conversion: bool = False,
    ) -> StoredFile:
        """Move a fully received file from the incoming dir into storage and index it.

        Raises:
            ApiError: 404 if ``folder`` no longer exists (the source is deleted then).
        """
        with self.lock:
            try:
                self._require_folder(folder)
            except ApiError:
                source.unlink(missing_ok=True)
                raise
            fid = _ids.file_id()
            while fid in self._files:
                fid = _ids.file_id()
            path = self.files_dir / fid
            os.replace(source, path)
            now = time.time()
            f = _File(
                id=fid,
                name=name,
                size=size,
                folder=folder,
                sha256=sha256,
                path=path,
                created=now,
                content_type=content_type or guess_type(name),
                conv_start=now if (converting or fail_conversion) else None,
                fail_conversion=fail_conversion,
                modified=now,
            )
            self._files[fid] = f
            return self._snap_file(f, now)

    def write_incoming(self, chunks: Iterable[bytes]) -> tuple[Path, str, int]:
        """Write chunks to a new incoming file; return its path, sha256 and size."""
        path = self.new_incoming_path()
        digest = hashlib.sha256()
        size = 0
        with path.open("wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        return path, digest.hexdigest(), size

    def replace_content(self, file_id: str, source: Path, sha256: str, size: int) -> None:
        """Swap a file's bytes for a fully written incoming file (new ETag, new date).

        A download already streaming keeps reading the old bytes: the new content gets
        a new inode and the old path is replaced atomically.

        Raises:
            KeyError: unknown file (``source`` is deleted then).
        """
        with self.lock:
            f = self._files.get(file_id)
            if f is None:
                source.unlink(missing_ok=True)
                raise KeyError(f"unknown file {file_id!r}")
            os.replace(source, f.path)
            f.sha256, f.size = sha256, size
            # Whole seconds always move forward: Last-Modified has a 1 s resolution.
            f.modified = max(time.time(), math.floor(f.modified) + 1.0)

    def get_file(self, file_id: str) -> StoredFile | None:
        with self.lock:
            f = self._files.get(file_id)
            return None if f is None else self._snap_file(f, time.time())

    def require_file(self, file_id: str) -> StoredFile:
        snap = self.get_file(file_id)
        if snap is None:
            raise ApiError(404, MSG_FILE_NOT_FOUND)
        return snap

    def files(self) -> list[StoredFile]:
        with self.lock:
            now = time.time()
            return [self._snap_file(f, now) for f in self._files.values()]

    def rename_file(self, file_id: str, name: str) -> None:
        with self.lock:
            self.require_file(file_id)
            self._files[file_id].name = name

    def move_file(self, file_id: str, folder: str | None) -> None:
        with self.lock:
            self.require_file(file_id)
            self._require_folder(folder)
            self._files[file_id].folder = folder

    def _delete_file(self, file_id: str) -> None:
        f = self._files.pop(file_id)
        # Unlinking an open file is fine on POSIX; a running download keeps its handle.
        f.path.unlink(missing_ok=True)

    def delete_file(self, file_id: str) -> None:
        with self.lock:
            self.require_file(file_id)
            self._delete_file(file_id)

    def finish_conversions(self) -> None:
        """End every running conversion now (failing the ones seeded to fail)."""
        with self.lock:
            long_ago = time.time() - self.conversion_seconds - 1
            for f in self._files.values():
                if f.conv_start is not None:
                    f.conv_start = long_ago

    # -- download tickets and links -------------------------------------------------------

    def require_captcha(self, file_id: str | None, answer: str) -> None:
        """Tickets issued from now on for ``file_id`` (None: every file) need ``answer``."""
        with self.lock:
            self._captchas[file_id] = answer

    def clear_captchas(self) -> None:
        """Tickets issued from now on need no captcha."""
        with self.lock:
            self._captchas.clear()

    def captcha_exists(self, token: str) -> bool:
        with self.lock:
            return token in self._captcha_tokens

    def issue_ticket(self, file_id: str) -> TicketGrant:
        """Issue a download ticket for an existing file (with a captcha if one is demanded)."""
        with self.lock:
            self.require_file(file_id)
            now = time.time()
            # Shaped like the reference example: {fileid}~~{epoch-ms}~n~~0~{token}.
            ticket = f"{file_id}~~{int(now * 1000)}~n~~0~{_ids.token()}"
            answer = self._captchas.get(file_id, self._captchas.get(None))
            token = None if answer is None else _ids.token()
            t = _Ticket(file_id, now, self.wait_time, now + self.ticket_ttl, answer, token)
            self._tickets[ticket] = t
            if token is not None:
                self._captcha_tokens.add(token)
            return TicketGrant(ticket, t.wait, t.expires, token)

    def redeem_ticket(
        self, file_id: str, ticket: str, captcha_response: str | None = None
    ) -> tuple[StoredFile, str]:
        """Check a ticket (and its captcha) and issue a download-link token for the file.

        Raises:
            ApiError: 404 unknown file; 403 unknown/expired/other-file ticket, wait
                not elapsed, captcha missing or wrong.
        """
        with self.lock:
            self.require_file(file_id)
            now = time.time()
            t = self._tickets.get(ticket)
            if t is None or t.file_id != file_id or now >= t.expires:
                raise ApiError(403, MSG_INVALID_TICKET)
            remaining = t.issued + t.wait - now
            if remaining > 0:
                raise ApiError(403, MSG_WAIT.format(seconds=math.ceil(remaining)))
            if t.captcha is not None:
                if captcha_response is None:
                    raise ApiError(403, MSG_CAPTCHA_REQUIRED)
                if not hmac.compare_digest(captcha_response.encode(), t.captcha.encode()):
                    raise ApiError(403, MSG_CAPTCHA_WRONG)
            token = _ids.token()
            self._links[token] = _Link(file_id, now + self.download_link_ttl)
            f = self._files[file_id]
            f.downloads += 1
            return self._snap_file(f, now), token

    def open_link(self, token: str) -> tuple[StoredFile | None, bool]:
        """Start serving one GET of a download link.

        Returns the file (``None``: unknown/expired link) and whether the per-link
        connection limit allows it; when it does, the caller must ``close_link`` later.
        """
        with self.lock:
            snap = self.resolve_link(token)
            if snap is None:
                return None, False
            link = self._links[token]
            limit = self.max_link_connections
            if limit is not None and link.active >= limit:
                return snap, False
            link.active += 1
            return snap, True

    def close_link(self, token: str) -> None:
        """A GET started by ``open_link`` has ended."""
        with self.lock:
            link = self._links.get(token)
            if link is not None and link.active > 0:
                link.active -= 1

    def resolve_link(self, token: str) -> StoredFile | None:
        """The file behind a live download-link token, else ``None``."""
        with self.lock:
            link = self._links.get(token)
            if link is None or time.time() >= link.expires:
                return None
            f = self._files.get(link.file_id)
            return None if f is None else self._snap_file(f, time.time())

    def expire_links(self) -> None:
        """Make every ticket, download link and upload URL expire now."""
        with self.lock:
            now = time.time()
            for t in self._tickets.values():
                t.expires = now
            for link in self._links.values():
                link.expires = now
            for s in self._slots.values():
                s.expires = now

    # -- upload URLs ----------------------------------------------------------------------

    def issue_upload_slot(self, folder: str | None, sha256: str | None) -> tuple[str, float]:
        with self.lock:
            self._require_folder(folder)
            token = _ids.token()
            expires = time.time() + self.upload_url_ttl
            self._slots[token] = _UploadSlot(folder, sha256, expires)
            return token, expires

    def claim_upload_slot(self, token: str) -> UploadTarget:
        """Use up a one-time upload URL.

        Raises:
            ApiError: 403 if unknown, expired or already used.
        """
        with self.lock:
            slot = self._slots.get(token)
            if slot is None or slot.used or time.time() >= slot.expires:
                raise ApiError(403, MSG_UPLOAD_URL_GONE)
            slot.used = True
            return UploadTarget(slot.folder, slot.sha256)

    # -- remote uploads -------------------------------------------------------------------

    def add_remote(
        self, url: str, folder: str | None, headers: dict[str, str], name: str | None
    ) -> RemoteUploadRecord:
        with self.lock:
            self._require_folder(folder)
            rid = _ids.remote_id()
            while rid in self._remotes:
                rid = _ids.remote_id()
            now = time.time()
            r = _Remote(rid, url, folder, name, headers, added=now, last_update=now)
            self._remotes[rid] = r
            return self._snap_remote(r)

    def remote_cancel_event(self, rid: str) -> threading.Event:
        with self.lock:
            return self._remotes[rid].cancelled

    def _live_remote(self, rid: str) -> _Remote | None:
        r = self._remotes.get(rid)
        return None if r is None or r.cancelled.is_set() else r

    def remote_update(
        self, rid: str, *, loaded: int | None = None, total: int | None = None
    ) -> bool:
        """Mark a remote upload as downloading with byte counts; False if cancelled."""
        with self.lock:
            r = self._live_remote(rid)
            if r is None:
                return False
            r.status = "downloading"
            r.bytes_loaded = loaded if loaded is not None else (r.bytes_loaded or 0)
            if total is not None:
                r.bytes_total = total
            r.last_update = time.time()
            return True

    def remote_finish(
        self,
        rid: str,
        source: Path,
        name: str,
        sha256: str,
        size: int,
        content_type: str | None,
        *,
        announced: int | None = None,
    ) -> None:
        """Store the fetched file and mark the remote upload finished (or error).

        ``announced`` is the source's Content-Length: kept as ``bytes_total`` even when
        fewer bytes came (§5.6 N12), so the truncation stays visible.
        """
        with self.lock:
            r = self._live_remote(rid)
            if r is None:
                source.unlink(missing_ok=True)
                return
            try:
                f = self.import_file(
                    source,
                    name=name,
                    folder=r.folder,
                    sha256=sha256,
                    size=size,
                    content_type=content_type,
                )
            except ApiError as exc:
                r.status, r.error = "error", f"destination folder gone: {exc.msg}"
            else:
                r.status = "finished"
                r.file_id = f.id
                r.link = page_link(f.id, f.name)
                r.bytes_loaded = size
                r.bytes_total = size if announced is None else announced
            r.last_update = time.time()

    def remote_fail(self, rid: str, reason: str, *, loaded: int | None = None) -> None:
        """End a remote upload in ``error``; ``loaded`` counts the bytes it did fetch."""
        with self.lock:
            r = self._live_remote(rid)
            if r is not None:
                r.status, r.error, r.last_update = "error", reason, time.time()
                if loaded is not None:
                    r.bytes_loaded = loaded

    def remove_remote(self, rid: str) -> None:
        """Cancel and forget one remote upload, or all of them with ``"all"``.

        Raises:
            ApiError: 404 unknown id.
        """
        with self.lock:
            if rid == "all":
                doomed = list(self._remotes)
            elif rid in self._remotes:
                doomed = [rid]
            else:
                raise ApiError(404, MSG_REMOTE_NOT_FOUND)
            for d in doomed:
                self._remotes.pop(d).cancelled.set()

    def get_remote(self, rid: str) -> RemoteUploadRecord | None:
        with self.lock:
            r = self._remotes.get(rid)
            return None if r is None else self._snap_remote(r)

    def remote_uploads(self, rid: str | None = None) -> list[RemoteUploadRecord]:
        """One remote upload, or all of them newest first.

        An unknown ``rid`` gives all of them too, as the service does (§5.6 N2).
        """
        with self.lock:
            if rid is not None and rid in self._remotes:
                return [self._snap_remote(self._remotes[rid])]
            ordered = sorted(self._remotes.values(), key=lambda r: r.added, reverse=True)
            return [self._snap_remote(r) for r in ordered]

    def cancel_all_remotes(self) -> None:
        with self.lock:
            for r in self._remotes.values():
                r.cancelled.set()

    # -- persistence ----------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the account, folders and files index to ``path`` (JSON, atomically).

        Tickets, download links, upload URLs and remote uploads are short-lived and are
        not kept. The file bytes already live under ``files/``.
        """
        with self.lock:
            data = {
                "version": STATE_VERSION,
                "login": self.login,
                "key": self.key,
                "signup_at": self.signup_at,
                "folders": [asdict(d) for d in self._folders.values()],
                "files": [{**asdict(f), "path": f.path.name} for f in self._files.values()],
            }
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, path)

    def load(self, path: Path, *, login: str | None, key: str | None) -> None:
        """Restore what ``save`` wrote; explicit ``login``/``key`` win over the saved ones.

        Files whose bytes are gone are skipped; half-received uploads are removed.

        Raises:
            ValueError: the file is not a state file this version can read.
        """
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != STATE_VERSION:
                raise ValueError(f"unsupported state version {data.get('version')!r}")
            folders = [_Folder(**d) for d in data["folders"]]
            files = [_file_from_json(f, self.files_dir) for f in data["files"]]
        except (OSError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"cannot read emulator state {path}: {exc}") from None
        with self.lock:
            self.login = login or str(data["login"])
            self.key = key or str(data["key"])
            self.signup_at = float(data["signup_at"])
            self._folders = {d.id: d for d in folders}
            self._files = {f.id: f for f in files if f.path.is_file()}
        for leftover in self.incoming_dir.glob("*.part"):
            leftover.unlink(missing_ok=True)

    # -- teardown -------------------------------------------------------------------------

    def remove_storage(self) -> None:
        shutil.rmtree(self.storage, ignore_errors=True)
