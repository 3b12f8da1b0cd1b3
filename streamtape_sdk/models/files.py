"""Models of the file endpoints: tickets, links, file info, uploads, conversions."""

from __future__ import annotations

import re
import time
from typing import cast
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, Field, PrivateAttr, field_validator, model_validator

from ._base import APIDateTime, FolderId, OptionalId, OptionalStr, StreamtapeModel, WireId

__all__ = [
    "Conversion",
    "DownloadLink",
    "DownloadTicket",
    "FileInfo",
    "UploadURL",
    "UploadedFile",
]


class DownloadTicket(StreamtapeModel, frozen=True):
    """A download ticket from `/file/dlticket`; exchange it for a link after `wait_time`.

    Examples:
        >>> ticket = client.files.get_download_ticket("rbAarvRPXdYbaxY")  # doctest: +SKIP
        >>> link = client.files.get_download_link("rbAarvRPXdYbaxY", ticket)  # doctest: +SKIP
    """

    ticket: str
    """The opaque ticket string to pass to `/file/dl`."""
    wait_time: int = 0
    """Seconds to wait after receiving the ticket before asking for the link."""
    valid_until: APIDateTime | None = None
    """When the ticket expires (UTC)."""
    captcha_url: OptionalStr = None
    """The captcha image to solve before `/file/dl` accepts this ticket; None when the
    ticket demands no captcha (streamtape-api.md §5.6 N10)."""
    captcha_width: int | None = Field(default=None, alias="captcha_w")
    """The captcha image's width in pixels, wire name `captcha_w`."""
    captcha_height: int | None = Field(default=None, alias="captcha_h")
    """The captcha image's height in pixels, wire name `captcha_h`."""

    @property
    def requires_captcha(self) -> bool:
        """Whether `/file/dl` needs a `captcha_response` for this ticket."""
        return bool(self.captcha_url)

    # Local monotonic time the ticket arrived: the wait is measured from here.
    _received_at: float = PrivateAttr(default_factory=time.monotonic)

    def remaining_wait(self, now: float | None = None) -> float:
        """Seconds still to wait before the ticket can be used (0 when ready).

        `now` is a `time.monotonic()` reading; the current one by default.
        """
        current = time.monotonic() if now is None else now
        return max(0.0, self._received_at + self.wait_time - current)


class DownloadLink(StreamtapeModel, frozen=True):
    """A direct, time-limited download link from `/file/dl`."""

    name: str
    """The file's name."""
    size: int
    """The file's size in bytes."""
    url: str
    """The direct download URL (on a `tapecontent.net` host for the real service)."""


class FileInfo(StreamtapeModel, frozen=True):
    """One entry of `/file/info`.

    A missing file comes back as an entry too: `status` 404, `name` None, `size` 0.
    """

    id: WireId
    """The file id as the API reports it inside the entry."""
    status: int = 200
    """Per-file status: 200 found, 404 not found, 451 blocked."""
    name: OptionalStr = None
    """The file's name; None when the file does not exist (wire `false`)."""
    size: int = 0
    """Size in bytes (0 for a missing file)."""
    content_type: str | None = Field(
        default=None, alias="type", validation_alias=AliasChoices("type", "content_type")
    )
    """MIME type, wire name `type` (Openload-era replies say `content_type`); absent in some
    real replies."""
    converted: bool = False
    """Whether conversion to a streamable format has finished."""
    thumb: OptionalStr = None
    """Thumbnail URL; appears once conversion has finished (undocumented wire field)."""

    @property
    def exists(self) -> bool:
        """Whether the file exists and is available (`status == 200`)."""
        return self.status == 200


class UploadURL(StreamtapeModel, frozen=True):
    """A one-time upload URL from `/file/ul`: POST the file to it as multipart."""

    url: str
    """The one-time URL to POST the file to; it is the credential, keep it private."""
    valid_until: APIDateTime | None = None
    """When the URL expires (UTC)."""


#: A file page link, `https://streamtape.com/v/{id}/{name}`.
_PAGE_LINK = re.compile(r"/v/([^/?#]+)(?:/([^?#]*))?")


def file_id_from_link(link: object) -> str | None:
    """The file id in a page link (`.../v/<id>/<name>`), or None when it has none."""
    if not isinstance(link, str):
        return None
    found = _PAGE_LINK.search(urlsplit(link).path)
    return unquote(found.group(1)) if found else None


def file_name_from_link(link: object) -> str | None:
    """The file name in a page link (`.../v/<id>/<name>`), or None when it has none."""
    if not isinstance(link, str):
        return None
    found = _PAGE_LINK.search(urlsplit(link).path)
    return unquote(found.group(2)) if found and found.group(2) else None


class UploadedFile(StreamtapeModel, frozen=True):
    """The reply of the upload POST: the new file.

    All six wire fields are strings (streamtape-api.md §5.6 N6). A reply without `id` takes
    it from `url` (`/v/<id>/<name>`).
    """

    id: WireId
    """The new file's id."""
    name: str
    """The stored file name."""
    size: int
    """Size in bytes (the wire sends a string)."""
    sha256: OptionalStr = None
    """SHA-256 of the stored bytes, hex, as the server computed it."""
    content_type: OptionalStr = None
    """The MIME type the server detected."""
    url: str
    """The file's page link, `https://streamtape.com/v/{id}/{name}`."""
    reconciled: bool = False
    """True when the upload host's reply was lost or lacked the id, and the SDK found the
    stored file by listing its folder (a file of that name and size, created since the
    upload started); `sha256` and `content_type` are then None. Not a wire field."""

    @model_validator(mode="before")
    @classmethod
    def _id_from_url(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        fields = cast("dict[str, object]", data)
        if fields.get("id") in (None, False, ""):
            derived = file_id_from_link(fields.get("url"))
            if derived:
                return {**fields, "id": derived}
        return fields


class Conversion(StreamtapeModel, frozen=True):
    """One entry of `/file/runningconverts` or `/file/failedconverts`.

    The failed list's item shape is undocumented; every field is optional and unknown fields
    are kept.
    """

    name: str | None = None
    """The file's name."""
    folder_id: FolderId = Field(default=None, alias="folderid")
    """The file's folder; None for the root folder (wire `"0"` or `""`)."""
    status: str | None = None
    """Conversion state as the API says it (`"new"`, `"pending"`, ...; new values are kept)."""
    progress: float = 0.0
    """Progress as a fraction from 0 to 1. The wire sends a percentage as an integer (`45`,
    streamtape-api.md §5.6 N5); a float of at most 1 is taken as a fraction already."""
    retries: int = 0
    """How often the conversion was retried."""
    link: str | None = None
    """The file's page link."""
    link_id: OptionalId = Field(default=None, alias="linkid")
    """The file id, wire name `linkid`."""

    @field_validator("progress", mode="before")
    @classmethod
    def _percent_as_fraction(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                value = float(value) if "." in value else int(value)
            except ValueError:
                return value  # pydantic reports it
        if isinstance(value, bool):
            return value
        if isinstance(value, int) or (isinstance(value, float) and value > 1):
            return min(1.0, max(0.0, value / 100))
        return value
