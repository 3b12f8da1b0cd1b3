"""`remote` as flows."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import cast

from .. import _endpoints as ep
from ..errors import NotFoundError, RemoteUploadFailedError, WaitTimeoutError
from ..models import RemoteUpload, RemoteUploadStatus
from ..resources._base import expect_true, parse, require_id, require_name
from ..transfers import ProgressCallback
from .effects import Flow, sleep
from .resource import CoreResource

__all__ = ["RemoteCore"]

#: `wait` polls at most this far apart, however long the transfer takes.
MAX_POLL_INTERVAL = 30.0
#: Growth of the poll interval after each poll that saw no change.
POLL_BACKOFF = 1.5


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

        Args:
            url: the source URL (sent percent-encoded, so `&` in it is safe).
            folder: destination folder id; the root folder when None.
            headers: extra HTTP headers for the fetch (cookies, auth), as a mapping or as
                ready `Name: value` lines.
            name: the new file's name (the service may prefer the source's own name).

        Raises:
            ValueError: `url` is empty, or a header is not one line.

        Example:
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
        result = yield from self._call(ep.REMOTE_ADD, params, timeout=timeout)
        return parse(RemoteUpload, result, ep.REMOTE_ADD)

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
        """
        require_id(upload_id, "upload_id")
        statuses = yield from self._statuses({"id": upload_id}, timeout)
        found = statuses.get(upload_id)
        if found is None:
            found = next((s for s in statuses.values() if s.id == upload_id), None)
        if found is None:
            raise NotFoundError(
                f"remote upload {upload_id!r} is not in the status reply",
                status=404,
                endpoint=ep.REMOTE_STATUS.path,
            )
        return found

    def wait(
        self,
        upload_id: str,
        *,
        timeout: float = 3600.0,
        poll_interval: float = 2.0,
        progress: ProgressCallback | None = None,
    ) -> Flow[RemoteUploadStatus]:
        """Poll a remote upload until it finishes, and return its final status.

        Polls every `poll_interval` seconds, backing off (x1.5, up to 30 s) while nothing
        changes and going back to `poll_interval` when bytes move.

        Args:
            upload_id: the id from `add`.
            timeout: the most seconds to wait in total (not the per-request timeout).
            poll_interval: seconds between the first polls.
            progress: called as `progress(bytes_loaded, bytes_total)` after each poll.

        Raises:
            RemoteUploadFailedError: the transfer ended in status `error`.
            WaitTimeoutError: it had not finished after `timeout` seconds.
            NotFoundError: no such remote upload (e.g. it was removed).

        Example:
            >>> done = client.remote.wait(job.id, timeout=600)  # doctest: +SKIP
            >>> done.file_id  # doctest: +SKIP
        """
        require_id(upload_id, "upload_id")
        if timeout < 0 or poll_interval <= 0:
            raise ValueError("timeout must be >= 0 and poll_interval > 0")
        clock = self._settings.clock
        deadline = clock() + timeout
        interval = poll_interval
        last_loaded: int | None = None
        while True:
            current = yield from self.status(upload_id)
            if progress is not None and current.bytes_loaded is not None:
                progress(current.bytes_loaded, current.bytes_total)
            if current.is_finished:
                return current
            if current.is_failed:
                raise RemoteUploadFailedError(
                    f"remote upload {upload_id} of {current.remote_url!r} failed on the "
                    "server (status 'error'); check that the URL is reachable from the "
                    "internet and the headers are right, then add it again."
                )
            remaining = deadline - clock()
            if remaining <= 0:
                raise WaitTimeoutError(
                    f"remote upload {upload_id} is still {current.status!r} after {timeout} s "
                    f"({current.bytes_loaded or 0} of {current.bytes_total or '?'} bytes); "
                    "call wait() again with a longer timeout, or remove() it."
                )
            moved = current.bytes_loaded != last_loaded
            last_loaded = current.bytes_loaded
            interval = poll_interval if moved else min(interval * POLL_BACKOFF, MAX_POLL_INTERVAL)
            yield from sleep(min(interval, remaining))

    def list(
        self, limit: int | None = None, *, timeout: float | None = None
    ) -> Flow[dict[str, RemoteUploadStatus]]:
        """Return the state of the account's (recent) remote uploads, keyed by upload id.

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
    ) -> Flow[dict[str, RemoteUploadStatus]]:
        result = yield from self._call(ep.REMOTE_STATUS, params, timeout=timeout)
        if result is None or result == []:
            return {}
        if isinstance(result, builtins.list):
            items = cast("builtins.list[object]", result)
            entries = parse(builtins.list[RemoteUploadStatus], items, ep.REMOTE_STATUS)
            return {entry.id: entry for entry in entries}
        return parse(dict[str, RemoteUploadStatus], result, ep.REMOTE_STATUS)
