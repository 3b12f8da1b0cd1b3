"""streamtape-sdk: a typed, model-first client of the Streamtape file-hosting API.

Example:
    >>> from streamtape_sdk import Streamtape
    >>> with Streamtape() as client:  # doctest: +SKIP
    ...     for file in client.folders.list().files:
    ...         print(file.name, file.size)
"""

from ._client import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, Streamtape
from ._version import __version__
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    BadRequestError,
    BandwidthExceededError,
    IntegrityError,
    MissingCredentialsError,
    NotFoundError,
    PermissionDeniedError,
    RemoteUploadFailedError,
    ResponseFormatError,
    ServerError,
    StreamtapeError,
    TransferError,
    UnavailableForLegalReasonsError,
    WaitTimeoutError,
)
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
    RemoteUpload,
    RemoteUploadStatus,
    UploadedFile,
    UploadURL,
)
from .transfers import ProgressCallback

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AccountInfo",
    "BadRequestError",
    "BandwidthExceededError",
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
    "MissingCredentialsError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProgressCallback",
    "RemoteUpload",
    "RemoteUploadFailedError",
    "RemoteUploadStatus",
    "ResponseFormatError",
    "ServerError",
    "Streamtape",
    "StreamtapeError",
    "TransferError",
    "UnavailableForLegalReasonsError",
    "UploadURL",
    "UploadedFile",
    "WaitTimeoutError",
    "__version__",
]
