"""Wire conventions in one place: envelope, date format, epoch ms, links, messages."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from ._records import RemoteUploadRecord, StoredFile, StoredFolder

#: Every ``YYYY-MM-DD HH:MM:SS`` date on the wire (``signup_at``, ``valid_until``, ...).
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

#: Root folder as reported in ``folderid`` fields.
ROOT_FOLDER_ID = "0"

#: Page links use the public site, like the real API (reference §1.6).
PAGE_BASE = "https://streamtape.com/v"

# Exact ``msg`` strings; the SDK's tests may match on them, so they live here.
MSG_OK = "OK"
MSG_PERMISSION_DENIED = "Permission denied (wrong api login/key)"
MSG_FILE_NOT_FOUND = "File not found"
MSG_FOLDER_NOT_FOUND = "Folder not found"
MSG_REMOTE_NOT_FOUND = "Remote upload not found"
MSG_INVALID_TICKET = "Permission denied (invalid or expired ticket)"
MSG_WAIT = "please wait {seconds} more seconds"
MSG_UPLOAD_URL_GONE = "upload URL expired or already used"
MSG_SHA256_MISMATCH = "sha256 mismatch: expected {expected}, got {actual}"
MSG_BANDWIDTH = "Bandwidth usage exceeded. Please try again later."
MSG_CAPTCHA_REQUIRED = "Permission denied (captcha required)"
MSG_CAPTCHA_WRONG = "Permission denied (wrong captcha)"
MSG_TOO_MANY_REQUESTS = "Too Many Requests"


def missing_param(name: str) -> str:
    """The 400 message for a missing required parameter."""
    return f"Bad request: missing required parameter '{name}'"


def fmt_date(ts: float) -> str:
    """Format an epoch timestamp as the API's naive date string (taken as UTC)."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime(DATE_FORMAT)


def epoch_ms(ts: float) -> int:
    """Epoch seconds to integer epoch milliseconds (``created_at``)."""
    return int(ts * 1000)


def page_link(file_id: str, name: str) -> str:
    """The public page link ``https://streamtape.com/v/{id}/{name}``."""
    return f"{PAGE_BASE}/{file_id}/{quote(name, safe='')}"


def envelope(status: int | str, msg: str, result: Any) -> dict[str, Any]:
    """The ``{status, msg, result}`` envelope (``status`` a string only for N13 faults)."""
    return {"status": status, "msg": msg, "result": result}


def dumps(obj: Any) -> bytes:
    """Serialise a JSON body."""
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


class ApiError(Exception):
    """An API-level failure, answered as an envelope with ``result: null``."""

    def __init__(self, status: int, msg: str) -> None:
        super().__init__(f"{status}: {msg}")
        self.status = status
        self.msg = msg


# -- result shapes (reference §3) ---------------------------------------------------------


def folder_ref(folder_id: str | None) -> str:
    """A folder id as the wire shows it: root is ``"0"``."""
    return ROOT_FOLDER_ID if folder_id is None else folder_id


def file_info_found(f: StoredFile, thumb_url: str) -> dict[str, Any]:
    """A ``file/info`` entry; ``thumb`` only once converted."""
    entry: dict[str, Any] = {
        "id": f.id,
        "status": 200,
        "name": f.name,
        "size": f.size,
        "type": f.content_type,
        "converted": f.converted,
    }
    if f.converted:
        entry["thumb"] = thumb_url
    return entry


def file_info_missing(file_id: str) -> dict[str, Any]:
    """A ``file/info`` entry for an unknown id (the real API's shape)."""
    return {"id": file_id, "status": 404, "name": False, "size": 0, "converted": False}


def _convert_label(f: StoredFile) -> str:
    # Only converted, no-need and pending were ever seen (§5.6 N3). A file that is not a
    # video needs no conversion; a failed one was never seen, so it stays "pending".
    if f.conversion_status == "converted":
        return "converted" if f.content_type.startswith("video/") else "no-need"
    return "pending"


def listfolder_result(folders: list[StoredFolder], files: list[StoredFile]) -> dict[str, Any]:
    """``{folders: [{id, name}], files: [{name, size, link, created_at, ...}]}``."""
    return {
        "folders": [{"id": d.id, "name": d.name} for d in folders],
        "files": [
            {
                "name": f.name,
                "size": f.size,
                "link": page_link(f.id, f.name),
                "created_at": epoch_ms(f.created_at.timestamp()),
                "downloads": f.downloads,
                "linkid": f.id,
                "convert": _convert_label(f),
            }
            for f in files
        ],
    }


def convert_item(f: StoredFile, retries: int) -> dict[str, Any]:
    """A ``runningconverts``/``failedconverts`` item."""
    return {
        "name": f.name,
        "folderid": folder_ref(f.folder_id),
        "status": f.conversion_status,
        "progress": f.conversion_progress,
        "retries": retries,
        "link": page_link(f.id, f.name),
        "linkid": f.id,
    }


def remote_status(r: RemoteUploadRecord) -> dict[str, Any]:
    """A ``remotedl/status`` entry; ``extid``/``url``/``linkid`` are ``false`` until finished."""
    return {
        "id": r.id,
        "remoteurl": r.url,
        "status": r.status,
        "bytes_loaded": r.bytes_loaded,
        "bytes_total": r.bytes_total,
        "folderid": folder_ref(r.folder_id),
        "added": fmt_date(r.added.timestamp()),
        "last_update": fmt_date(r.last_update.timestamp()),
        "extid": r.file_id if r.file_id is not None else False,
        "url": r.link if r.link is not None else False,
        # N1: the file's link id once it exists (a file's linkid is its id here).
        "linkid": r.file_id if r.file_id is not None else False,
    }
