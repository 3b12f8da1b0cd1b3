"""Human renderings of the SDK's models: listings, trees, file info, remote uploads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from streamtape_sdk import (
    AccountInfo,
    Conversion,
    FileInfo,
    FolderListing,
    FolderWalkEntry,
    RemoteUploadStatus,
)

from ._format import Symbols, human_date, human_size, key_values, printable, table

__all__ = [
    "account_text",
    "conversions_text",
    "file_info_text",
    "listing_text",
    "remote_status_text",
    "remote_table",
    "tree_text",
]

ROOT_LABEL = "(root)"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _extras(model: AccountInfo | RemoteUploadStatus) -> list[tuple[str, str]]:
    """Fields the API sent that the model does not name (kept by the SDK; show them too)."""
    extra = model.model_extra or {}
    return [(name.replace("_", " ").capitalize(), str(value)) for name, value in extra.items()]


def _dumped(model: AccountInfo | RemoteUploadStatus, field: str) -> str:
    """A field as the model's dump shows it: secret fields masked, None as `-`."""
    value = model.model_dump(include={field}).get(field)
    return "-" if value is None else str(value)


def account_text(info: AccountInfo) -> str:
    """`Email: ...` block of the account."""
    pairs = [
        ("Email", info.email),
        # Secret fields render as their dumps do (masked): one rule, see StreamtapeModel.
        ("API id", _dumped(info, "api_id")),
        ("Signed up", human_date(info.signup_at)),
    ]
    return key_values(pairs + _extras(info))


def listing_text(listing: FolderListing) -> str:
    """One table of a folder's subfolders (first, with a trailing `/`) and files."""
    if not listing.folders and not listing.files:
        return "(empty folder)"
    rows = [[f"{folder.name}/", folder.id, "-", "-", "-"] for folder in listing.folders]
    rows += [
        [
            file.name,
            file.link_id,
            human_size(file.size),
            human_date(file.created_at),
            str(file.downloads),
        ]
        for file in listing.files
    ]
    total = sum(file.size for file in listing.files)
    summary = (
        f"{_plural(len(listing.folders), 'folder')}, {_plural(len(listing.files), 'file')}, "
        f"{human_size(total)}"
    )
    headers = ["NAME", "ID", "SIZE", "CREATED", "DOWNLOADS"]
    return table(headers, rows, right=(2, 4)) + "\n" + summary


def tree_text(entries: Sequence[FolderWalkEntry], marks: Symbols) -> str:
    """Draw a walk as a tree. Entries are keyed by folder id to find each child's contents."""
    if not entries:
        return ROOT_LABEL
    by_id = {entry.folder_id: entry for entry in entries}
    start = entries[0]
    lines = [ROOT_LABEL if start.folder_id is None else f"{printable(start.folder_id)}/"]
    _tree_lines(start, by_id, marks, "", lines, {start.folder_id})
    files = sum(len(entry.files) for entry in entries)
    size = sum(file.size for entry in entries for file in entry.files)
    lines.append("")
    lines.append(
        f"{_plural(len(entries) - 1, 'folder')}, {_plural(files, 'file')}, {human_size(size)}"
    )
    return "\n".join(lines)


def _tree_lines(
    entry: FolderWalkEntry,
    by_id: Mapping[str | None, FolderWalkEntry],
    marks: Symbols,
    prefix: str,
    lines: list[str],
    visited: set[str | None],
) -> None:
    children: list[tuple[str, FolderWalkEntry | None]] = []
    for folder in entry.folders:
        # A folder listed under two parents (a cycle) is drawn once, then only named.
        child = by_id.get(folder.id) if folder.id not in visited else None
        visited.add(folder.id)
        children.append((f"{folder.name}/  [{folder.id}]", child))
    for file in entry.files:
        children.append((f"{file.name}  {human_size(file.size)}  [{file.link_id}]", None))
    for index, (label, child) in enumerate(children):
        last = index == len(children) - 1
        lines.append(f"{prefix}{marks.last if last else marks.branch}{printable(label)}")
        if child is not None:
            deeper = prefix + (marks.blank if last else marks.pipe)
            _tree_lines(child, by_id, marks, deeper, lines, visited)


def file_info_text(infos: Mapping[str, FileInfo]) -> str:
    """A table of `files.info` results; missing files show as `not found`."""
    rows: list[list[str]] = []
    for file_id, info in infos.items():
        status = "ok" if info.exists else ("not found" if info.status == 404 else str(info.status))
        rows.append(
            [
                file_id,
                info.name or "-",
                human_size(info.size) if info.exists else "-",
                info.content_type or "-",
                ("yes" if info.converted else "no") if info.exists else "-",
                status,
            ]
        )
    return table(["ID", "NAME", "SIZE", "TYPE", "CONVERTED", "STATUS"], rows, right=(2,))


def _remote_progress(status: RemoteUploadStatus) -> str:
    loaded = human_size(status.bytes_loaded) if status.bytes_loaded is not None else "?"
    total = human_size(status.bytes_total) if status.bytes_total is not None else "?"
    fraction = status.progress
    percent = f" ({fraction:.0%})" if fraction is not None else ""
    return f"{loaded} / {total}{percent}"


def remote_status_text(status: RemoteUploadStatus) -> str:
    """A key/value block of one remote upload."""
    pairs = [
        ("Id", status.id),
        ("Status", status.status),
        ("Source", _dumped(status, "remote_url")),
        ("Progress", _remote_progress(status)),
        ("Folder", status.folder_id or ROOT_LABEL),
        ("File id", status.file_id or "-"),
        ("Link", status.url or "-"),
        ("Added", human_date(status.added)),
        ("Updated", human_date(status.last_update)),
    ]
    return key_values(pairs + _extras(status))


def remote_table(statuses: Mapping[str, RemoteUploadStatus]) -> str:
    """A table of remote uploads, newest first as the API lists them."""
    if not statuses:
        return "(no remote uploads)"
    rows = [
        [
            upload_id,
            status.status,
            _remote_progress(status),
            status.file_id or "-",
            human_date(status.added),
            _dumped(status, "remote_url"),
        ]
        for upload_id, status in statuses.items()
    ]
    return table(["ID", "STATUS", "PROGRESS", "FILE ID", "ADDED", "SOURCE"], rows)


def conversions_text(conversions: Sequence[Conversion], failed: bool) -> str:
    """A table of running (or failed) conversions."""
    if not conversions:
        return "(no failed conversions)" if failed else "(no running conversions)"
    rows = [
        [
            conv.name or "-",
            conv.link_id or "-",
            conv.status or "-",
            f"{conv.progress:.0%}",
            str(conv.retries),
            conv.folder_id or ROOT_LABEL,
        ]
        for conv in conversions
    ]
    return table(["NAME", "FILE ID", "STATUS", "PROGRESS", "RETRIES", "FOLDER"], rows, right=(3, 4))
