"""streamtape-sdk: a typed, model-first client of the Streamtape file-hosting API.

Example:
    >>> from streamtape_sdk import Streamtape
    >>> with Streamtape() as client:  # doctest: +SKIP
    ...     for file in client.folders.list().files:
    ...         print(file.name, file.size)
"""

from ._async.client import AsyncStreamtape
from ._cancel import CancelToken
from ._client import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, Streamtape
from ._config import Timeout
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
    "AsyncStreamtape",
    "BadRequestError",
    "BandwidthExceededError",
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
    "MissingCredentialsError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "ProgressCallback",
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
    "UnavailableForLegalReasonsError",
    "UploadURL",
    "UploadedFile",
    "WaitTimeoutError",
    "__version__",
]
