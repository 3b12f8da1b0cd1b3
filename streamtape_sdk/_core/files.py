"""`files` as flows: tickets, links, info, uploads, downloads, rename/move/delete,
conversions (run by both clients; see docs/architecture.md)."""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from os import PathLike
from pathlib import Path
from typing import cast

from .. import _endpoints as ep
from .._cancel import CancelToken
from .._transport import require_usable_url
from ..errors import (
    BadRequestError,
    CaptchaRequiredError,
    IntegrityError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    ResponseFormatError,
    StreamtapeError,
    TransferCancelledError,
)
from ..models import (
    Conversion,
    DownloadLink,
    DownloadTicket,
    FileInfo,
    FolderListing,
    KeyedResult,
    ListResult,
    UploadedFile,
    UploadURL,
)
from ..transfers import (
    ProgressCallback,
    SourceLike,
    check_writable_dir,
    open_source,
    sha256_hex,
)
from ..transfers._cancelling import check_cancel
from ..transfers._names import safe_file_name
from ..transfers._sliced import check_connections
from ..transfers._source import UploadSource
from .download import DownloadTarget, fetch_to_file
from .effects import Flow, blocking, gather, sleep
from .parsing import expect_true, parse, parse_keyed, parse_listed, require_id, require_name
from .reconcile import describe_failure, is_ambiguous, newer_than, now, outcome_unknown, reconcile
from .resource import CoreResource
from .upload import post_upload

__all__ = ["INFO_BATCH_SIZE", "INFO_CONCURRENCY", "CaptchaSolver", "FilesCore"]

#: Answers a download ticket's captcha: called with the ticket, returns the text to send as
#: `captcha_response` (see `DownloadTicket.captcha_url`).
CaptchaSolver = Callable[[DownloadTicket], str]

#: Ids per `/file/info` call. The limit is undocumented; Openload, whose API Streamtape
#: adapted, allowed 50, and one client claims 100. 50 is the safe choice.
INFO_BATCH_SIZE = 50
#: Batches of one `info` call in flight at once under the async client: bounded so a long
#: id list does not open dozens of connections. The sync client sends them one by one.
INFO_CONCURRENCY = 4

#: How often `get_download_link` waits again when the API says "wait N more seconds".
_WAIT_RETRIES = 3
#: The longest extra wait `get_download_link` accepts from a "wait N more seconds" reply.
_MAX_EXTRA_WAIT = 60.0
#: The longest ticket `wait_time` honoured (the API documents a few seconds); a server asking
#: for more is answered with `ResponseFormatError`, not a sleep of years.
MAX_TICKET_WAIT = 3600.0
_WAIT_MESSAGE = re.compile(r"wait\s+(\d+)\s+more\s+seconds?", re.IGNORECASE)
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def _check_cancel(cancel: CancelToken | None, what: str) -> None:
    check_cancel(cancel, lambda: f"transfer of {what!r} cancelled before its bytes were sent")


def _cancellable(
    progress: ProgressCallback | None, cancel: CancelToken | None, what: str
) -> ProgressCallback | None:
    """`progress`, raising `TransferCancelledError` once `cancel` fires (checked per chunk)."""
    if cancel is None:
        return progress
    token = cancel

    def report(done: int, total: int | None) -> None:
        if token.cancelled:
            raise TransferCancelledError(
                f"upload of {what!r} cancelled after {done} bytes; the server discards an "
                "incomplete upload: call upload() again to send the file."
            )
        if progress is not None:
            progress(done, total)

    return report


def _not_found(file_id: str, endpoint: ep.Endpoint, what: str) -> NotFoundError:
    """The error for a `result: null` that means the file is gone (§5.6 N9)."""
    return NotFoundError(
        f"file {file_id!r} {what} (the service answered an empty result)",
        status=404,
        endpoint=endpoint.path,
        detail=f"file={file_id!r}",
    )


def _captcha_required(file_id: str, ticket: DownloadTicket) -> CaptchaRequiredError:
    size = (
        f" ({ticket.captcha_width}x{ticket.captcha_height} px)"
        if ticket.captcha_width and ticket.captcha_height
        else ""
    )
    return CaptchaRequiredError(
        f"the download ticket for file {file_id!r} demands a captcha: solve the image at "
        f"{ticket.captcha_url}{size}",
        captcha_url=ticket.captcha_url,
        status=403,
        endpoint=ep.DOWNLOAD_LINK.path,
        detail=f"file={file_id!r}",
    )


def _upload_check(folder: str | None, src: UploadSource) -> str:
    where = f"folder {folder}" if folder else "the root folder"
    return f"list {where} and look for a file named {src.name!r} of {src.size} bytes"


def check_file_ids(file_ids: str | Iterable[str]) -> list[str]:
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


class FilesCore(CoreResource):
    """Files: download tickets and links, info, uploads, rename/move/delete, conversions."""

    def get_download_ticket(
        self, file_id: str, *, timeout: float | None = None
    ) -> Flow[DownloadTicket]:
        """Ask for a download ticket; wait `ticket.wait_time` seconds before using it.

        The ticket may demand a captcha (`ticket.requires_captcha`, streamtape-api.md §5.6
        N10): then pass the answer as `captcha_response` to `get_download_link`.

        Raises:
            ValueError: `file_id` is empty.
            NotFoundError: no such file (also when the service answers an empty result).

        Examples:
            >>> ticket = client.files.get_download_ticket("rbAarvRPXdYbaxY")  # doctest: +SKIP
        """
        require_id(file_id, "file_id")
        result = yield from self._call(ep.DOWNLOAD_TICKET, {"file": file_id}, timeout=timeout)
        if result is None:
            # Assumed by analogy with /file/dl (§5.6 N9): no ticket for a file that is gone.
            raise _not_found(file_id, ep.DOWNLOAD_TICKET, "does not exist or was removed")
        return parse(DownloadTicket, result, ep.DOWNLOAD_TICKET)

    def get_download_link(
        self,
        file_id: str,
        ticket: str | DownloadTicket,
        captcha_response: str | None = None,
        *,
        timeout: float | None = None,
    ) -> Flow[DownloadLink]:
        """Exchange a ticket for a direct download link.

        Given the `DownloadTicket` object, it first sleeps out what remains of `wait_time`
        (measured from when the ticket arrived), and waits again if the API still says
        "wait N more seconds". Given a bare ticket string, it asks at once.

        Args:
            file_id: the file the ticket is for.
            ticket: the ticket (object or string) from `get_download_ticket`.
            captcha_response: the answer to the ticket's captcha, when it demands one
                (`ticket.requires_captcha`; streamtape-api.md §5.6 N10).

        Raises:
            CaptchaRequiredError: the ticket demands a captcha and no `captcha_response` was
                given (raised before `/file/dl` is called, with `.captcha_url`), or the
                service refused the answer.
            PermissionDeniedError: the ticket is used too early, expired, or for another file.
            NotFoundError: no such file, or the file vanished (the service answers an empty
                result, §5.6 N9).

        Examples:
            >>> link = client.files.get_download_link(file_id, ticket)  # doctest: +SKIP
            >>> link.url, link.size  # doctest: +SKIP
        """
        require_id(file_id, "file_id")
        ticket_value = ticket.ticket if isinstance(ticket, DownloadTicket) else ticket
        require_id(ticket_value, "ticket")
        if isinstance(ticket, DownloadTicket) and ticket.requires_captcha and not captcha_response:
            raise _captcha_required(file_id, ticket)
        params = {"file": file_id, "ticket": ticket_value, "captcha_response": captcha_response}
        if isinstance(ticket, DownloadTicket):
            remaining = ticket.remaining_wait()
            if remaining > MAX_TICKET_WAIT:
                raise ResponseFormatError(
                    f"{ep.DOWNLOAD_TICKET.path} asked to wait {ticket.wait_time} s before the "
                    f"download (more than {MAX_TICKET_WAIT:.0f} s): not waiting. Ask for a new "
                    "ticket later; report it if it persists."
                )
            if remaining > 0:
                yield from sleep(remaining)
        for attempt in range(_WAIT_RETRIES + 1):
            try:
                result = yield from self._call(ep.DOWNLOAD_LINK, params, timeout=timeout)
            except CaptchaRequiredError as error:
                if isinstance(ticket, DownloadTicket) and ticket.captcha_url:
                    raise CaptchaRequiredError(
                        error.message,
                        captcha_url=ticket.captcha_url,
                        status=error.status,
                        endpoint=error.endpoint,
                        http_status=error.http_status,
                        detail=error.detail,
                    ) from None
                raise
            except PermissionDeniedError as error:
                wait = _WAIT_MESSAGE.search(error.message)
                if not isinstance(ticket, DownloadTicket) or wait is None:
                    raise
                if attempt == _WAIT_RETRIES or float(wait.group(1)) > _MAX_EXTRA_WAIT:
                    raise
                yield from sleep(float(wait.group(1)))
                continue
            if result is None:  # the file vanished after the ticket (§5.6 N9)
                raise _not_found(file_id, ep.DOWNLOAD_LINK, "vanished: no download link for it")
            return parse(DownloadLink, result, ep.DOWNLOAD_LINK)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def info(
        self, file_ids: str | Iterable[str], *, timeout: float | None = None
    ) -> Flow[KeyedResult[FileInfo]]:
        """Return the info of one or many files, keyed by the requested id.

        Long lists are sent in batches of `INFO_BATCH_SIZE` (50) ids. A missing file is not an
        error: its entry has `status == 404` and `name is None` (`entry.exists` is False).
        Entries are parsed one by one: an entry of an unexpected shape is reported in the
        result's `invalid` mapping (key -> `InvalidEntry`) and never loses the others.

        Raises:
            ValueError: an id is empty or contains a comma, or no id was given.

        Examples:
            >>> infos = client.files.info(["id1", "id2"])  # doctest: +SKIP
            >>> [i.name for i in infos.values() if i.exists]  # doctest: +SKIP
        """
        ids = check_file_ids(file_ids)
        calls = [
            self._call(
                ep.FILE_INFO,
                {"file": ",".join(ids[start : start + INFO_BATCH_SIZE])},
                timeout=timeout,
            )
            for start in range(0, len(ids), INFO_BATCH_SIZE)
        ]
        # The async client sends the batches concurrently (INFO_CONCURRENCY at most).
        if len(calls) == 1:
            results = [(yield from calls[0])]
        else:
            results = yield from gather(calls, INFO_CONCURRENCY)
        found: KeyedResult[FileInfo] = KeyedResult()
        for result in results:
            found.merge(parse_keyed(FileInfo, result, ep.FILE_INFO))
        return found

    def get_upload_url(
        self,
        folder: str | None = None,
        sha256: str | None = None,
        httponly: bool = False,
        *,
        timeout: float | None = None,
    ) -> Flow[UploadURL]:
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
        result = yield from self._call(ep.UPLOAD_URL, params, timeout=timeout)
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
        cancel: CancelToken | None = None,
        timeout: float | None = None,
    ) -> Flow[UploadedFile]:
        """Upload a local file, streamed from disk with constant memory (files up to 15 GB).

        Asks `/file/ul` for a one-time URL (with the file's SHA-256, so the server rejects
        corrupted bytes), then POSTs the file as multipart. The POST is never retried: a
        repeat could store the file twice. Zero-byte files are uploaded like any other.

        After the last byte, the reply is awaited for `Timeout.upload_reply` seconds (10
        minutes by default; the host can take minutes for a large file, streamtape-api.md
        §5.6 N8). When the reply is lost or unreadable, or lacks the new file's id (N6), the
        SDK reconciles: it lists the folder for a file of that name and size created since
        the upload started and returns it (`reconciled=True`); when it cannot tell, it
        raises `OutcomeUnknownError` saying what to check, never uploading twice.

        Args:
            source: a path, or a seekable binary file object (read from its position).
            folder: destination folder id; the root folder when None.
            name: the stored file name; by default the path's or file object's name.
            sha256: True to compute the hash in one streaming pass first, False to skip it,
                or the 64-hex-digit hash when you already know it.
            httponly: ask for a plain-http upload URL.
            progress: called as `progress(bytes_sent, file_size)`. An exception it raises
                stops the upload and propagates unchanged.
            cancel: a `CancelToken`; cancelling stops the upload at its next chunk and
                raises `TransferCancelledError` (the server discards an incomplete upload).
            timeout: seconds to wait for the connection and for each write; the wait for the
                reply is the longer of this and the client's `Timeout.upload_reply`.

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
            APIConnectionError: the connection failed before the request was sent.
            OutcomeUnknownError: the file may or may not be stored and reconciliation could
                not tell; the message says what to look for before uploading again.
            TransferCancelledError: `cancel` fired.

        Examples:
            >>> up = client.files.upload("video.mp4", progress=print)  # doctest: +SKIP
            >>> up.id, up.url  # doctest: +SKIP
        """
        if folder is not None:
            require_id(folder, "folder")
        if name is not None:
            require_name(name)
        if cancel is not None and not isinstance(cast(object, cancel), CancelToken):
            raise TypeError(f"cancel must be a CancelToken, not {type(cancel).__name__}")
        src = open_source(source, name)
        try:
            expected = sha256 if isinstance(sha256, str) else None
            if sha256 is True:
                # One streaming pass; a worker thread under the async client.
                expected = yield from blocking(partial(sha256_hex, src.file))
                src.rewind()
            _check_cancel(cancel, src.name)
            target = yield from self.get_upload_url(folder, expected, httponly, timeout=timeout)
            _check_cancel(cancel, src.name)
            reporter = _cancellable(progress, cancel, src.name)
            # A URL nothing can be sent to is the reply's fault, known before any I/O: not an
            # ambiguous outcome to reconcile.
            require_usable_url(target.url, ep.UPLOAD_POST)
            started = now()
            try:
                result = yield from post_upload(
                    self._settings,
                    target.url,
                    src,
                    reply_timeout=self._settings.timeout.upload_reply,
                    progress=reporter,
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
            except StreamtapeError as error:
                if not is_ambiguous(error):
                    raise
                # The file may be stored: find it rather than upload it twice (§5.6 N8).
                uploaded = yield from reconcile(
                    ep.UPLOAD_POST.path,
                    error,
                    f"the upload of {src.name!r} ({src.size} bytes)",
                    _upload_check(folder, src),
                    lambda: self._find_uploaded(folder, src, started, timeout),
                    lambda found: found.id,
                    tip="",  # the reply wait is Timeout.upload_reply, long already
                )
            else:
                uploaded = yield from self._uploaded(result, folder, src, started, timeout)
        finally:
            src.close()
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

    def _uploaded(
        self,
        result: object,
        folder: str | None,
        src: UploadSource,
        started: datetime,
        timeout: float | None,
    ) -> Flow[UploadedFile]:
        """The upload host's success reply as an `UploadedFile`; a reply without a usable
        id (§5.6 N6) is completed by finding the file in its folder."""
        try:
            return parse(UploadedFile, result, ep.UPLOAD_POST)
        except ResponseFormatError as error:
            problem = error
        # The host said "stored" but not which file: never raise without saying so.
        try:
            found = yield from self._find_uploaded(folder, src, started, timeout)
        except StreamtapeError as lookup_error:
            found, problem = (
                [],
                ResponseFormatError(
                    f"{describe_failure(problem)}; listing its folder failed: "
                    f"{describe_failure(lookup_error)}"
                ),
            )
        if len(found) == 1:
            return found[0]
        raise OutcomeUnknownError(
            outcome_unknown(
                f"the upload of {src.name!r} ({src.size} bytes)",
                "the upload host answered success without the new file's id "
                f"({describe_failure(problem)}); "
                f"{len(found)} matching files were found in its folder",
                _upload_check(folder, src),
                tip="",
            ),
            endpoint=ep.UPLOAD_POST.path,
        ) from problem

    def _find_uploaded(
        self, folder: str | None, src: UploadSource, started: datetime, timeout: float | None
    ) -> Flow[list[UploadedFile]]:
        """The files of `folder` that can be this upload: same name and size, created since
        the upload started (allowing for clock skew)."""
        result = yield from self._call(ep.LIST_FOLDER, {"folder": folder}, timeout=timeout)
        listing = parse(FolderListing, result, ep.LIST_FOLDER)
        return [
            UploadedFile(
                id=entry.link_id,
                name=entry.name,
                size=entry.size,
                url=entry.link or f"https://streamtape.com/v/{entry.link_id}/{entry.name}",
                reconciled=True,
            )
            for entry in listing.files
            if entry.name == src.name
            and entry.size == src.size
            and newer_than(started, entry.created_at)
        ]

    def download(
        self,
        file_id: str,
        dest: str | PathLike[str],
        progress: ProgressCallback | None = None,
        resume: bool = True,
        *,
        overwrite: bool = False,
        captcha_solver: CaptchaSolver | None = None,
        expected_sha256: str | None = None,
        cancel: CancelToken | None = None,
        timeout: float | None = None,
        connections: int = 1,
    ) -> Flow[Path]:
        """Download a file to `dest`, streamed to disk, resuming after dropped connections.

        Gets a ticket, waits out its `wait_time`, gets the link, then streams into a hidden
        partial file next to `dest` (`.<name>.<file_id>.part`, with a checkpoint and a lock
        beside it). A broken connection resumes with `Range` (and `If-Range` when the link
        gives an `ETag` or `Last-Modified`); every `206` is checked against the range asked
        for. A 429/503 waits its `Retry-After` on the same link; an expired or refused link
        (401/403/404/410) is renewed. It gives up after the client's `RetryPolicy.max_retries`
        consecutive failures *without progress*, or when its retry sleeps pass ten times
        `max_total_sleep`. Only a complete file of the announced size (and `expected_sha256`)
        is published at `dest`, atomically; there is never a half-written or wrong file there.

        Args:
            file_id: the file to download.
            dest: the target path, or an existing directory (the server's file name is used,
                made safe: see docs/transfers.md).
            progress: called as `progress(bytes_on_disk, file_size)`. An exception it raises
                stops the download and propagates unchanged; the partial state is kept.
            resume: continue this file's partial state (False starts from scratch).
            overwrite: when `dest` is a directory, replace an existing file of the server's
                name (by default `FileExistsError`). An explicit file path is always replaced.
            captcha_solver: called with a ticket that demands a captcha
                (`ticket.requires_captcha`, streamtape-api.md §5.6 N10); its answer is sent
                as `captcha_response`. Called again for each renewed ticket.
            expected_sha256: the file's SHA-256 (64 hex digits), checked while writing.
            cancel: a `CancelToken`; cancelling stops at the next chunk or wait and raises
                `TransferCancelledError`, keeping the partial state for a resume.
            timeout: seconds for each connection and each read.
            connections: parallel ranged requests for this one file (1 to 16; default 1).
                More helps on high-latency links that throttle each connection, not on a
                fast or local one; a host that ignores or refuses ranges gets one stream,
                and one that limits connections per link (429) gets as many as it accepts
                (streamtape-api.md §5.6 N18). See docs/transfers.md "Sliced downloads".
                The parallel ranges run with requests in worker threads, under
                `AsyncStreamtape` too (docs/architecture.md).

        Returns:
            The path written.

        Raises:
            TypeError: `connections` is not an int, or `cancel` not a `CancelToken`.
            ValueError: a bad argument (`file_id` empty, `expected_sha256` malformed,
                `connections` outside 1..16, `timeout` not positive), before any I/O.
            FileNotFoundError: the destination directory does not exist (before the ticket).
            PermissionError: the destination directory is not writable (likewise).
            FileExistsError: `dest` is a directory holding the server's file name and
                `overwrite` is False (before the file's bytes are fetched).
            CaptchaRequiredError: the ticket demands a captcha and no `captcha_solver` was
                given (before `/file/dl` is called; `.captcha_url` is the image).
            TransferError: another process is downloading the same file to `dest` (the
                message names it), or the download kept failing; call again to resume.
            TransferCancelledError: `cancel` fired; call again to resume.
            IntegrityError: the complete file's size or SHA-256 is wrong (nothing published).
            NotFoundError: no such file, or it vanished (an empty `/file/dl` result).

        Examples:
            >>> client.files.download("rbAarvRPXdYbaxY", "downloads/")  # doctest: +SKIP
            PosixPath('downloads/MyMinecraftLetsPlay.mp4')
        """
        require_id(file_id, "file_id")
        check_connections(connections)
        given = cast(object, expected_sha256)  # checked at run time: untyped callers
        if given is not None and not (isinstance(given, str) and _SHA256.fullmatch(given)):
            raise ValueError("expected_sha256 must be 64 hexadecimal digits")
        if cancel is not None and not isinstance(cast(object, cancel), CancelToken):
            raise TypeError(f"cancel must be a CancelToken, not {type(cancel).__name__}")
        # "downloads/" names a directory even before it exists: never a file called that.
        names_directory = str(dest).endswith((os.sep, "/"))
        dest_path = Path(dest)
        if names_directory and not dest_path.is_dir():
            raise FileNotFoundError(f"cannot download into {str(dest)!r}: no such directory")
        directory = dest_path if dest_path.is_dir() else dest_path.parent
        check_writable_dir(directory)  # before the ticket's wait, not after
        _check_cancel(cancel, file_id)

        def fresh_link() -> Flow[DownloadLink]:
            ticket = yield from self.get_download_ticket(file_id, timeout=timeout)
            answer: str | None = None
            if ticket.requires_captcha:
                if captcha_solver is None:
                    raise _captcha_required(file_id, ticket)
                answer = captcha_solver(ticket)
            return (yield from self.get_download_link(file_id, ticket, answer, timeout=timeout))

        link = yield from fresh_link()
        _check_cancel(cancel, file_id)
        server_named = dest_path.is_dir()
        if server_named:
            dest_path = dest_path / safe_file_name(link.name, file_id)
            if not overwrite and os.path.lexists(dest_path):
                raise FileExistsError(
                    errno.EEXIST,
                    f"{str(dest_path)!r} exists; pass overwrite=True to replace it, or a file "
                    "path as dest",
                    str(dest_path),
                )

        def refresh() -> Flow[DownloadTarget]:
            renewed = yield from fresh_link()
            return DownloadTarget(renewed.url, renewed.size)

        return (
            yield from fetch_to_file(
                self._settings.retry,
                DownloadTarget(link.url, link.size),
                dest_path,
                file_id=file_id,
                refresh=refresh,
                progress=progress,
                resume=resume,
                replace=overwrite or not server_named,
                expected_sha256=expected_sha256,
                cancel=cancel,
                timeout=timeout,
                connections=connections,
                sliced_transport=self._settings.sync_transport() if connections > 1 else None,
            )
        )

    def rename(self, file_id: str, name: str, *, timeout: float | None = None) -> Flow[None]:
        """Rename a file.

        Raises:
            ValueError: `file_id` or `name` is empty.
            NotFoundError: no such file.
        """
        require_id(file_id, "file_id")
        require_name(name)
        result = yield from self._call(
            ep.RENAME_FILE, {"file": file_id, "name": name}, timeout=timeout
        )
        expect_true(result, ep.RENAME_FILE)

    def move(self, file_id: str, folder_id: str, *, timeout: float | None = None) -> Flow[None]:
        """Move a file into another folder.

        Raises:
            ValueError: `file_id` or `folder_id` is empty.
            NotFoundError: no such file or folder.
        """
        require_id(file_id, "file_id")
        require_id(folder_id, "folder_id")
        result = yield from self._call(
            ep.MOVE_FILE, {"file": file_id, "folder": folder_id}, timeout=timeout
        )
        expect_true(result, ep.MOVE_FILE)

    def delete(self, file_id: str, *, timeout: float | None = None) -> Flow[None]:
        """Delete a file.

        Raises:
            ValueError: `file_id` is empty.
            NotFoundError: no such file.
        """
        require_id(file_id, "file_id")
        result = yield from self._call(ep.DELETE_FILE, {"file": file_id}, timeout=timeout)
        expect_true(result, ep.DELETE_FILE)

    def thumbnail_url(self, file_id: str, *, timeout: float | None = None) -> Flow[str]:
        """Return the URL of the file's thumbnail image.

        Raises:
            ValueError: `file_id` is empty.
            NotFoundError: no such file, or it has no thumbnail (yet): an empty result,
                assumed to mean the conversion has not made one.
        """
        require_id(file_id, "file_id")
        result = yield from self._call(ep.THUMBNAIL, {"file": file_id}, timeout=timeout)
        if result is None or result is False or result == "":
            raise _not_found(file_id, ep.THUMBNAIL, "has no thumbnail (yet)")
        return parse(str, result, ep.THUMBNAIL)

    def running_conversions(self, *, timeout: float | None = None) -> Flow[ListResult[Conversion]]:
        """List the conversions in progress (progress is a 0-1 fraction).

        Entries are parsed one by one; bad ones are in the result's `invalid` list. An empty
        (`null`) result is an empty list.
        """
        result = yield from self._call(ep.RUNNING_CONVERSIONS, timeout=timeout)
        return parse_listed(Conversion, result, ep.RUNNING_CONVERSIONS)

    def failed_conversions(self, *, timeout: float | None = None) -> Flow[ListResult[Conversion]]:
        """List the conversions that failed (same shape as the running ones, §5.6 N4).

        Entries are parsed one by one; bad ones are in the result's `invalid` list.
        """
        result = yield from self._call(ep.FAILED_CONVERSIONS, timeout=timeout)
        return parse_listed(Conversion, result, ep.FAILED_CONVERSIONS)
