"""`client.files`: tickets, links, info, uploads, downloads, rename/move/delete, conversions."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from typing import cast

from .. import _endpoints as ep
from ..errors import BadRequestError, IntegrityError, PermissionDeniedError
from ..models import (
    Conversion,
    DownloadLink,
    DownloadTicket,
    FileInfo,
    UploadedFile,
    UploadURL,
)
from ..transfers import (
    DownloadTarget,
    ProgressCallback,
    SourceLike,
    check_writable_dir,
    fetch_to_file,
    open_source,
    post_upload,
    sha256_hex,
)
from ._base import Resource, expect_true, parse, require_id, require_name

__all__ = ["INFO_BATCH_SIZE", "Files"]

#: Ids per `/file/info` call. The limit is undocumented; Openload, whose API Streamtape
#: adapted, allowed 50, and one client claims 100. 50 is the safe choice.
INFO_BATCH_SIZE = 50

#: How often `get_download_link` waits again when the API says "wait N more seconds".
_WAIT_RETRIES = 3
#: The longest extra wait `get_download_link` accepts from a "wait N more seconds" reply.
_MAX_EXTRA_WAIT = 60.0
_WAIT_MESSAGE = re.compile(r"wait\s+(\d+)\s+more\s+seconds?", re.IGNORECASE)
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def _safe_file_name(name: str, fallback: str) -> str:
    """A server-given name made safe to join to a directory (no separators, no '..')."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return fallback if base in ("", ".", "..") else base


def _file_ids(file_ids: str | Iterable[str]) -> list[str]:
    candidate = cast(object, file_ids)  # checked at run time: untyped callers pass anything
    if isinstance(file_ids, str):
        ids = [file_ids]
    elif isinstance(candidate, Iterable):
        ids = list(file_ids)
    else:
        raise ValueError(
            f"file_ids must be a string or an iterable of strings, not {type(file_ids).__name__}"
        )
    for value in ids:
        require_id(value, "file_id")
        if "," in value:
            raise ValueError(f"file_id must not contain ',' (got {value!r}); pass ids as a list")
    unique = list(dict.fromkeys(ids))  # first occurrences, in order, in linear time
    if not unique:
        raise ValueError("file_ids must name at least one file")
    return unique


class Files(Resource):
    """Files: download tickets and links, info, uploads, rename/move/delete, conversions."""

    def get_download_ticket(self, file_id: str, *, timeout: float | None = None) -> DownloadTicket:
        """Ask for a download ticket; wait `ticket.wait_time` seconds before using it.

        Raises:
            ValueError: `file_id` is empty.
            NotFoundError: no such file.

        Example:
            >>> ticket = client.files.get_download_ticket("rbAarvRPXdYbaxY")  # doctest: +SKIP
        """
        require_id(file_id, "file_id")
        result = self._call(ep.DOWNLOAD_TICKET, {"file": file_id}, timeout=timeout)
        return parse(DownloadTicket, result, ep.DOWNLOAD_TICKET)

    def get_download_link(
        self,
        file_id: str,
        ticket: str | DownloadTicket,
        captcha_response: str | None = None,
        *,
        timeout: float | None = None,
    ) -> DownloadLink:
        """Exchange a ticket for a direct download link.

        Given the `DownloadTicket` object, it first sleeps out what remains of `wait_time`
        (measured from when the ticket arrived), and waits again if the API still says
        "wait N more seconds". Given a bare ticket string, it asks at once.

        Raises:
            PermissionDeniedError: the ticket is used too early, expired, or for another file.
            NotFoundError: no such file.

        Example:
            >>> link = client.files.get_download_link(file_id, ticket)  # doctest: +SKIP
            >>> link.url, link.size  # doctest: +SKIP
        """
        require_id(file_id, "file_id")
        ticket_value = ticket.ticket if isinstance(ticket, DownloadTicket) else ticket
        require_id(ticket_value, "ticket")
        params = {"file": file_id, "ticket": ticket_value, "captcha_response": captcha_response}
        if isinstance(ticket, DownloadTicket):
            remaining = ticket.remaining_wait()
            if remaining > 0:
                self._transport.sleep(remaining)
        for attempt in range(_WAIT_RETRIES + 1):
            try:
                result = self._call(ep.DOWNLOAD_LINK, params, timeout=timeout)
            except PermissionDeniedError as error:
                wait = _WAIT_MESSAGE.search(error.message)
                if not isinstance(ticket, DownloadTicket) or wait is None:
                    raise
                if attempt == _WAIT_RETRIES or float(wait.group(1)) > _MAX_EXTRA_WAIT:
                    raise
                self._transport.sleep(float(wait.group(1)))
                continue
            if result is None:  # some clients report `null` for a file that vanished
                break
            return parse(DownloadLink, result, ep.DOWNLOAD_LINK)
        return parse(DownloadLink, None, ep.DOWNLOAD_LINK)

    def info(
        self, file_ids: str | Iterable[str], *, timeout: float | None = None
    ) -> dict[str, FileInfo]:
        """Return the info of one or many files, keyed by the requested id.

        Long lists are sent in batches of `INFO_BATCH_SIZE` (50) ids. A missing file is not an
        error: its entry has `status == 404` and `name is None` (`entry.exists` is False).

        Raises:
            ValueError: an id is empty or contains a comma, or no id was given.

        Example:
            >>> infos = client.files.info(["id1", "id2"])  # doctest: +SKIP
            >>> [i.name for i in infos.values() if i.exists]  # doctest: +SKIP
        """
        ids = _file_ids(file_ids)
        found: dict[str, FileInfo] = {}
        for start in range(0, len(ids), INFO_BATCH_SIZE):
            batch = ids[start : start + INFO_BATCH_SIZE]
            result = self._call(ep.FILE_INFO, {"file": ",".join(batch)}, timeout=timeout)
            if result is None or result == []:
                continue
            if isinstance(result, list):
                entries = cast("list[object]", result)
                for entry in parse(list[FileInfo], entries, ep.FILE_INFO):
                    found[entry.id] = entry
            else:
                found.update(parse(dict[str, FileInfo], result, ep.FILE_INFO))
        return found

    def get_upload_url(
        self,
        folder: str | None = None,
        sha256: str | None = None,
        httponly: bool = False,
        *,
        timeout: float | None = None,
    ) -> UploadURL:
        """Ask for a one-time upload URL (the low-level half of `upload`).

        Args:
            folder: destination folder id; the root folder when None.
            sha256: the file's SHA-256 (64 hex digits); the server then rejects other bytes.
            httponly: ask for a plain-http upload URL.

        Raises:
            ValueError: `folder` is blank or `sha256` is not 64 hex digits.
        """
        if folder is not None:
            require_id(folder, "folder")
        given = cast(object, sha256)  # checked at run time: untyped callers pass anything
        if given is not None and not (isinstance(given, str) and _SHA256.fullmatch(given)):
            raise ValueError("sha256 must be 64 hexadecimal digits")
        params = {
            "folder": folder,
            "sha256": sha256.lower() if sha256 else None,
            "httponly": "true" if httponly else None,
        }
        result = self._call(ep.UPLOAD_URL, params, timeout=timeout)
        return parse(UploadURL, result, ep.UPLOAD_URL)

    def upload(
        self,
        source: SourceLike,
        folder: str | None = None,
        name: str | None = None,
        sha256: bool | str = True,
        httponly: bool = False,
        progress: ProgressCallback | None = None,
        *,
        timeout: float | None = None,
    ) -> UploadedFile:
        """Upload a local file, streamed from disk with constant memory (files up to 15 GB).

        Asks `/file/ul` for a one-time URL (with the file's SHA-256, so the server rejects
        corrupted bytes), then POSTs the file as multipart. The POST is never retried: a
        repeat could store the file twice. Zero-byte files are uploaded like any other.

        Args:
            source: a path, or a seekable binary file object (read from its position).
            folder: destination folder id; the root folder when None.
            name: the stored file name; by default the path's or file object's name.
            sha256: True to compute the hash in one streaming pass first, False to skip it,
                or the 64-hex-digit hash when you already know it.
            httponly: ask for a plain-http upload URL.
            progress: called as `progress(bytes_sent, file_size)`.
            timeout: seconds to wait for the connection and for each read of the reply.

        Raises:
            FileNotFoundError: the path does not exist (raised before any network I/O,
                like the next two).
            IsADirectoryError: the path is a directory.
            PermissionError: the file cannot be read.
            ValueError: a bad argument (non-seekable stream, no name, bad hash).
            IntegrityError: the server's hash or size differs from the local file's, or the
                file changed while it was sent (it shrank or grew, or with a sha256 its bytes
                differ from the hash): the body is then cut short, so nothing is stored.
            APIError: the upload URL was refused (`PermissionDeniedError` when expired).
            APIConnectionError: the connection failed; the file may or may not be stored.

        Example:
            >>> up = client.files.upload("video.mp4", progress=print)  # doctest: +SKIP
            >>> up.id, up.url  # doctest: +SKIP
        """
        if folder is not None:
            require_id(folder, "folder")
        if name is not None:
            require_name(name)
        src = open_source(source, name)
        try:
            expected = sha256 if isinstance(sha256, str) else None
            if sha256 is True:
                expected = sha256_hex(src.file)
                src.rewind()
            target = self.get_upload_url(folder, expected, httponly, timeout=timeout)
            try:
                result = post_upload(
                    self._transport,
                    target.url,
                    src,
                    progress=progress,
                    timeout=timeout,
                    expected_sha256=expected,
                )
            except BadRequestError as error:
                if "sha256" in error.message.lower():
                    raise IntegrityError(
                        f"the server rejected {src.name!r}: its bytes do not match the "
                        f"sha256 sent ({error.message}). The file changed while uploading, "
                        "or the hash passed in is wrong."
                    ) from None
                raise
        finally:
            src.close()
        uploaded = parse(UploadedFile, result, ep.UPLOAD_POST)
        if expected and uploaded.sha256 and uploaded.sha256.lower() != expected.lower():
            raise IntegrityError(
                f"uploaded {src.name!r} but the server stored different bytes "
                f"(sha256 {uploaded.sha256}, expected {expected}); delete file "
                f"{uploaded.id} and upload again."
            )
        if uploaded.size != src.size:
            raise IntegrityError(
                f"uploaded {src.name!r} but the server stored {uploaded.size} bytes of "
                f"{src.size}; delete file {uploaded.id} and upload again."
            )
        return uploaded

    def download(
        self,
        file_id: str,
        dest: str | PathLike[str],
        progress: ProgressCallback | None = None,
        resume: bool = True,
        *,
        timeout: float | None = None,
    ) -> Path:
        """Download a file to `dest`, streamed to disk, resuming after dropped connections.

        Gets a ticket, waits out its `wait_time`, gets the link, then streams into
        `dest + ".part"`; a broken connection resumes with an HTTP `Range` request (up to 10
        times), an expired link is renewed, and only a complete file of the announced size
        is renamed to `dest` (atomically). A failure leaves the `.part` file for the next
        call to resume; there is never a half-written file at `dest`.

        Args:
            file_id: the file to download.
            dest: the target path, or an existing directory (the file's name is used).
            progress: called as `progress(bytes_on_disk, file_size)`.
            resume: continue an existing `.part` file (False starts from scratch).
            timeout: seconds for each connection and each read.

        Returns:
            The path written.

        Raises:
            IntegrityError: the downloaded size differs from the announced size.
            TransferError: the download kept failing; call again to resume.
            FileNotFoundError: the destination directory does not exist (raised before the
                download starts).
            PermissionError: the destination directory is not writable (likewise).
            NotFoundError: no such file.

        Example:
            >>> client.files.download("rbAarvRPXdYbaxY", "downloads/")  # doctest: +SKIP
            PosixPath('downloads/MyMinecraftLetsPlay.mp4')
        """
        require_id(file_id, "file_id")
        # "downloads/" names a directory even before it exists: never a file called that.
        names_directory = str(dest).endswith((os.sep, "/"))
        dest_path = Path(dest)
        if names_directory and not dest_path.is_dir():
            raise FileNotFoundError(f"cannot download into {str(dest)!r}: no such directory")
        directory = dest_path if dest_path.is_dir() else dest_path.parent
        check_writable_dir(directory)  # before the ticket's wait, not after

        def fresh_link() -> DownloadLink:
            ticket = self.get_download_ticket(file_id, timeout=timeout)
            return self.get_download_link(file_id, ticket, timeout=timeout)

        link = fresh_link()
        if dest_path.is_dir():
            dest_path = dest_path / _safe_file_name(link.name, file_id)

        def refresh() -> DownloadTarget:
            renewed = fresh_link()
            return DownloadTarget(renewed.url, renewed.size)

        return fetch_to_file(
            self._transport,
            DownloadTarget(link.url, link.size),
            dest_path,
            refresh=refresh,
            progress=progress,
            resume=resume,
            timeout=timeout,
        )

    def rename(self, file_id: str, name: str, *, timeout: float | None = None) -> None:
        """Rename a file.

        Raises:
            ValueError: `file_id` or `name` is empty.
            NotFoundError: no such file.
        """
        require_id(file_id, "file_id")
        require_name(name)
        result = self._call(ep.RENAME_FILE, {"file": file_id, "name": name}, timeout=timeout)
        expect_true(result, ep.RENAME_FILE)

    def move(self, file_id: str, folder_id: str, *, timeout: float | None = None) -> None:
        """Move a file into another folder.

        Raises:
            ValueError: `file_id` or `folder_id` is empty.
            NotFoundError: no such file or folder.
        """
        require_id(file_id, "file_id")
        require_id(folder_id, "folder_id")
        result = self._call(ep.MOVE_FILE, {"file": file_id, "folder": folder_id}, timeout=timeout)
        expect_true(result, ep.MOVE_FILE)

    def delete(self, file_id: str, *, timeout: float | None = None) -> None:
        """Delete a file.

        Raises:
            ValueError: `file_id` is empty.
            NotFoundError: no such file.
        """
        require_id(file_id, "file_id")
        result = self._call(ep.DELETE_FILE, {"file": file_id}, timeout=timeout)
        expect_true(result, ep.DELETE_FILE)

    def thumbnail_url(self, file_id: str, *, timeout: float | None = None) -> str:
        """Return the URL of the file's thumbnail image.

        Raises:
            ValueError: `file_id` is empty.
            NotFoundError: no such file.
        """
        require_id(file_id, "file_id")
        result = self._call(ep.THUMBNAIL, {"file": file_id}, timeout=timeout)
        return parse(str, result, ep.THUMBNAIL)

    def running_conversions(self, *, timeout: float | None = None) -> list[Conversion]:
        """List the conversions in progress (progress is a 0-1 fraction)."""
        result = self._call(ep.RUNNING_CONVERSIONS, timeout=timeout)
        return parse(list[Conversion], [] if result is None else result, ep.RUNNING_CONVERSIONS)

    def failed_conversions(self, *, timeout: float | None = None) -> list[Conversion]:
        """List the conversions that failed."""
        result = self._call(ep.FAILED_CONVERSIONS, timeout=timeout)
        return parse(list[Conversion], [] if result is None else result, ep.FAILED_CONVERSIONS)
