"""Models of the folder endpoints (`/file/listfolder`, `/file/createfolder`) and `walk`."""

from __future__ import annotations

from typing import cast

from pydantic import Field, model_validator

from ._base import EpochMillis, FolderId, InvalidEntry, StreamtapeModel, WireId
from ._entries import validate_entries

__all__ = ["CreatedFolder", "Folder", "FolderFile", "FolderListing", "FolderWalkEntry"]


class Folder(StreamtapeModel, frozen=True):
    """A subfolder in a listing."""

    id: WireId
    """The folder id."""
    name: str
    """The folder name."""


class FolderFile(StreamtapeModel, frozen=True):
    """A file in a listing."""

    name: str
    """The file name."""
    size: int
    """Size in bytes."""
    link: str | None = None
    """The page link, `https://streamtape.com/v/{link_id}/{name}`."""
    created_at: EpochMillis
    """When the file was created (UTC; epoch milliseconds on the wire)."""
    downloads: int = 0
    """How often the file was downloaded."""
    link_id: WireId = Field(alias="linkid")
    """The file id used by every other call, wire name `linkid`."""
    convert: str | None = None
    """Conversion state (`"converted"` is the only documented value; others are kept)."""

    @property
    def file_id(self) -> str:
        """The file id (same as `link_id`)."""
        return self.link_id


class FolderListing(StreamtapeModel, frozen=True):
    """The direct children of one folder. A `null` listing on the wire is an empty listing
    (streamtape-api.md §5.6 N16).

    Entries are parsed one by one: an entry of an unexpected shape does not lose the others;
    it is reported in `invalid` instead.
    """

    folders: list[Folder] = Field(default_factory=list[Folder])
    """Subfolders."""
    files: list[FolderFile] = Field(default_factory=list[FolderFile])
    """Files."""
    invalid: list[InvalidEntry] = Field(default_factory=list[InvalidEntry], exclude=True)
    """Entries of the reply that could not be parsed (`location` is e.g. `"files[3]"`);
    empty for a well-formed reply. Not a wire field, so not in `model_dump()`."""

    @model_validator(mode="before")
    @classmethod
    def _entry_by_entry(cls, data: object) -> object:
        if data is None:
            return {}
        if not isinstance(data, dict):
            return data
        fields = dict(cast("dict[str, object]", data))
        invalid: list[InvalidEntry] = []
        for key, model in (("folders", Folder), ("files", FolderFile)):
            value = fields.get(key)
            if value is None or value is False:  # some accounts send null for an empty list
                fields[key] = []
            elif isinstance(value, list):
                items = cast("list[object]", value)
                good, bad = validate_entries(
                    model, ((f"{key}[{i}]", item) for i, item in enumerate(items))
                )
                fields[key] = [entry for _, entry in good]
                invalid.extend(bad)
        if invalid:
            fields["invalid"] = invalid
        return fields


class CreatedFolder(StreamtapeModel, frozen=True):
    """The reply of `/file/createfolder`."""

    folder_id: WireId = Field(alias="folderid")
    """The new folder's id."""


class FolderWalkEntry(StreamtapeModel, frozen=True):
    """One folder visited by `client.folders.walk()`, like a tuple of `os.walk`."""

    path: str
    """Slash-separated path from the walk's start (`""` for the start folder itself)."""
    folder_id: FolderId = None
    """The folder's id; None for the root folder."""
    folders: list[Folder] = Field(default_factory=list[Folder])
    """Its direct subfolders."""
    files: list[FolderFile] = Field(default_factory=list[FolderFile])
    """Its direct files."""
    invalid: list[InvalidEntry] = Field(default_factory=list[InvalidEntry], exclude=True)
    """Entries of its listing that could not be parsed (see `FolderListing.invalid`)."""
