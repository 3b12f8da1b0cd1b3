"""The many-files flows behind `upload_many`, `upload_tree`, `download_many`, `download_tree`.

Resources glue: it plans the items (local walk, remote listings, folder creation), then hands
one job per file to `transfers.run_batch`, whose pool calls the single-file methods.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from .._transport import check_timeout
from ..errors import (
    APIConnectionError,
    NotFoundError,
    OutcomeUnknownError,
    StreamtapeError,
)
from ..models import Folder, FolderFile
from ..transfers._batch import (
    BatchItem,
    ItemReporter,
    Patterns,
    hash_file,
    patterns,
    require_workers,
    run_batch,
    selected,
)
from ..transfers._manifest import Manifest, ManifestEntry
from ..transfers._names import safe_file_name, safe_path_component
from ..transfers._outcome import BatchListener, TransferOutcome, TransferState
from ..transfers._sliced import check_connections

if TYPE_CHECKING:
    from .._cancel import CancelToken
    from .files import Files
    from .folders import Folders

__all__ = ["BatchOptions", "download_files", "download_tree", "upload_paths", "upload_tree"]


@dataclass(frozen=True)
class BatchOptions:
    """The options every batch function shares, checked before any I/O."""

    max_workers: int
    skip_existing: bool
    dry_run: bool
    fail_fast: bool
    cancel: CancelToken | None
    listener: BatchListener | None
    manifest: Manifest | None
    timeout: float | None = None
    """Per-request timeout for every call the batch makes (None: the client's)."""
    connections: int = 1
    """Parallel ranges per downloaded file (`files.download(connections=)`)."""

    @classmethod
    def of(
        cls,
        *,
        max_workers: int,
        skip_existing: bool,
        dry_run: bool,
        fail_fast: bool,
        cancel: CancelToken | None,
        listener: BatchListener | None,
        manifest: str | os.PathLike[str] | None,
        timeout: float | None = None,
        connections: int = 1,
    ) -> BatchOptions:
        check_timeout(timeout)
        check_connections(connections)
        return cls(
            max_workers=require_workers(max_workers),
            skip_existing=bool(skip_existing),
            dry_run=bool(dry_run),
            fail_fast=bool(fail_fast),
            cancel=cancel,
            listener=listener,
            manifest=None if manifest is None else Manifest.open(manifest),
            timeout=timeout,
            connections=connections,
        )

    def run(
        self,
        items: list[BatchItem[_Job]],
        work: Callable[[_Job, ItemReporter], TransferOutcome],
        first: list[TransferOutcome] | None = None,
    ) -> list[TransferOutcome]:
        return run_batch(
            items,
            work,
            max_workers=self.max_workers,
            fail_fast=self.fail_fast,
            cancel=self.cancel,
            listener=self.listener,
            first=first or [],
        )


@dataclass(frozen=True)
class _Job:
    """One file: the local path, the remote folder (upload) or file id (download)."""

    local: Path
    remote_path: str
    name: str
    folder: str | None = None  # upload: destination folder id; a "new:" key in a dry run
    file_id: str | None = None  # download: the file
    size: int | None = None  # download: the size the listing announced


_PLANNED = "new:"  # folder keys of a dry run's folders that do not exist yet


class _Listings:
    """Folder listings fetched once per folder and shared by the workers.

    One `/file/listfolder` per folder serves both the folder phase (which subfolders exist)
    and the skip checks (which files exist); folders created here are added, not re-listed.
    """

    def __init__(self, folders: Folders, timeout: float | None) -> None:
        self._folders = folders
        self._timeout = timeout
        self._lock = threading.Lock()
        self._files: dict[str | None, list[FolderFile]] = {}
        self._subfolders: dict[str | None, dict[str, str]] = {}
        # Held while a folder is first listed, so workers reaching it together list it once.
        self._fetching = threading.Lock()

    def _known(self, folder: str | None) -> None:
        with self._fetching:
            with self._lock:
                if folder in self._files:
                    return
            self.refresh(folder)

    def refresh(self, folder: str | None) -> None:
        listing = self._folders.list(folder, timeout=self._timeout)
        # The first of several same-named siblings wins, as in the listing's order.
        names = {f.name: f.id for f in reversed(listing.folders)}
        with self._lock:
            self._files[folder] = listing.files
            self._subfolders[folder] = names

    def files(self, folder: str | None) -> list[FolderFile]:
        if folder is not None and folder.startswith(_PLANNED):
            return []
        self._known(folder)
        with self._lock:
            return self._files[folder]

    def subfolder(self, parent: str | None, name: str) -> str | None:
        self._known(parent)
        with self._lock:
            return self._subfolders[parent].get(name)

    def created(self, parent: str | None, name: str, folder: str) -> None:
        with self._lock:
            self._subfolders.setdefault(parent, {})[name] = folder
            self._files[folder] = []
            self._subfolders[folder] = {}


def _outcome(
    job: _Job,
    state: TransferState,
    *,
    remote_id: str | None = None,
    size: int | None = None,
    sha256: str | None = None,
    reason: str | None = None,
    dry_run: bool = False,
) -> TransferOutcome:
    return TransferOutcome(
        local_path=job.local,
        remote_id=remote_id,
        state=state,
        size=job.size if size is None else size,
        sha256=sha256,
        remote_path=job.remote_path,
        reason=reason,
        dry_run=dry_run,
    )


# -- uploads ------------------------------------------------------------------------------


def _upload_worker(
    files: Files, listings: _Listings, opts: BatchOptions, sha256: bool
) -> Callable[[_Job, ItemReporter], TransferOutcome]:
    manifest = opts.manifest

    def work(job: _Job, report: ItemReporter) -> TransferOutcome:
        stat = job.local.stat()
        size = stat.st_size
        entry = manifest.for_path(job.local) if manifest is not None else None
        fresh = entry is not None and (entry.size, entry.mtime_ns) == (size, stat.st_mtime_ns)
        digest = entry.sha256 if (fresh and entry is not None) else None
        if opts.skip_existing:
            same = [f for f in listings.files(job.folder) if f.name == job.name and f.size == size]
            if same:
                known = entry is not None and entry.sha256 is not None
                if known and digest is None:
                    digest = hash_file(job.local, report.hashing)
                if not known or digest == cast("ManifestEntry", entry).sha256:
                    ids = [f.file_id for f in same]
                    remote = entry.file_id if entry is not None and entry.file_id in ids else ids[0]
                    reason = (
                        "same name, size and sha256 (manifest)"
                        if known
                        else "same name and size in the folder"
                    )
                    if manifest is not None and entry is not None and not fresh:
                        manifest.record(_manifest_entry(job, stat, digest, remote))
                    return _outcome(
                        job, "skipped", remote_id=remote, reason=reason, sha256=digest,
                        size=size, dry_run=opts.dry_run,
                    )  # fmt: skip
        if opts.dry_run:
            return _outcome(job, "uploaded", size=size, sha256=digest, dry_run=True)
        if sha256 and digest is None:
            digest = hash_file(job.local, report.hashing)
        report.check()
        uploaded = files.upload(
            job.local,
            folder=job.folder,
            name=job.name,
            sha256=digest if digest is not None else False,
            progress=report.transfer,
            cancel=report.cancel,
            timeout=opts.timeout,
        )
        if manifest is not None:
            manifest.record(_manifest_entry(job, stat, digest, uploaded.id))
        return _outcome(
            job, "uploaded", remote_id=uploaded.id, size=size, sha256=digest or uploaded.sha256
        )

    return work


def _manifest_entry(
    job: _Job, stat: os.stat_result, digest: str | None, file_id: str
) -> ManifestEntry:
    return ManifestEntry(
        path=Manifest.key(job.local),
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        sha256=digest,
        file_id=file_id,
        folder_id=job.folder,
        name=job.name,
    )


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None  # reported by the item's own attempt


def upload_paths(
    files: Files,
    folders: Folders,
    sources: Iterable[str | os.PathLike[str]],
    folder: str | None,
    opts: BatchOptions,
    sha256: bool,
) -> list[TransferOutcome]:
    """`files.upload_many`: every path into one folder."""
    jobs: list[BatchItem[_Job]] = []
    for source in sources:
        given = cast(object, source)  # checked at run time: untyped callers pass anything
        if not isinstance(given, (str, os.PathLike)):
            raise ValueError(f"upload_many takes paths, not {type(source).__name__}")
        path = Path(source)
        job = _Job(path, path.name, path.name, folder=folder)
        jobs.append(BatchItem(job, path, path.name, _size(path)))
    return opts.run(jobs, _upload_worker(files, _Listings(folders, opts.timeout), opts, sha256))


def _walk_local(
    root: Path, include: tuple[str, ...], exclude: tuple[str, ...]
) -> tuple[list[str], list[tuple[str, Path]]]:
    """Relative directories (parents first) and files (sorted) below `root`, filtered."""
    directories: list[str] = []
    found: list[tuple[str, Path]] = []
    for current, dirnames, filenames in os.walk(root):
        rel_dir = Path(current).relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        kept: list[str] = []
        for name in sorted(dirnames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            # An excluded directory prunes its subtree; includes select files, not folders.
            if selected(rel, (), exclude):
                kept.append(name)
                directories.append(rel)
        dirnames[:] = kept
        for name in sorted(filenames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if selected(rel, include, exclude):
                found.append((rel, Path(current) / name))
    return directories, found


def _ensure_folder(
    folders: Folders, listings: _Listings, name: str, parent: str | None, timeout: float | None
) -> str:
    """The id of the subfolder `name` of `parent`, created if missing, never twice."""
    found = listings.subfolder(parent, name)
    if found is not None:
        return found
    try:
        created = folders.create(name, parent, timeout=timeout).folder_id
    except (OutcomeUnknownError, APIConnectionError):
        # createfolder is not idempotent: the failed call may have created it. Look again
        # before trying once more, so an ambiguous failure never leaves a duplicate.
        listings.refresh(parent)
        found = listings.subfolder(parent, name)
        if found is not None:
            return found
        created = folders.create(name, parent, timeout=timeout).folder_id
    listings.created(parent, name, created)
    return created


def upload_tree(
    files: Files,
    folders: Folders,
    local_dir: str | os.PathLike[str],
    parent: str | None,
    include: Patterns,
    exclude: Patterns,
    opts: BatchOptions,
    sha256: bool,
) -> list[TransferOutcome]:
    """`folders.upload_tree`: the contents of `local_dir` into `parent`."""
    root = Path(local_dir)
    if not root.exists():
        raise FileNotFoundError(f"cannot upload {str(root)!r}: no such directory")
    if not root.is_dir():
        raise NotADirectoryError(f"cannot upload {str(root)!r} as a tree: it is not a directory")
    wanted, unwanted = patterns(include, "include"), patterns(exclude, "exclude")
    directories, found = _walk_local(root, wanted, unwanted)
    listings = _Listings(folders, opts.timeout)
    folder_ids: dict[str, str | None] = {"": parent}
    broken: dict[str, StreamtapeError] = {}
    first: list[TransferOutcome] = []
    for rel in directories:
        head, _, name = rel.rpartition("/")
        if head in broken:
            broken[rel] = broken[head]
            continue
        parent_id = folder_ids[head]
        try:
            if parent_id is not None and parent_id.startswith(_PLANNED):
                folder_ids[rel] = _PLANNED + rel
                continue
            existing = listings.subfolder(parent_id, name)
            if existing is not None:
                folder_ids[rel] = existing
            elif opts.dry_run:
                folder_ids[rel] = _PLANNED + rel
            else:
                folder_ids[rel] = _ensure_folder(folders, listings, name, parent_id, opts.timeout)
        except StreamtapeError as error:
            broken[rel] = error
            first.append(TransferOutcome(root / rel, None, "failed", error, remote_path=rel + "/"))
    items: list[BatchItem[_Job]] = []
    for rel, path in found:
        head, _, name = rel.rpartition("/")
        if head in broken:
            failure = TransferOutcome(path, None, "failed", broken[head], remote_path=rel)
            first.append(failure)
            continue
        job = _Job(path, rel, name, folder=folder_ids[head])
        items.append(BatchItem(job, path, rel, _size(path)))
    return opts.run(items, _upload_worker(files, listings, opts, sha256), first)


# -- downloads ----------------------------------------------------------------------------


def _unique(name: str, file_id: str, taken: set[str]) -> str:
    """`name`, or `stem~FILEID.ext` when another item of the batch already has that name."""
    if name not in taken:
        taken.add(name)
        return name
    stem, dot, ext = name.rpartition(".")
    unique = f"{stem}~{file_id}.{ext}" if dot and stem else f"{name}~{file_id}"
    taken.add(unique)
    return unique


def _download_worker(
    files: Files, opts: BatchOptions
) -> Callable[[_Job, ItemReporter], TransferOutcome]:
    manifest = opts.manifest

    def work(job: _Job, report: ItemReporter) -> TransferOutcome:
        file_id = cast(str, job.file_id)
        known = manifest.for_file_id(file_id) if manifest is not None else None
        expected = known.sha256 if known is not None and known.size == job.size else None
        if opts.skip_existing and job.local.is_file() and job.local.stat().st_size == job.size:
            if expected is None:
                reason = "a local file of the same size exists"
                return _outcome(
                    job, "skipped", remote_id=file_id, reason=reason, dry_run=opts.dry_run
                )
            if hash_file(job.local, report.hashing) == expected:
                reason = "a local file with the same sha256 exists"
                return _outcome(
                    job, "skipped", remote_id=file_id, reason=reason, sha256=expected,
                    dry_run=opts.dry_run,
                )  # fmt: skip
        if job.local.is_dir():
            # files.download would put the file *inside* a directory of that name.
            raise IsADirectoryError(
                f"cannot download {job.remote_path!r} to {str(job.local)!r}: a directory "
                "of that name is in the way; move it and run again"
            )
        if opts.dry_run:
            return _outcome(job, "downloaded", remote_id=file_id, dry_run=True)
        job.local.parent.mkdir(parents=True, exist_ok=True)
        # The manifest's hash is checked by download itself: a wrong file is never published.
        files.download(
            file_id,
            job.local,
            progress=report.transfer,
            expected_sha256=expected,
            cancel=report.cancel,
            timeout=opts.timeout,
            connections=opts.connections,
        )
        return _outcome(job, "downloaded", remote_id=file_id, sha256=expected)

    return work


def download_files(
    files: Files, file_ids: list[str], dest_dir: str | os.PathLike[str], opts: BatchOptions
) -> list[TransferOutcome]:
    """`files.download_many`: each file into `dest_dir` under its stored name."""
    root = Path(dest_dir)
    if not opts.dry_run:
        root.mkdir(parents=True, exist_ok=True)
    infos = files.info(file_ids, timeout=opts.timeout)
    taken: set[str] = set()
    items: list[BatchItem[_Job]] = []
    first: list[TransferOutcome] = []
    for file_id in file_ids:
        info = infos.get(file_id)
        if info is None or not info.exists or info.name is None:
            error = NotFoundError(
                f"file {file_id} does not exist (or is not available)",
                status=404 if info is None else info.status,
                endpoint="/file/info",
            )
            first.append(
                TransferOutcome(root / file_id, file_id, "failed", error, remote_path=file_id)
            )
            continue
        name = _unique(safe_file_name(info.name, file_id), file_id, taken)
        job = _Job(root / name, name, name, file_id=file_id, size=info.size)
        items.append(BatchItem(job, job.local, name, info.size, file_id))
    outcomes = opts.run(items, _download_worker(files, opts), first)
    position = {file_id: index for index, file_id in enumerate(file_ids)}
    return sorted(outcomes, key=lambda o: position.get(o.remote_id or "", 0))


def download_tree(
    files: Files,
    folders: Folders,
    folder_id: str | None,
    local_dir: str | os.PathLike[str],
    include: Patterns,
    exclude: Patterns,
    opts: BatchOptions,
) -> list[TransferOutcome]:
    """`folders.download_tree`: the contents of a remote folder into `local_dir`."""
    root = Path(local_dir)
    wanted, unwanted = patterns(include, "include"), patterns(exclude, "exclude")
    if root.exists() and not root.is_dir():
        raise NotADirectoryError(f"cannot download into {str(root)!r}: it is not a directory")
    items: list[BatchItem[_Job]] = []
    walk = folders.walk(folder_id, timeout=opts.timeout)
    for entry in walk:
        kept: list[Folder] = []
        for sub in entry.folders:
            part = safe_path_component(sub.name, sub.id)  # the name walk gives it locally
            rel = f"{entry.path}/{part}" if entry.path else part
            if selected(rel, (), unwanted):
                kept.append(sub)
        entry.folders[:] = kept  # prunes the walk
        local = root.joinpath(*entry.path.split("/")) if entry.path else root
        if not opts.dry_run:
            local.mkdir(parents=True, exist_ok=True)
        taken = {safe_path_component(sub.name, sub.id) for sub in kept}
        for file in entry.files:
            name = _unique(safe_file_name(file.name, file.file_id), file.file_id, taken)
            rel = f"{entry.path}/{name}" if entry.path else name
            if not selected(rel, wanted, unwanted):
                continue
            job = _Job(local / name, rel, name, file_id=file.file_id, size=file.size)
            items.append(BatchItem(job, job.local, rel, file.size, file.file_id))
    return opts.run(items, _download_worker(files, opts))
