"""The batch methods of the sync resources (`files.upload_many`, `files.download_many`,
`folders.upload_tree`, `folders.download_tree`): thin calls into the batch engine
(`resources/_batching.py`, `transfers/_batch.py`), whose worker pool runs the single-file
methods. Mixed into the generated shells `Files` and `Folders`.

`AsyncStreamtape` runs the same engine as one blocking step in a worker thread
(`_async/_batch.py`); see docs/architecture.md.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from os import PathLike
from typing import TYPE_CHECKING, cast

from .._cancel import CancelToken
from .._core.files import check_file_ids
from ..transfers._batch import Patterns
from ..transfers._outcome import BatchListener, TransferOutcome
from ._base import Resource, require_id
from ._batching import BatchOptions, download_files, download_tree, upload_paths, upload_tree

if TYPE_CHECKING:
    from .files import Files
    from .folders import Folders

__all__ = ["FilesBatch", "FoldersBatch"]


class FilesBatch(Resource):
    """`upload_many` and `download_many`."""

    def upload_many(
        self,
        sources: Iterable[str | PathLike[str]],
        folder: str | None = None,
        *,
        max_workers: int = 4,
        skip_existing: bool = False,
        dry_run: bool = False,
        sha256: bool = True,
        manifest: str | PathLike[str] | None = None,
        fail_fast: bool = False,
        cancel: CancelToken | None = None,
        listener: BatchListener | None = None,
        timeout: float | None = None,
    ) -> list[TransferOutcome]:
        """Upload many local files into one folder, `max_workers` at a time.

        Each file goes through `upload` (hashed, then streamed); one file's failure is
        recorded in its outcome and the others go on. Returns one `TransferOutcome` per
        source, in the order given.

        Args:
            sources: local file paths; each is stored under its own name.
            folder: destination folder id; the root folder when None.
            max_workers: uploads at once (1 to 64). Small files gain most from more.
            skip_existing: skip a file when the folder already holds one of the same name
                and size (and, when `manifest` recorded the file, the same sha256). Off by
                default: an explicit list means "upload these"; `upload_tree` defaults on.
            dry_run: decide what would happen without uploading (outcomes have
                `dry_run=True`; the folder is still listed when `skip_existing`).
            sha256: hash each file first so the server rejects corrupted bytes.
            manifest: a JSON Lines file recording each upload (path, size, mtime, sha256,
                file id); read first, so reruns and `download_many` can use it.
            fail_fast: stop starting new uploads after the first failure (the ones not
                started are reported failed with `TransferCancelledError`).
            cancel: a `CancelToken`; when cancelled, running uploads stop at their next
                chunk and the rest are not started.
            listener: called with a `BatchEvent` (`start`, `hashing`, `bytes`, `done`) that
                names the item, beside each upload's own progress.
            timeout: seconds for each request's connection and each read, as in
                `download`/`upload` (None: the client's); checked before any I/O.

        Raises:
            ValueError: a bad argument (`max_workers`, a source that is not a path), before
                any I/O. Per-file problems (missing file, API errors) are outcomes instead.
            OSError: the manifest cannot be read.

        Examples:
            >>> outcomes = client.files.upload_many(["a.mp4", "b.mp4"])  # doctest: +SKIP
            >>> [(o.local_path.name, o.state, o.remote_id) for o in outcomes]  # doctest: +SKIP
        """
        if folder is not None:
            require_id(folder, "folder")
        if isinstance(sources, (str, PathLike)):
            raise ValueError("upload_many takes a list of paths; for one path call upload()")
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
        from .folders import Folders  # a sibling resource on the same transport

        return upload_paths(
            cast("Files", self), Folders(self._transport), list(sources), folder, opts, sha256
        )

    def download_many(
        self,
        file_ids: Iterable[str],
        dest_dir: str | PathLike[str],
        *,
        max_workers: int = 4,
        skip_existing: bool = True,
        dry_run: bool = False,
        manifest: str | PathLike[str] | None = None,
        fail_fast: bool = False,
        cancel: CancelToken | None = None,
        listener: BatchListener | None = None,
        timeout: float | None = None,
        connections: int = 1,
    ) -> list[TransferOutcome]:
        """Download many files into `dest_dir` (created if missing) under their stored names.

        Names and sizes come from one `/file/info` call per 50 ids; each file then goes
        through `download` (ticket, wait, resumable stream). Two files of the same name are
        stored as `name` and `stem~FILEID.ext`. Returns one `TransferOutcome` per id, in the
        order given; a missing file is a failed outcome (`NotFoundError`).

        Args:
            file_ids: the files to download (duplicates are downloaded once).
            dest_dir: the local directory.
            max_workers: downloads at once (1 to 64).
            skip_existing: skip a file whose local copy has the announced size (and, when
                `manifest` knows its sha256, the same hash).
            dry_run: decide what would happen without downloading.
            manifest: a manifest written by uploads; a file it knows is verified against
                the recorded sha256 after download (a mismatch fails with `IntegrityError`
                and the bad copy is removed).
            fail_fast: stop starting new downloads after the first failure.
            cancel: a `CancelToken`; a cancelled download keeps its partial file, and the
                next run resumes it.
            listener: called with a `BatchEvent` for each step of each item.
            timeout: seconds for each request's connection and each read, as in
                `download`/`upload` (None: the client's); checked before any I/O.
            connections: parallel ranged requests per file, as in `download` (1 to 16).

        Raises:
            ValueError: a bad argument, before any I/O.
            OSError: `dest_dir` cannot be created, or the manifest cannot be read.

        Examples:
            >>> client.files.download_many(["id1", "id2"], "downloads")  # doctest: +SKIP
        """
        ids = check_file_ids(list(file_ids) if not isinstance(file_ids, str) else file_ids)
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
        return download_files(cast("Files", self), ids, dest_dir, opts)


class FoldersBatch(Resource):
    """`upload_tree` and `download_tree`."""

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
        return upload_tree(
            files, cast("Folders", self), local_dir, parent, include, exclude, opts, sha256
        )

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
        return download_tree(
            files, cast("Folders", self), folder_id, local_dir, include, exclude, opts
        )
