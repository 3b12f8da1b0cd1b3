"""`client.folders`: list, create, rename, delete and walk folders."""

from __future__ import annotations

from collections.abc import Iterator

from .. import _endpoints as ep
from ..models import CreatedFolder, FolderListing, FolderWalkEntry
from ._base import Resource, expect_true, parse, require_id, require_name

__all__ = ["Folders", "safe_path_component"]

#: Longest path component derived from a server name, in UTF-8 bytes (filesystems allow 255;
#: room is left for the id suffix and a download's temporary suffix).
MAX_COMPONENT_BYTES = 200


def safe_path_component(name: str, unique: str) -> str:
    """A folder name from the server as one relative path component that stays inside its
    parent: never empty, `.` or `..`, no `/`, `\\`, NUL or control characters, at most
    `MAX_COMPONENT_BYTES` bytes.

    A name that had to change gets ` (<unique>)` appended (the folder id), so two siblings
    that clean up to the same text stay apart. Safe names are returned unchanged.
    """
    cleaned = "".join("_" if ch in "/\\" or ord(ch) < 32 or ord(ch) == 127 else ch for ch in name)
    if cleaned.strip() in ("", ".", ".."):
        cleaned = "_" + cleaned.strip()
    encoded = cleaned.encode("utf-8")
    if len(encoded) > MAX_COMPONENT_BYTES:
        cleaned = encoded[:MAX_COMPONENT_BYTES].decode("utf-8", "ignore")
    if cleaned == name:
        return name
    suffix = f" ({unique})"
    return cleaned + safe_path_component(suffix, "") if unique else cleaned


class Folders(Resource):
    """Folders. The root folder has no id: pass None (the default)."""

    def create(
        self, name: str, parent: str | None = None, *, timeout: float | None = None
    ) -> CreatedFolder:
        """Create a folder under `parent` (the root folder when None).

        Never retried after an ambiguous failure (it could create the folder twice).

        Raises:
            ValueError: `name` or `parent` is empty.
            NotFoundError: no such parent folder.

        Examples:
            >>> client.folders.create("Holidays").folder_id  # doctest: +SKIP
            'LnvnE51P5gc'
        """
        require_name(name)
        if parent is not None:
            require_id(parent, "parent")
        result = self._call(ep.CREATE_FOLDER, {"name": name, "pid": parent}, timeout=timeout)
        return parse(CreatedFolder, result, ep.CREATE_FOLDER)

    def rename(self, folder_id: str, name: str, *, timeout: float | None = None) -> None:
        """Rename a folder.

        Raises:
            ValueError: `folder_id` or `name` is empty.
            NotFoundError: no such folder.
        """
        require_id(folder_id, "folder_id")
        require_name(name)
        params = {"folder": folder_id, "name": name}
        expect_true(self._call(ep.RENAME_FOLDER, params, timeout=timeout), ep.RENAME_FOLDER)

    def delete(self, folder_id: str, *, timeout: float | None = None) -> None:
        """Delete a folder with all its subfolders and files. Be careful.

        Raises:
            ValueError: `folder_id` is empty.
            NotFoundError: no such folder.
        """
        require_id(folder_id, "folder_id")
        result = self._call(ep.DELETE_FOLDER, {"folder": folder_id}, timeout=timeout)
        expect_true(result, ep.DELETE_FOLDER)

    def walk(
        self, folder_id: str | None = None, *, timeout: float | None = None
    ) -> Iterator[FolderWalkEntry]:
        """Walk the folder tree top-down from `folder_id` (the root folder when None).

        Like `os.walk`: each folder is yielded before its subfolders, depth first, in listing
        order; removing items from `entry.folders` before the next step prunes the walk. One
        `/file/listfolder` call per folder, made lazily as you iterate. A folder seen twice
        (a cycle) is not listed again.

        `entry.path` is built from folder names the server sends, so it is made safe: always
        relative, one component per folder, never `..`, `.`, empty, absolute, or holding
        `/`, `\\`, NUL or control characters; a name that had to change gets its folder id
        appended (`".." -> "_.. (id)"`). `mirror / entry.path` stays inside `mirror`. The raw
        names stay in `entry.folders[i].name`. File names (`entry.files[i].name`) are the
        server's too: clean them before joining them to a local path.

        Raises:
            ValueError: `folder_id` is blank.
            NotFoundError: the start folder does not exist.

        Examples:
            >>> for entry in client.folders.walk():  # doctest: +SKIP
            ...     for file in entry.files:
            ...         print(f"{entry.path}/{file.name}", file.size)
        """
        pending: list[tuple[str, str | None]] = [("", folder_id)]
        seen: set[str | None] = set()
        while pending:
            path, current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            listing = self.list(current, timeout=timeout)
            entry = FolderWalkEntry(
                path=path, folder_id=current, folders=listing.folders, files=listing.files
            )
            yield entry
            # Read entry.folders after the yield so a caller's pruning takes effect.
            for sub in reversed(entry.folders):
                part = safe_path_component(sub.name, sub.id)
                pending.append((f"{path}/{part}" if path else part, sub.id))

    def list(self, folder_id: str | None = None, *, timeout: float | None = None) -> FolderListing:
        """List the direct subfolders and files of a folder (the root folder when None).

        Raises:
            ValueError: `folder_id` is blank.
            NotFoundError: no such folder.

        Examples:
            >>> listing = client.folders.list()  # doctest: +SKIP
            >>> [f.name for f in listing.files]  # doctest: +SKIP
        """
        if folder_id is not None:
            require_id(folder_id, "folder_id")
        result = self._call(ep.LIST_FOLDER, {"folder": folder_id}, timeout=timeout)
        return parse(FolderListing, result, ep.LIST_FOLDER)
