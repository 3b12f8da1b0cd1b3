"""Models of the folder endpoints (`/file/listfolder`, `/file/createfolder`) and `walk`."""

from __future__ import annotations

from typing import cast

from pydantic import Field, model_validator

from ._base import EpochMillis, FolderId, StreamtapeModel

__all__ = ["CreatedFolder", "Folder", "FolderFile", "FolderListing", "FolderWalkEntry"]


class Folder(StreamtapeModel, frozen=True):
    """A subfolder in a listing."""

    id: str
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
    link_id: str = Field(alias="linkid")
    """The file id used by every other call, wire name `linkid`."""
    convert: str | None = None
    """Conversion state (`"converted"` is the only documented value; others are kept)."""

    @property
    def file_id(self) -> str:
        """The file id (same as `link_id`)."""
        return self.link_id


class FolderListing(StreamtapeModel, frozen=True):
    """The direct children of one folder. A `null` listing on the wire is an empty listing."""

    folders: list[Folder] = Field(default_factory=list[Folder])
    """Subfolders."""
    files: list[FolderFile] = Field(default_factory=list[FolderFile])
    """Files."""

    @model_validator(mode="before")
    @classmethod
    def _null_is_empty(cls, data: object) -> object:
        if data is None:
            return {}
        if isinstance(data, dict):
            # Some accounts send null for an empty list.
            fields = cast("dict[str, object]", data)
            return {
                k: (list[object]() if v is None and k in ("folders", "files") else v)
                for k, v in fields.items()
            }
        return data


class CreatedFolder(StreamtapeModel, frozen=True):
    """The reply of `/file/createfolder`."""

    folder_id: str = Field(alias="folderid")
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
