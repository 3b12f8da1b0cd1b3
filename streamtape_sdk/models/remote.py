"""Models of the remote-upload endpoints (`/remotedl/*`)."""

from __future__ import annotations

from pydantic import Field

from ._base import APIDateTime, FolderId, OptionalStr, SecretURL, StreamtapeModel

__all__ = ["RemoteUpload", "RemoteUploadStatus"]

#: The status the API reports for a transfer that completed.
FINISHED = "finished"
#: The status the API reports for a transfer that failed.
ERROR = "error"


class RemoteUpload(StreamtapeModel, frozen=True):
    """A remote upload just queued by `/remotedl/add`."""

    id: str
    """The remote-upload id (not a file id: the file id arrives later as `file_id`)."""
    folder_id: FolderId = Field(default=None, alias="folderid")
    """Destination folder; None for the root folder."""


class RemoteUploadStatus(StreamtapeModel, frozen=True):
    """The state of one remote upload (`/remotedl/status`)."""

    id: str
    """The remote-upload id."""
    remote_url: SecretURL = Field(default=None, alias="remoteurl")
    """The source URL being fetched, wire name `remoteurl`. Its userinfo and query values
    (credentials, signatures) are `***` in repr and dumps, raw here (see `StreamtapeModel`)."""
    status: str
    """`"new"`, `"downloading"`, `"finished"`, `"error"`, ...; unknown values are kept as-is."""
    bytes_loaded: int | None = None
    """Bytes fetched so far; None until known."""
    bytes_total: int | None = None
    """Size of the source; None until known."""
    folder_id: FolderId = Field(default=None, alias="folderid")
    """Destination folder; None for the root folder."""
    added: APIDateTime | None = None
    """When the remote upload was queued (UTC)."""
    last_update: APIDateTime | None = None
    """When its state last changed (UTC)."""
    file_id: OptionalStr = Field(default=None, alias="extid")
    """The new file's id once finished, wire name `extid` (`false` -> None until then)."""
    url: OptionalStr = None
    """The new file's page link once finished (`false` -> None until then)."""

    @property
    def is_finished(self) -> bool:
        """Whether the transfer completed (status `finished`, or a page link is present)."""
        return self.status == FINISHED or self.url is not None

    @property
    def is_failed(self) -> bool:
        """Whether the transfer ended in status `error`."""
        return self.status == ERROR

    @property
    def progress(self) -> float | None:
        """Fraction fetched (0 to 1), or None while the total is unknown."""
        if self.is_finished:
            return 1.0
        if not self.bytes_total or self.bytes_loaded is None:
            return None
        return min(1.0, self.bytes_loaded / self.bytes_total)
