"""`client.folders`: list, create, rename, delete and walk folders."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from os import PathLike

from .. import _endpoints as ep
from .._cancel import CancelToken
from ..errors import StreamtapeError
from ..models import CreatedFolder, FolderListing, FolderWalkEntry
from ..transfers._batch import Patterns
from ..transfers._names import safe_path_component
from ..transfers._outcome import BatchListener, TransferOutcome
from ._base import Resource, expect_true, parse, require_id, require_name
from ._batching import BatchOptions, download_tree, upload_tree
from ._reconcile import is_ambiguous, reconcile

__all__ = ["Folders"]


class Folders(Resource):
    """Folders. The root folder has no id: pass None (the default)."""

    def create(
        self, name: str, parent: str | None = None, *, timeout: float | None = None
    ) -> CreatedFolder:
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
            result = self._call(ep.CREATE_FOLDER, {"name": name, "pid": parent}, timeout=timeout)
            return parse(CreatedFolder, result, ep.CREATE_FOLDER)
        except StreamtapeError as error:
            if not is_ambiguous(error):
                raise
            where = f"folder {parent}" if parent else "the root folder"
            return reconcile(
                ep.CREATE_FOLDER.path,
                error,
                f"creating folder {name!r} in {where}",
                f"list {where} and look for a folder named {name!r}",
                lambda: [
                    CreatedFolder.model_validate({"folderid": f.id})
                    for f in self.list(parent, timeout=timeout).folders
                    if f.name == name
                ],
                lambda found: found.folder_id,
            )

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
                path=path,
                folder_id=current,
                folders=listing.folders,
                files=listing.files,
                invalid=listing.invalid,
            )
            yield entry
            # Read entry.folders after the yield so a caller's pruning takes effect.
            for sub in reversed(entry.folders):
                part = safe_path_component(sub.name, sub.id)
                pending.append((f"{path}/{part}" if path else part, sub.id))

    def list(self, folder_id: str | None = None, *, timeout: float | None = None) -> FolderListing:
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
        result = self._call(ep.LIST_FOLDER, {"folder": folder_id}, timeout=timeout)
        return parse(FolderListing, result, ep.LIST_FOLDER)

    def upload_tree(
        self,
        local_dir: str | PathLike[str],
        parent: str | None = None,
        *,
        include: Patterns = None,
        exclude: Patterns = None,
        skip_existing: bool = True,
        dry_run: bool = False,
        max_workers: int = 4,
        sha256: bool = True,
        manifest: str | PathLike[str] | None = None,
        fail_fast: bool = False,
        cancel: CancelToken | None = None,
        listener: BatchListener | None = None,
        timeout: float | None = None,
    ) -> builtins.list[TransferOutcome]:
        """Upload the *contents* of `local_dir` into folder `parent`, mirroring its tree.

        Like `rclone copy`: `upload_tree("photos", X)` puts `photos/a.jpg` at `X/a.jpg` and
        `photos/2024/b.jpg` at `X/2024/b.jpg`. Subfolders, empty ones included, are found or
        created first, one level at a time: `/file/createfolder` is not idempotent, so each
        parent is listed before creating, an existing folder of that name is reused, and
        after an ambiguous failure the parent is listed again before one more try, so a rerun
        or a retry never makes duplicates. Then the files are uploaded `max_workers` at a
        time. Symbolic links to files are followed, to directories not.

        Args:
            local_dir: the local directory whose contents are uploaded.
            parent: the destination folder id; the root folder when None.
            include: glob patterns (one or several) selecting files; all files when None.
                A pattern with a `/` matches the path from `local_dir` (`"raw/*.mov"`), one
                without matches the file name at any depth (`"*.jpg"`).
            exclude: glob patterns of files and directories to leave out (wins over
                `include`); an excluded directory is not entered.
            skip_existing: skip a file when its remote folder already holds one of the same
                name and size; when `manifest` recorded this file, the sha256 must match too
                (a changed file of the same size is uploaded again).
            dry_run: list, but create and upload nothing: outcomes say what would happen
                (`dry_run=True`).
            max_workers: uploads at once (1 to 64).
            sha256: hash each file first so the server rejects corrupted bytes.
            manifest: the JSON Lines manifest to read and append to (see `upload_many`).
            fail_fast: stop starting new uploads after the first failure. A folder that
                cannot be created is a failed outcome (its `local_path` is the directory),
                and so is every file below it.
            cancel: a `CancelToken` that stops the batch.
            listener: called with a `BatchEvent` for each step of each item.
            timeout: seconds for each request's connection and each read, as in
                `download`/`upload` (None: the client's); checked before any I/O.

        Returns:
            One `TransferOutcome` per file (and per folder that failed), failed folders
            first, then the files in path order.

        Raises:
            FileNotFoundError: `local_dir` does not exist; NotADirectoryError: it is a file.
            ValueError: a bad argument (`max_workers`, a pattern), before any I/O.

        Examples:
            >>> outcomes = client.folders.upload_tree("photos", folder_id)  # doctest: +SKIP
            >>> sum(o.state == "uploaded" for o in outcomes)  # doctest: +SKIP
        """
        if parent is not None:
            require_id(parent, "parent")
        opts = BatchOptions.of(
            max_workers=max_workers,
            skip_existing=skip_existing,
            dry_run=dry_run,
            fail_fast=fail_fast,
            cancel=cancel,
            listener=listener,
            manifest=manifest,
            timeout=timeout,
        )
        from .files import Files  # a sibling resource on the same transport

        files = Files(self._transport)
        return upload_tree(files, self, local_dir, parent, include, exclude, opts, sha256)

    def download_tree(
        self,
        folder_id: str | None,
        local_dir: str | PathLike[str],
        *,
        include: Patterns = None,
        exclude: Patterns = None,
        skip_existing: bool = True,
        dry_run: bool = False,
        max_workers: int = 4,
        manifest: str | PathLike[str] | None = None,
        fail_fast: bool = False,
        cancel: CancelToken | None = None,
        listener: BatchListener | None = None,
        timeout: float | None = None,
        connections: int = 1,
    ) -> builtins.list[TransferOutcome]:
        """Download the *contents* of a folder (None: the root) into `local_dir`.

        Walks the remote tree (one `/file/listfolder` per folder), creates the local
        directories, empty ones included, then downloads the files `max_workers` at a
        time. `local_dir` is created if missing. Names that would leave the tree (`..`, a
        `/`) are made safe; two files of the same name in one folder are stored as `name`
        and `stem~FILEID.ext`.

        Args:
            folder_id: the remote folder; None for the root folder.
            local_dir: the local directory that receives the folder's contents.
            include: glob patterns selecting files, as for `upload_tree`.
            exclude: glob patterns of files and folders to leave out.
            skip_existing: skip a file whose local copy has the same size (and the same
                sha256, when `manifest` knows it).
            dry_run: decide what would happen, download nothing.
            max_workers: downloads at once (1 to 64).
            manifest: a manifest written by uploads: known files are verified by sha256.
            fail_fast: stop starting new downloads after the first failure.
            cancel: a `CancelToken` that stops the batch (partial files are kept).
            listener: called with a `BatchEvent` for each step of each item.
            timeout: seconds for each request's connection and each read, as in
                `download`/`upload` (None: the client's); checked before any I/O.
            connections: parallel ranged requests per file, as in `download` (1 to 16).

        Returns:
            One `TransferOutcome` per file, in walk order.

        Raises:
            NotFoundError: the folder does not exist.
            NotADirectoryError: `local_dir` is a file.
            ValueError: a bad argument, before any I/O.

        Examples:
            >>> client.folders.download_tree(folder_id, "backup")  # doctest: +SKIP
        """
        if folder_id is not None:
            require_id(folder_id, "folder_id")
        opts = BatchOptions.of(
            max_workers=max_workers,
            skip_existing=skip_existing,
            dry_run=dry_run,
            fail_fast=fail_fast,
            cancel=cancel,
            listener=listener,
            manifest=manifest,
            timeout=timeout,
            connections=connections,
        )
        from .files import Files

        files = Files(self._transport)
        return download_tree(files, self, folder_id, local_dir, include, exclude, opts)
