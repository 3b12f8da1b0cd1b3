"""Every API endpoint the SDK calls: its path, whether it needs credentials, and whether it
may be retried after an ambiguous failure. The one place these facts live."""

from __future__ import annotations

from dataclasses import dataclass

from ._redaction import SecretKind


@dataclass(frozen=True)
class Endpoint:
    """One API endpoint.

    Attributes:
        path: the path under the base URL, e.g. `/file/info`.
        auth: whether `login` and `key` are sent.
        idempotent: whether repeating the call cannot change the outcome, so it may be retried
            after a failure that leaves unknown whether the server acted (timeout mid-read,
            dropped connection, 5xx). Failures known to happen before the request was sent are
            retried for every endpoint.
        removes: whether the call deletes something, so that a 404 on a retry, after an
            attempt that may have reached the server, means the first attempt did it.
        secret_params: parameters that carry secrets other than the key, with how they carry
            them (`"url"`: userinfo and query values; `"header_lines"`: header values;
            `"value"`: the whole value). They are masked wherever the key is: error
            messages, retry log lines, urllib3's request line, the CLI's `--debug` output.
    """

    path: str
    auth: bool = True
    idempotent: bool = True
    removes: bool = False
    secret_params: tuple[tuple[str, SecretKind], ...] = ()


ACCOUNT_INFO = Endpoint("/account/info")
DOWNLOAD_TICKET = Endpoint("/file/dlticket")
DOWNLOAD_LINK = Endpoint("/file/dl", auth=False)
FILE_INFO = Endpoint("/file/info")
UPLOAD_URL = Endpoint("/file/ul")  # only hands out a one-time URL: safe to repeat
# A source URL may carry Basic-Auth userinfo and signed query values; `headers` exists to
# carry cookies and Authorization (issue: secrets other than the API key).
REMOTE_ADD = Endpoint(
    "/remotedl/add",
    idempotent=False,
    secret_params=(("url", "url"), ("headers", "header_lines")),
)
REMOTE_REMOVE = Endpoint("/remotedl/remove", removes=True)
REMOTE_STATUS = Endpoint("/remotedl/status")
LIST_FOLDER = Endpoint("/file/listfolder")
CREATE_FOLDER = Endpoint("/file/createfolder", idempotent=False)
RENAME_FOLDER = Endpoint("/file/renamefolder")
DELETE_FOLDER = Endpoint("/file/deletefolder", removes=True)
RENAME_FILE = Endpoint("/file/rename")
MOVE_FILE = Endpoint("/file/move")
DELETE_FILE = Endpoint("/file/delete", removes=True)
RUNNING_CONVERSIONS = Endpoint("/file/runningconverts")
FAILED_CONVERSIONS = Endpoint("/file/failedconverts")
THUMBNAIL = Endpoint("/file/getsplash")

#: The upload POST to the one-time URL from `/file/ul` (the URL is absolute; no credentials).
UPLOAD_POST = Endpoint("upload", auth=False, idempotent=False)
#: The GET of a download link from `/file/dl` (absolute URL; no credentials).
DOWNLOAD_GET = Endpoint("download", auth=False)

ALL_API_ENDPOINTS: tuple[Endpoint, ...] = (
    ACCOUNT_INFO,
    DOWNLOAD_TICKET,
    DOWNLOAD_LINK,
    FILE_INFO,
    UPLOAD_URL,
    REMOTE_ADD,
    REMOTE_REMOVE,
    REMOTE_STATUS,
    LIST_FOLDER,
    CREATE_FOLDER,
    RENAME_FOLDER,
    DELETE_FOLDER,
    RENAME_FILE,
    MOVE_FILE,
    DELETE_FILE,
    RUNNING_CONVERSIONS,
    FAILED_CONVERSIONS,
    THUMBNAIL,
)
