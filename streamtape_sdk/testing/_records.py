"""Public, immutable snapshots of the emulator's state (what the inspection helpers return)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class StoredFile:
    """A file stored by the emulator, as it was when the snapshot was taken.

    ``folder_id`` is ``None`` for the root folder. ``conversion_status`` is one of
    ``"new"``, ``"pending"`` (both: conversion running), ``"converted"`` or ``"failed"``;
    ``conversion_progress`` is an integer percent ``0..100`` (§5.6 N5). ``modified_at``
    is when the bytes last changed (the download links' ``Last-Modified``).
    """

    id: str
    name: str
    size: int
    folder_id: str | None
    sha256: str
    path: Path
    created_at: datetime
    content_type: str
    conversion_status: str
    conversion_progress: int
    downloads: int
    modified_at: datetime

    @property
    def converted(self) -> bool:
        """True once conversion has ended successfully."""
        return self.conversion_status == "converted"


@dataclass(frozen=True)
class StoredFolder:
    """A folder; ``parent_id`` is ``None`` for a folder directly under the root."""

    id: str
    name: str
    parent_id: str | None


@dataclass(frozen=True)
class RemoteUploadRecord:
    """A remote upload (``remotedl/add``) and its progress.

    ``status`` is ``"new"``, ``"downloading"``, ``"finished"`` or ``"error"``; ``file_id``
    and ``link`` are set once finished; ``error`` says why it failed (never on the wire).
    """

    id: str
    url: str
    folder_id: str | None
    name: str | None
    headers: dict[str, str] = field(hash=False)
    status: str
    bytes_loaded: int | None
    bytes_total: int | None
    added: datetime
    last_update: datetime
    file_id: str | None
    link: str | None
    error: str | None


@dataclass(frozen=True)
class RequestRecord:
    """One request the emulator received. Credentials are never recorded.

    ``endpoint`` is the API path without a leading slash (``"file/info"``), or ``"upload"``,
    ``"download"``, ``"thumb"``, ``"captcha"``, or ``"unknown"`` for a request no endpoint
    takes (unknown path or method); ``fault`` is the injected fault's name, if any;
    ``params`` the query parameters without ``login`` and ``key``; ``range`` the ``Range``
    header; ``path`` the request path (never the query string).
    """

    endpoint: str
    method: str
    fault: str | None
    time: datetime
    params: Mapping[str, str] = field(default_factory=dict[str, str])
    range: str | None = None
    path: str = ""
