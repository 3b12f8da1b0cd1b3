"""Streaming, resumable download of a link into a `.part` file, then an atomic rename."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
from urllib3.exceptions import HTTPError

from .._endpoints import DOWNLOAD_GET
from .._transport import Transport
from ..errors import APIConnectionError, APIError, IntegrityError, TransferError, error_for_status
from ._progress import ProgressCallback
from ._source import CHUNK_SIZE

__all__ = ["PART_SUFFIX", "DownloadTarget", "check_writable_dir", "fetch_to_file", "part_path"]

logger = logging.getLogger("streamtape_sdk")

PART_SUFFIX = ".part"
#: Resumes after a broken connection before giving up (each waits a backoff first).
MAX_RESUMES = 10


@dataclass(frozen=True)
class DownloadTarget:
    """Where a link points: the URL and the size the API announced."""

    url: str
    size: int


def part_path(dest: Path) -> Path:
    """The partial file a download of `dest` writes to until it completes."""
    return dest.with_name(dest.name + PART_SUFFIX)


def check_writable_dir(directory: Path) -> None:
    """Fail early, with a clear message, when files cannot be created in `directory`."""
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot download into {str(directory)!r}: no such directory")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot download into {str(directory)!r}: it is not writable")


def fetch_to_file(
    transport: Transport,
    target: DownloadTarget,
    dest: Path,
    *,
    refresh: Callable[[], DownloadTarget],
    progress: ProgressCallback | None = None,
    resume: bool = True,
    timeout: float | None = None,
) -> Path:
    """Download `target` to `dest` through `dest.part`, resuming with `Range` when the
    connection breaks; rename to `dest` only once the size matches.

    `refresh` fetches a fresh link when the current one is refused (expired).

    Raises:
        IntegrityError: the finished file's size differs from the announced size (the
            `.part` file is removed: it cannot be resumed).
        TransferError: the download kept failing after `MAX_RESUMES` resumes (the `.part`
            file is kept for a later resume).
        FileNotFoundError: the destination directory does not exist.
        PermissionError: the destination directory is not writable.
    """
    check_writable_dir(dest.parent)
    part = part_path(dest)
    if not resume and part.exists():
        part.unlink()
    done = part.stat().st_size if part.exists() else 0
    if done > target.size:
        part.unlink()  # longer than the file: not a prefix of it
        done = 0
    failures = 0
    while done < target.size:
        try:
            done = _fetch_range(transport, target, part, done, progress, timeout)
        except IntegrityError:
            part.unlink(missing_ok=True)  # not a prefix of the file: useless for a resume
            raise
        except (APIConnectionError, APIError) as error:
            failures += 1
            if failures > MAX_RESUMES:
                raise TransferError(
                    f"download of {dest.name!r} failed {failures} times "
                    f"({done} of {target.size} bytes kept in {str(part)!r}): {error}. "
                    "Call download() again to resume."
                ) from None
            if isinstance(error, APIError) and 400 <= error.status < 500:
                target = refresh()  # the link expired or was refused: ask for a new one
            # Backoff grows with each failure, capped by the client's retry policy.
            wait = transport.retry.backoff(min(failures - 1, 5))
            logger.debug(
                "Resuming download of %s at byte %d in %.2f s after %s",
                dest.name,
                done,
                wait,
                type(error).__name__,
            )
            transport.sleep(wait)
            done = part.stat().st_size if part.exists() else 0
    part.touch()  # an empty file has no bytes to fetch, so nothing created it yet
    size = part.stat().st_size
    if size != target.size:
        part.unlink(missing_ok=True)
        raise IntegrityError(
            f"download of {dest.name!r} produced {size} bytes but the API announced "
            f"{target.size}; the partial file was removed. Try again."
        )
    os.replace(part, dest)
    if progress is not None:
        progress(target.size, target.size)
    return dest


def _body_chunks(response: requests.Response) -> Iterator[bytes]:
    """The raw body as it arrives, in pieces of up to `CHUNK_SIZE`.

    `read1` hands over whatever has arrived instead of waiting for a full chunk, so when the
    connection breaks, every byte received before the break is kept for the resume.
    """
    raw = response.raw
    while chunk := raw.read1(CHUNK_SIZE, decode_content=False):
        yield chunk
    # A body cut short ends without an exception from read1 on some urllib3 versions.
    expected = response.headers.get("Content-Length")
    if expected is not None and expected.isdigit() and raw.tell() < int(expected):
        raise requests.exceptions.ChunkedEncodingError(
            f"connection closed after {raw.tell()} of {expected} bytes"
        )


def _fetch_range(
    transport: Transport,
    target: DownloadTarget,
    part: Path,
    offset: int,
    progress: ProgressCallback | None,
    timeout: float | None,
) -> int:
    """GET the link from `offset` and append to `part`; return the bytes now in `part`."""
    # identity: byte ranges must count the bytes stored, not a compressed stream's.
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    response = transport.send(
        "GET", target.url, DOWNLOAD_GET, headers=headers, stream=True, timeout=timeout
    )
    with response:
        if response.status_code == 416:
            if offset >= target.size:
                return offset  # already complete
            raise IntegrityError(
                f"the download link serves fewer bytes than the {target.size} the API "
                f"announced (a range from byte {offset} is out of bounds); the partial file "
                "was removed. Try again later."
            )
        if response.status_code not in (200, 206):
            raise error_for_status(
                response.status_code,
                f"HTTP {response.status_code} from the download link",
                endpoint=DOWNLOAD_GET.path,
                http_status=response.status_code,
            )
        if response.status_code == 200 and offset:
            offset = 0  # the server ignored Range: start over
        mode = "ab" if offset else "wb"
        with part.open(mode) as out:
            if offset:
                out.truncate(offset)  # drop a torn tail beyond what we counted
            try:
                for chunk in _body_chunks(response):
                    out.write(chunk)
                    offset += len(chunk)
                    if progress is not None:
                        progress(offset, target.size)
            except requests.RequestException as exc:
                error = APIConnectionError(
                    f"download interrupted at byte {offset}: {type(exc).__name__}"
                )
            except (OSError, HTTPError) as exc:
                if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
                    raise  # a local disk error (full, read-only): not the network's fault
                error = APIConnectionError(
                    f"download interrupted at byte {offset}: {type(exc).__name__}"
                )
            else:
                return offset
    raise error
