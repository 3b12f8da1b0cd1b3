"""Pydantic models of every API response: pure data, no HTTP."""

from ._base import InvalidEntry
from ._entries import KeyedResult, ListResult
from .account import AccountInfo
from .files import Conversion, DownloadLink, DownloadTicket, FileInfo, UploadedFile, UploadURL
from .folders import CreatedFolder, Folder, FolderFile, FolderListing, FolderWalkEntry
from .remote import RemoteAddOutcome, RemoteUpload, RemoteUploadStatus

__all__ = [
    "AccountInfo",
    "Conversion",
    "CreatedFolder",
    "DownloadLink",
    "DownloadTicket",
    "FileInfo",
    "Folder",
    "FolderFile",
    "FolderListing",
    "FolderWalkEntry",
    "InvalidEntry",
    "KeyedResult",
    "ListResult",
    "RemoteAddOutcome",
    "RemoteUpload",
    "RemoteUploadStatus",
    "UploadURL",
    "UploadedFile",
]
