"""`remote` as flows: remote uploads (the service fetches a URL for you)."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import cast

from .. import _endpoints as ep
from .._cancel import CancelToken
from .._config import require_seconds
from .._redaction import mask_url
from ..errors import (
    ClientClosedError,
    MissingCredentialsError,
    NotFoundError,
    RemoteUploadFailedError,
    RemoteUploadIncompleteError,
    ResponseFormatError,
    StreamtapeError,
    TransferError,
    WaitTimeoutError,
)
from ..models import KeyedResult, RemoteAddOutcome, RemoteUpload, RemoteUploadStatus
from ..transfers import ProgressCallback
from ..transfers._cancelling import check_cancel
from .calls import check_timeout
from .effects import Flow, sleep
from .parsing import expect_true, parse, parse_keyed, require_id, require_name
from .reconcile import is_ambiguous, newer_than, now, reconcile
from .resource import CoreResource

__all__ = ["RemoteCore"]


def _header_lines(headers: Mapping[str, str] | str) -> str:
    """Headers as the API wants them: `Name: value` lines joined by newlines."""
    if isinstance(headers, str):
        return headers
    lines: list[str] = []
    pairs = cast(
        "Iterable[tuple[object, object]]", headers.items()
    )  # untyped callers pass anything
    for name, value in pairs:
        if not isinstance(name, str) or not isinstance(value, str):
            raise ValueError(f"header {name!r}: names and values must be strings")
        if not name or any(c in name for c in ":\r\n") or any(c in value for c in "\r\n"):
            raise ValueError(f"invalid header {name!r}: names and values must be one line")
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def shown_url(url: str | None) -> str | None:
    """A source URL as messages show it: userinfo and query values masked."""
    return None if url is None else mask_url(url)


class RemoteCore(CoreResource):
    """Remote uploads: the service downloads a URL into your account."""

    def add(
        self,
        url: str,
        folder: str | None = None,
        headers: Mapping[str, str] | str | None = None,
        name: str | None = None,
        *,
        timeout: float | None = None,
    ) -> Flow[RemoteUpload]:
        """Queue a remote upload of `url`; poll it with `status` or `wait`.

        Never retried after an ambiguous failure (it could queue the transfer twice).
        Instead, when the reply is lost or unreadable (or empty), the remote-upload list is
        searched for a job of this URL added since the call started; a single one is
        returned as the result. Otherwise `OutcomeUnknownError` says what to check.

        The service may ignore `name` (streamtape-api.md §5.6 N11): the returned job keeps
        it as `requested_name`, and `wait(job)` renames the stored file to it.

        Args:
            url: the source URL (sent percent-encoded, so `&` in it is safe).
            folder: destination folder id; the root folder when None.
            headers: extra HTTP headers for the fetch (cookies, auth), as a mapping or as
                ready `Name: value` lines.
            name: the new file's name (the service may prefer the source's own name).

        Raises:
            ValueError: `url` is empty, or a header is not one line.
            OutcomeUnknownError: the job may or may not have been queued, and the remote
                list could not tell; the message says what to check.

        Examples:
            >>> job = client.remote.add("https://example.com/video.mp4")  # doctest: +SKIP
            >>> client.remote.wait(job.id).file_id  # doctest: +SKIP
        """
        require_id(url, "url")
        if folder is not None:
            require_id(folder, "folder")
        if name:  # "" means no name, like None
            require_name(name)
        params = {
            "url": url,
            "folder": folder,
            "headers": _header_lines(headers) if headers else None,
            "name": name or None,
        }
        started = now()
        try:
            result = yield from self._call(ep.REMOTE_ADD, params, timeout=timeout)
            job = parse(RemoteUpload, result, ep.REMOTE_ADD)
        except StreamtapeError as error:
            if not is_ambiguous(error):
                raise
            job = yield from reconcile(
                ep.REMOTE_ADD.path,
                error,
                "queueing the remote upload",
                "list the remote uploads and look for one of this URL added since "
                f"{started:%H:%M:%S} UTC",
                lambda: self._find_added(url, folder, started, timeout),
                lambda found: found.id,
            )
        return job.model_copy(update={"requested_name": name}) if name else job

    def _find_added(
        self, url: str, folder: str | None, started: datetime, timeout: float | None
    ) -> Flow[builtins.list[RemoteUpload]]:
        """The jobs of `url` into `folder` added since `started`: candidates for an add whose
        reply was lost."""
        statuses = yield from self.list(timeout=timeout)
        return [
            RemoteUpload.model_validate({"id": s.id, "folderid": s.folder_id})
            for s in statuses.values()
            if s.remote_url == url
            and s.folder_id == (folder or None)
            and newer_than(started, s.added)
        ]

    def remove(self, upload_id: str, *, timeout: float | None = None) -> Flow[None]:
        """Cancel and remove one remote upload.

        Raises:
            ValueError: `upload_id` is empty, or is `"all"` (use `remove_all`).
            NotFoundError: no such remote upload.
        """
        require_id(upload_id, "upload_id")
        if upload_id.strip().lower() == "all":
            raise ValueError("upload_id 'all' removes every upload; call remove_all() for that")
        yield from self._remove(upload_id, timeout)

    def remove_all(self, *, timeout: float | None = None) -> Flow[None]:
        """Cancel and remove every remote upload of the account (sends `id=all`)."""
        yield from self._remove("all", timeout)

    def _remove(self, upload_id: str, timeout: float | None) -> Flow[None]:
        result = yield from self._call(ep.REMOTE_REMOVE, {"id": upload_id}, timeout=timeout)
        expect_true(result, ep.REMOTE_REMOVE)

    def status(self, upload_id: str, *, timeout: float | None = None) -> Flow[RemoteUploadStatus]:
        """Return the state of one remote upload.

        Raises:
            ValueError: `upload_id` is empty.
            NotFoundError: no such remote upload.
            ResponseFormatError: its entry in the reply has an unexpected shape.
        """
        require_id(upload_id, "upload_id")
        # An unknown id gets every upload of the account, not a 404 (§5.6 N2): pick ours.
        statuses = yield from self._statuses({"id": upload_id}, timeout)
        found = statuses.get(upload_id)
        if found is None:
            found = next((s for s in statuses.values() if s.id == upload_id), None)
        if found is None and upload_id in statuses.invalid:
            bad = statuses.invalid[upload_id]
            raise ResponseFormatError(
                f"{ep.REMOTE_STATUS.path} returned a result of an unexpected shape "
                f"({upload_id}: {bad.problem}). The API may have changed; upgrade "
                "streamtape-sdk or report this."
            )
        if found is None:
            raise NotFoundError(
                f"remote upload {upload_id!r} is not in the status reply",
                status=404,
                endpoint=ep.REMOTE_STATUS.path,
            )
        return found

    def wait(
        self,
        upload_id: str | RemoteUpload,
        *,
        timeout: float = 3600.0,
        poll_interval: float = 2.0,
        progress: ProgressCallback | None = None,
        name: str | None = None,
        cancel: CancelToken | None = None,
    ) -> Flow[RemoteUploadStatus]:
        """Poll a remote upload until it finishes, check the result, and return its status.

        Polls every `poll_interval` seconds, so it returns at most one `poll_interval` (plus
        one status call) after the service reports the job finished.

        Post-conditions are checked, not assumed (streamtape-api.md §5.6):
        - a job marked `finished` with fewer bytes than announced (N12) raises
          `RemoteUploadIncompleteError`, which names the stored file;
        - when a name was asked for (`name=`, or the `requested_name` of the job returned by
          `add`) and the service stored another one (N11), the file is renamed to it; the
          returned status then has `name` set to it and `renamed_from` to the service's
          choice (`""` when the service did not say).

        Args:
            upload_id: the id from `add`, or the job `add` returned.
            timeout: the most seconds to wait in total (not the per-request timeout).
            poll_interval: seconds between polls.
            progress: called as `progress(bytes_loaded, bytes_total)` after each poll.
            name: the file name to end up with; defaults to the job's `requested_name`.
            cancel: a `CancelToken`; cancelling stops the wait (not the remote upload, which
                goes on on the server) with `TransferCancelledError`.

        Raises:
            RemoteUploadFailedError: the transfer ended in status `error`.
            RemoteUploadIncompleteError: it finished with fewer bytes than announced.
            WaitTimeoutError: it had not finished after `timeout` seconds.
            TransferCancelledError: `cancel` fired.
            NotFoundError: no such remote upload (e.g. it was removed).
            TransferError: it finished, but renaming the file to `name` failed (the
                message names the stored file).

        Examples:
            >>> job = client.remote.add(url, name="clip.mp4")  # doctest: +SKIP
            >>> done = client.remote.wait(job, timeout=600)  # doctest: +SKIP
            >>> done.file_id, done.name  # doctest: +SKIP
        """
        if isinstance(upload_id, RemoteUpload):
            wanted = upload_id.requested_name if name is None else name
            upload_id = upload_id.id
        else:
            wanted = name
        require_id(upload_id, "upload_id")
        if wanted is not None:
            require_name(wanted)
        require_seconds(timeout, "timeout", allow_zero=True)  # NaN would poll forever
        require_seconds(poll_interval, "poll_interval")
        clock = self._settings.clock
        deadline = clock() + timeout
        while True:
            check_cancel(
                cancel,
                lambda: (
                    f"wait for remote upload {upload_id} cancelled; it goes on "
                    "on the server: call wait() again, or remove() it"
                ),
            )
            polled_at = clock()
            current = yield from self.status(upload_id)
            if progress is not None and current.bytes_loaded is not None:
                progress(current.bytes_loaded, current.bytes_total)
            if current.is_failed:
                raise RemoteUploadFailedError(
                    f"remote upload {upload_id} of {shown_url(current.remote_url)!r} failed on the "
                    "server (status 'error'); check that the URL is reachable from the "
                    "internet and the headers are right, then add it again."
                )
            # A rename needs the file id, which can follow the `finished` status (N1).
            if current.is_finished and (wanted is None or current.file_id is not None):
                return (yield from self._verified(upload_id, current, wanted))
            remaining = deadline - clock()
            if remaining <= 0:
                state = (
                    "finished but the service has not named the stored file yet, so it "
                    f"could not be renamed to {wanted!r}"
                    if current.is_finished
                    else f"still {current.status!r}"
                )
                raise WaitTimeoutError(
                    f"remote upload {upload_id} is {state} after {timeout} s "
                    f"({current.bytes_loaded or 0} of {current.bytes_total or '?'} bytes); "
                    "call wait() again with a longer timeout, or remove() it."
                )
            # Keep the cadence: the status call's own duration counts towards the interval.
            yield from sleep(
                max(0.0, min(poll_interval - (clock() - polled_at), remaining)), cancel
            )

    def _verified(
        self, upload_id: str, current: RemoteUploadStatus, wanted: str | None
    ) -> Flow[RemoteUploadStatus]:
        """Check a finished job's post-conditions; rename its file when asked (N11, N12)."""
        if current.is_truncated:
            loaded, total = current.bytes_loaded or 0, current.bytes_total or 0
            stored = f"file {current.file_id}" if current.file_id else "a file"
            raise RemoteUploadIncompleteError(
                f"remote upload {upload_id} of {shown_url(current.remote_url)!r} was reported "
                f"finished with {loaded} of {total} bytes ({loaded / total:.0%}): the source was "
                f"cut short. The service stored {stored} with the partial content; delete it and "
                "add the URL again.",
                upload_id=upload_id,
                file_id=current.file_id,
                bytes_loaded=loaded,
                bytes_total=total,
            )
        if wanted is None or current.name == wanted or current.file_id is None:
            return current
        try:
            result = yield from self._call(
                ep.RENAME_FILE, {"file": current.file_id, "name": wanted}, timeout=None
            )
            expect_true(result, ep.RENAME_FILE)
        except StreamtapeError as error:
            raise TransferError(
                f"remote upload {upload_id} finished as file {current.file_id} named "
                f"{current.name!r}, but renaming it to {wanted!r} failed ({error}); the file "
                f"is stored: rename it with files.rename({current.file_id!r}, {wanted!r})."
            ) from error
        return current.model_copy(update={"name": wanted, "renamed_from": current.name or ""})

    def list(
        self, limit: int | None = None, *, timeout: float | None = None
    ) -> Flow[KeyedResult[RemoteUploadStatus]]:
        """Return the state of the account's (recent) remote uploads, keyed by upload id.

        Entries are parsed one by one: one of an unexpected shape is reported in the
        result's `invalid` mapping and never loses the others.

        Args:
            limit: the most entries to return (the server's default when None).
        """
        given = cast(object, limit)  # checked at run time: untyped callers pass anything
        if given is not None and (
            not isinstance(given, int) or isinstance(given, bool) or given < 1
        ):
            raise ValueError("limit must be a positive integer")
        return (yield from self._statuses({"limit": limit}, timeout))

    def _statuses(
        self, params: Mapping[str, str | int | None], timeout: float | None
    ) -> Flow[KeyedResult[RemoteUploadStatus]]:
        result = yield from self._call(ep.REMOTE_STATUS, params, timeout=timeout)
        return parse_keyed(RemoteUploadStatus, result, ep.REMOTE_STATUS)

    def add_many(
        self,
        urls: Iterable[str],
        folder: str | None = None,
        headers: Mapping[str, str] | str | None = None,
        *,
        timeout: float | None = None,
    ) -> Flow[builtins.list[RemoteAddOutcome]]:
        """Queue a remote upload of each URL; one `RemoteAddOutcome` per URL, in order.

        A URL the service refuses does not stop the others: its outcome carries the error
        and `upload=None`, so every queued job's id is kept. Each `add` is never retried
        after an ambiguous failure (`OutcomeUnknownError` in the outcome).

        Args:
            urls: the URLs to fetch (a single string is one URL).
            folder: the destination folder id (None: the root).
            headers: HTTP headers for the fetch, as in `add`.
            timeout: seconds for each `add` request's connection and read (None: the
                client's); checked before any request.

        Raises:
            ValueError: a URL is empty, a header is not one line, or `timeout` is out of
                range (before any request).
            ClientClosedError, MissingCredentialsError: raised once, by the call itself:
                they concern every URL.

        Examples:
            >>> added = client.remote.add_many(["https://a.example/1.mp4"])  # doctest: +SKIP
            >>> ids = [o.upload.id for o in added if o.upload is not None]  # doctest: +SKIP
        """
        wanted = [urls] if isinstance(urls, str) else builtins.list(urls)
        for url in wanted:
            require_id(url, "url")
        if folder is not None:
            require_id(folder, "folder")
        if headers:
            _header_lines(headers)  # fail before the first request, not after some
        check_timeout(timeout)
        added: builtins.list[RemoteAddOutcome] = []
        for url in wanted:
            try:
                job = yield from self.add(url, folder, headers, timeout=timeout)
                added.append(RemoteAddOutcome(url, job))
            except (ClientClosedError, MissingCredentialsError):
                raise  # not this URL's failure: every other one would fail the same way
            except StreamtapeError as error:
                added.append(RemoteAddOutcome(url, error=error))
        return added

    def wait_many(
        self,
        upload_ids: Iterable[str],
        *,
        timeout: float = 3600.0,
        poll_interval: float = 2.0,
        progress: Callable[[RemoteUploadStatus], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> Flow[dict[str, RemoteUploadStatus]]:
        """Poll many remote uploads with one status call per interval until all have ended.

        Each poll is one `/remotedl/status` without an id (it lists every upload of the
        account, §3.8; §5.6 N2); a job missing from that list (an account with many jobs
        may be cut short) is asked about by id. Polls every `poll_interval`, like `wait`.

        Unlike `wait`, a failed job is not raised: its status says `is_failed`, so one
        failure does not hide the others. Returns when every job has finished or failed,
        when `timeout` seconds have passed, or when `cancel` fires; check `is_finished`.

        Args:
            upload_ids: the ids from `add`/`add_many`.
            timeout: the most seconds to wait in total.
            poll_interval: seconds between the first polls.
            progress: called with each job's status when it changes.
            cancel: a `CancelToken` that ends the wait early.

        Returns:
            The latest status of each id.

        Raises:
            ValueError: an id is empty, or `timeout`/`poll_interval` is out of range.
            NotFoundError: a job does not exist (e.g. it was removed).

        Examples:
            >>> done = client.remote.wait_many([j.id for j in jobs])  # doctest: +SKIP
            >>> [s.file_id for s in done.values() if s.is_finished]  # doctest: +SKIP
        """
        ids = [upload_ids] if isinstance(upload_ids, str) else builtins.list(upload_ids)
        for upload_id in ids:
            require_id(upload_id, "upload_id")
        require_seconds(timeout, "timeout", allow_zero=True)  # NaN would poll forever
        require_seconds(poll_interval, "poll_interval")
        clock = self._settings.clock
        deadline = clock() + timeout
        latest: dict[str, RemoteUploadStatus] = {}
        while True:
            listed = yield from self._statuses({}, None)
            for upload_id in ids:
                if upload_id in latest and _ended(latest[upload_id]):
                    continue
                current = listed.get(upload_id) or (yield from self.status(upload_id))
                if current != latest.get(upload_id):
                    latest[upload_id] = current
                    if progress is not None:
                        progress(current)
            remaining = deadline - clock()
            if all(_ended(s) for s in latest.values()) or remaining <= 0:
                return latest
            if cancel is not None and cancel.cancelled:
                return latest
            # A steady cadence, as in `wait`: one listing per interval covers every job.
            yield from sleep(min(poll_interval, remaining), cancel)
            if cancel is not None and cancel.cancelled:
                return latest


def _ended(status: RemoteUploadStatus) -> bool:
    return status.is_finished or status.is_failed
