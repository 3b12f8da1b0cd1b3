"""streamtape-sdk: a typed, model-first client of the Streamtape file-hosting API.

Examples:
    >>> from streamtape_sdk import Streamtape
    >>> with Streamtape() as client:  # doctest: +SKIP
    ...     for file in client.folders.list().files:
    ...         print(file.name, file.size)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._cancel import CancelToken
from ._config import DEFAULT_TIMEOUT, Timeout
from ._retry import RetryPolicy
from ._version import __version__
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    BadRequestError,
    BandwidthExceededError,
    CaptchaRequiredError,
    ClientClosedError,
    IntegrityError,
    MissingCredentialsError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RemoteUploadFailedError,
    RemoteUploadIncompleteError,
    ResponseFormatError,
    ServerError,
    StreamtapeError,
    TransferCancelledError,
    TransferError,
    UnavailableForLegalReasonsError,
    WaitTimeoutError,
)

if TYPE_CHECKING:
    from ._async.client import AsyncStreamtape
    from ._client import DEFAULT_MAX_RETRIES, Streamtape
    from .models import (
        AccountInfo,
        Conversion,
        CreatedFolder,
        DownloadLink,
        DownloadTicket,
        FileInfo,
        Folder,
        FolderFile,
        FolderListing,
        FolderWalkEntry,
        InvalidEntry,
        KeyedResult,
        ListResult,
        RemoteAddOutcome,
        RemoteUpload,
        RemoteUploadStatus,
        UploadedFile,
        UploadURL,
    )
    from .transfers import (
        BatchEvent,
        BatchListener,
        Manifest,
        ManifestEntry,
        ProgressCallback,
        TransferOutcome,
    )

# The client (requests), the models (pydantic) and the transfer code are imported on first use
# of one of these names, not by `import streamtape_sdk`: a program that only catches our errors
# or builds a `Timeout` does not pay for them (see docs/performance.md).
_LAZY = {
    # httpx2 is imported only when an AsyncStreamtape is built, never here.
    "AsyncStreamtape": "._async.client",
    "DEFAULT_MAX_RETRIES": "._client",
    "Streamtape": "._client",
    **dict.fromkeys(
        [
            "BatchEvent",
            "BatchListener",
            "Manifest",
            "ManifestEntry",
            "ProgressCallback",
            "TransferOutcome",
        ],
        ".transfers",
    ),
    **dict.fromkeys(
        [
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
            "UploadedFile",
            "UploadURL",
        ],
        ".models",
    ),
}


if not TYPE_CHECKING:  # checkers see the imports above, and still flag unknown names

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value: object = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AccountInfo",
    "AsyncStreamtape",
    "BadRequestError",
    "BandwidthExceededError",
    "BatchEvent",
    "BatchListener",
    "CancelToken",
    "CaptchaRequiredError",
    "ClientClosedError",
    "Conversion",
    "CreatedFolder",
    "DownloadLink",
    "DownloadTicket",
    "FileInfo",
    "Folder",
    "FolderFile",
    "FolderListing",
    "FolderWalkEntry",
    "IntegrityError",
    "InvalidEntry",
    "KeyedResult",
    "ListResult",
    "Manifest",
    "ManifestEntry",
    "MissingCredentialsError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "ProgressCallback",
    "RemoteAddOutcome",
    "RemoteUpload",
    "RemoteUploadFailedError",
    "RemoteUploadIncompleteError",
    "RemoteUploadStatus",
    "ResponseFormatError",
    "RetryPolicy",
    "ServerError",
    "Streamtape",
    "StreamtapeError",
    "Timeout",
    "TransferCancelledError",
    "TransferError",
    "TransferOutcome",
    "UnavailableForLegalReasonsError",
    "UploadURL",
    "UploadedFile",
    "WaitTimeoutError",
    "__version__",
]
