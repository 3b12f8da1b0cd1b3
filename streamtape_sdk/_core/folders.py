"""`folders` as flows: list, create, rename, delete and walk folders."""

from __future__ import annotations

import builtins

from .. import _endpoints as ep
from ..errors import StreamtapeError
from ..models import CreatedFolder, FolderListing, FolderWalkEntry
from ..transfers._names import safe_path_component
from .effects import Flow, emit
from .parsing import expect_true, parse, require_id, require_name
from .reconcile import is_ambiguous, reconcile
from .resource import CoreResource

__all__ = ["FoldersCore"]


class FoldersCore(CoreResource):
    """Folders. The root folder has no id: pass None (the default)."""

    def create(
        self, name: str, parent: str | None = None, *, timeout: float | None = None
    ) -> Flow[CreatedFolder]:
        """Create a folder under `parent` (the root folder when None).

        Never retried after an ambiguous failure (it could create the folder twice).
        Instead, when the reply is lost or unreadable (or empty), the parent is listed: a
        single folder of that name there is returned as the result. The service allows
        several folders of one name and folders carry no creation time, so if one of that
        name existed before, that one is returned (two or more: `OutcomeUnknownError`).

        Raises:
            ValueError: `name` or `parent` is empty.
            NotFoundError: no such parent folder.
            OutcomeUnknownError: the folder may or may not have been created and the
                parent's listing could not tell; the message says what to check.

        Examples:
            >>> client.folders.create("Holidays").folder_id  # doctest: +SKIP
            'LnvnE51P5gc'
        """
        require_name(name)
        if parent is not None:
            require_id(parent, "parent")
        try:
            result = yield from self._call(
                ep.CREATE_FOLDER, {"name": name, "pid": parent}, timeout=timeout
            )
            return parse(CreatedFolder, result, ep.CREATE_FOLDER)
        except StreamtapeError as error:
            if not is_ambiguous(error):
                raise
            where = f"folder {parent}" if parent else "the root folder"
            return (
                yield from reconcile(
                    ep.CREATE_FOLDER.path,
                    error,
                    f"creating folder {name!r} in {where}",
                    f"list {where} and look for a folder named {name!r}",
                    lambda: self._find_created(name, parent, timeout),
                    lambda found: found.folder_id,
                )
            )

    def rename(self, folder_id: str, name: str, *, timeout: float | None = None) -> Flow[None]:
        """Rename a folder.

        Raises:
            ValueError: `folder_id` or `name` is empty.
            NotFoundError: no such folder.
        """
        require_id(folder_id, "folder_id")
        require_name(name)
        params = {"folder": folder_id, "name": name}
        result = yield from self._call(ep.RENAME_FOLDER, params, timeout=timeout)
        expect_true(result, ep.RENAME_FOLDER)

    def delete(self, folder_id: str, *, timeout: float | None = None) -> Flow[None]:
        """Delete a folder with all its subfolders and files. Be careful.

        Raises:
            ValueError: `folder_id` is empty.
            NotFoundError: no such folder.
        """
        require_id(folder_id, "folder_id")
        result = yield from self._call(ep.DELETE_FOLDER, {"folder": folder_id}, timeout=timeout)
        expect_true(result, ep.DELETE_FOLDER)

    def walk(self, folder_id: str | None = None, *, timeout: float | None = None) -> Flow[None]:
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
            listing = yield from self.list(current, timeout=timeout)
            entry = FolderWalkEntry(
                path=path,
                folder_id=current,
                folders=listing.folders,
                files=listing.files,
                invalid=listing.invalid,
            )
            yield from emit(entry)
            # Read entry.folders after the yield so a caller's pruning takes effect.
            for sub in reversed(entry.folders):
                part = safe_path_component(sub.name, sub.id)
                pending.append((f"{path}/{part}" if path else part, sub.id))

    def list(
        self, folder_id: str | None = None, *, timeout: float | None = None
    ) -> Flow[FolderListing]:
        """List the direct subfolders and files of a folder (the root folder when None).

        Entries are parsed one by one: one of an unexpected shape is reported in the
        listing's `invalid` list and never loses the others. An empty (`null`) result is an
        empty listing (streamtape-api.md §5.6 N16).

        Raises:
            ValueError: `folder_id` is blank.
            NotFoundError: no such folder.

        Examples:
            >>> listing = client.folders.list()  # doctest: +SKIP
            >>> [f.name for f in listing.files]  # doctest: +SKIP
        """
        if folder_id is not None:
            require_id(folder_id, "folder_id")
        result = yield from self._call(ep.LIST_FOLDER, {"folder": folder_id}, timeout=timeout)
        return parse(FolderListing, result, ep.LIST_FOLDER)

    def _find_created(
        self, name: str, parent: str | None, timeout: float | None
    ) -> Flow[builtins.list[CreatedFolder]]:
        """The folders of `parent` named `name`: candidates for a create whose reply was lost."""
        listing = yield from self.list(parent, timeout=timeout)
        return [
            CreatedFolder.model_validate({"folderid": f.id})
            for f in listing.folders
            if f.name == name
        ]
