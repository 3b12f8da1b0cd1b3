"""`client.remote`: remote uploads (the service fetches a URL for you)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping

from .. import _endpoints as ep
from ..errors import NotFoundError
from ..models import RemoteUpload, RemoteUploadStatus
from ._base import Resource, expect_true, parse, require_id

__all__ = ["Remote"]


def _header_lines(headers: Mapping[str, str] | str) -> str:
    """Headers as the API wants them: `Name: value` lines joined by newlines."""
    if isinstance(headers, str):
        return headers
    lines = []
    for name, value in headers.items():
        if not name or any(c in name for c in ":\r\n") or any(c in value for c in "\r\n"):
            raise ValueError(f"invalid header {name!r}: names and values must be one line")
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


class Remote(Resource):
    """Remote uploads: the service downloads a URL into your account."""

    def add(
        self,
        url: str,
        folder: str | None = None,
        headers: Mapping[str, str] | str | None = None,
        name: str | None = None,
        *,
        timeout: float | None = None,
    ) -> RemoteUpload:
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
        params = {
            "url": url,
            "folder": folder,
            "headers": _header_lines(headers) if headers else None,
            "name": name or None,
        }
        result = self._call(ep.REMOTE_ADD, params, timeout=timeout)
        return parse(RemoteUpload, result, ep.REMOTE_ADD)

    def remove(self, upload_id: str, *, timeout: float | None = None) -> None:
        """Cancel and remove one remote upload.

        Raises:
            ValueError: `upload_id` is empty, or is `"all"` (use `remove_all`).
            NotFoundError: no such remote upload.
        """
        require_id(upload_id, "upload_id")
        if upload_id == "all":
            raise ValueError("upload_id 'all' removes every upload; call remove_all() for that")
        self._remove(upload_id, timeout)

    def remove_all(self, *, timeout: float | None = None) -> None:
        """Cancel and remove every remote upload of the account (sends `id=all`)."""
        self._remove("all", timeout)

    def _remove(self, upload_id: str, timeout: float | None) -> None:
        result = self._call(ep.REMOTE_REMOVE, {"id": upload_id}, timeout=timeout)
        expect_true(result, ep.REMOTE_REMOVE)

    def status(self, upload_id: str, *, timeout: float | None = None) -> RemoteUploadStatus:
        """Return the state of one remote upload.

        Raises:
            ValueError: `upload_id` is empty.
            NotFoundError: no such remote upload.
        """
        require_id(upload_id, "upload_id")
        statuses = self._statuses({"id": upload_id}, timeout)
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

    def list(
        self, limit: int | None = None, *, timeout: float | None = None
    ) -> dict[str, RemoteUploadStatus]:
        """Return the state of the account's (recent) remote uploads, keyed by upload id.

        Args:
            limit: the most entries to return (the server's default when None).
        """
        if limit is not None and (isinstance(limit, bool) or limit < 1):
            raise ValueError("limit must be a positive integer")
        return self._statuses({"limit": limit}, timeout)

    def _statuses(
        self, params: Mapping[str, str | int | None], timeout: float | None
    ) -> dict[str, RemoteUploadStatus]:
        result = self._call(ep.REMOTE_STATUS, params, timeout=timeout)
        if result is None or result == []:
            return {}
        if isinstance(result, builtins.list):
            entries = parse(builtins.list[RemoteUploadStatus], result, ep.REMOTE_STATUS)
            return {entry.id: entry for entry in entries}
        return parse(dict[str, RemoteUploadStatus], result, ep.REMOTE_STATUS)
