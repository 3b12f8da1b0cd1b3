"""Models of the remote-upload endpoints (`/remotedl/*`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from pydantic import Field, model_validator

from ..errors import StreamtapeError
from ._base import (
    APIDateTime,
    FolderId,
    OptionalId,
    OptionalStr,
    SecretURL,
    StreamtapeModel,
    WireId,
)
from .files import file_name_from_link

__all__ = ["RemoteAddOutcome", "RemoteUpload", "RemoteUploadStatus"]

#: The status the API reports for a transfer that completed.
FINISHED = "finished"
#: The status the API reports for a transfer that failed.
ERROR = "error"


class RemoteUpload(StreamtapeModel, frozen=True):
    """A remote upload just queued by `/remotedl/add`."""

    id: WireId
    """The remote-upload id (not a file id: the file id arrives later as `file_id`)."""
    folder_id: FolderId = Field(default=None, alias="folderid")
    """Destination folder; None for the root folder."""
    requested_name: str | None = None
    """The `name` passed to `remote.add` (not a wire field): `remote.wait(job)` renames the
    stored file to it when the service ignored it (streamtape-api.md §5.6 N11)."""


class RemoteUploadStatus(StreamtapeModel, frozen=True):
    """The state of one remote upload (`/remotedl/status`)."""

    id: WireId
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
    file_id: OptionalId = Field(default=None, alias="extid")
    """The new file's id once finished, wire name `extid` (`false` -> None until then);
    falls back to `link_id` when only that is given."""
    link_id: OptionalId = Field(default=None, alias="linkid")
    """The new file's link id, wire name `linkid` (`false` until the file exists,
    streamtape-api.md §5.6 N1)."""
    url: OptionalStr = None
    """The new file's page link once finished (`false` -> None until then)."""
    name: OptionalStr = None
    """The stored file's name: the wire `name` when sent, else the last part of `url`;
    after `remote.wait` renamed the file, the requested name."""
    renamed_from: str | None = None
    """Set by `remote.wait` when it renamed the stored file to the name given to
    `remote.add` (the service ignored it, §5.6 N11): the name the service had chosen.
    Not a wire field."""

    @model_validator(mode="before")
    @classmethod
    def _fill_in(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        fields = dict(cast("dict[str, object]", data))
        if fields.get("extid") in (None, False, "") and fields.get("linkid") not in (
            None,
            False,
            "",
        ):
            fields["extid"] = fields["linkid"]
        if fields.get("name") in (None, False, ""):
            from_link = file_name_from_link(fields.get("url"))
            if from_link:
                fields["name"] = from_link
        if isinstance(fields.get("status"), (int, float)) and not isinstance(
            fields.get("status"), bool
        ):
            fields["status"] = str(fields["status"])
        return fields

    @property
    def is_finished(self) -> bool:
        """Whether the service reports the transfer done (status `finished`, or a page link
        is present). See `is_complete` for whether every byte arrived."""
        return self.status == FINISHED or self.url is not None

    @property
    def is_truncated(self) -> bool:
        """Whether a finished transfer stored fewer bytes than the source announced
        (`bytes_loaded < bytes_total`, streamtape-api.md §5.6 N12)."""
        return (
            self.is_finished
            and self.bytes_total is not None
            and self.bytes_loaded is not None
            and self.bytes_loaded < self.bytes_total
        )

    @property
    def is_complete(self) -> bool:
        """Whether the transfer finished with every announced byte."""
        return self.is_finished and not self.is_truncated

    @property
    def is_failed(self) -> bool:
        """Whether the transfer ended in status `error`."""
        return self.status == ERROR

    @property
    def progress(self) -> float | None:
        """Fraction fetched (0 to 1), or None while the total is unknown. A finished transfer
        with unknown figures counts as 1.0; a truncated one says how much arrived."""
        if not self.bytes_total or self.bytes_loaded is None:
            return 1.0 if self.is_finished else None
        return max(0.0, min(1.0, self.bytes_loaded / self.bytes_total))


@dataclass(frozen=True)
class RemoteAddOutcome:
    """The result of one URL of `remote.add_many`: the queued job, or why it was not queued.

    Exactly one of `upload` and `error` is set. A refused URL never loses the other URLs'
    jobs, and the list never mixes results with exceptions (one record type per item, like
    `TransferOutcome`).

    Examples:
        >>> added = client.remote.add_many(urls)  # doctest: +SKIP
        >>> ids = [o.upload.id for o in added if o.upload is not None]  # doctest: +SKIP
        >>> refused = {o.url: o.error for o in added if not o.ok}  # doctest: +SKIP
    """

    url: str
    """The URL as given to `add_many`."""
    upload: RemoteUpload | None = None
    """The queued remote upload (its `id` is what `wait`/`wait_many` take); None on failure."""
    error: StreamtapeError | None = None
    """Why the service did not queue it (None on success). An ambiguous failure
    (`OutcomeUnknownError`) may still have queued a job: check `remote.list()`."""

    @property
    def ok(self) -> bool:
        """Whether the URL was queued."""
        return self.upload is not None
