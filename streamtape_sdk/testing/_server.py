"""FakeStreamtape: owns the state, the fault plan and the server thread."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Literal

from . import _ids, _remote
from ._faults import THUMB, Fault, FaultPlan, normalize_endpoint
from ._records import RemoteUploadRecord, RequestRecord, StoredFile, StoredFolder
from ._state import CHUNK_SIZE, State
from ._wire import ApiError

if TYPE_CHECKING:
    import requests
    from werkzeug.serving import BaseWSGIServer

    from streamtape_sdk import AsyncStreamtape, Streamtape, Timeout

    from ._app import ConnectionRegistry

_TERMINAL_REMOTE = ("finished", "error")

#: Where a given ``storage_dir`` keeps the emulator's state between runs.
STATE_FILE = "state.json"


def _chunks_of(content: bytes | str | os.PathLike[str]) -> Iterator[bytes]:
    if isinstance(content, os.PathLike):
        with Path(content).open("rb") as fh:
            while chunk := fh.read(CHUNK_SIZE):
                yield chunk
        return
    data = content.encode("utf-8") if isinstance(content, str) else content
    for i in range(0, len(data), CHUNK_SIZE):
        yield data[i : i + CHUNK_SIZE]


class FakeStreamtape:
    """A stateful Streamtape API emulator serving real HTTP on a local port.

    Files live on disk under a temporary directory; every endpoint of the API reference
    answers in its wire shape; faults can be injected per endpoint.

    Examples:
        >>> with FakeStreamtape(wait_time=0) as fake:
        ...     file_id = fake.add_file("clip.mp4", b"data")
        ...     client = fake.client()

    Args:
        login: API login; 20 random lowercase hex characters when omitted.
        key: API key; 15 random alphanumerics when omitted.
        wait_time: seconds a download ticket makes the client wait (``set_wait_time``).
        conversion_seconds: how long a new file's conversion runs.
        upload_url_ttl: lifetime in seconds of a ``file/ul`` upload URL.
        error_http_status: ``"200"`` answers error envelopes with HTTP 200; ``"mirror"``
            uses the JSON status as the HTTP status.
        host: interface to bind (``127.0.0.1``).
        port: TCP port; 0 picks a free one.
        storage_dir: where files are stored; a temp dir (removed by ``stop``) when omitted.
            A given directory is left in place, and the emulator's state (account,
            folders, files) is saved there by ``stop`` (``state.json``) and restored
            by the next emulator given the same directory.
        ticket_ttl: lifetime in seconds of a download ticket.
        download_link_ttl: lifetime in seconds of a ``file/dl`` download link.
        max_link_connections: most GETs one download link serves at once; more are
            refused with HTTP 429 and ``Retry-After: 1``. ``None``: no limit.
        strict_upload: refuse upload POSTs the real host is believed to refuse (§5.6 N7):
            no ``Content-Length`` (chunked) gets HTTP 411, a part header not spelt
            ``Content-Disposition`` gets envelope 400. ``False`` accepts both.
        idle_timeout: seconds an HTTP/1.1 keep-alive connection may stay idle (also
            the longest a single socket read or write may block) before it is closed.

    Raises:
        ValueError: invalid option values, or an unreadable ``state.json`` in
            ``storage_dir``.
    """

    def __init__(
        self,
        *,
        login: str | None = None,
        key: str | None = None,
        wait_time: int = 0,
        conversion_seconds: float = 0.5,
        upload_url_ttl: float = 3600,
        error_http_status: Literal["mirror", "200"] = "200",
        host: str = "127.0.0.1",
        port: int = 0,
        storage_dir: str | os.PathLike[str] | None = None,
        ticket_ttl: float = 1800,
        download_link_ttl: float = 3600,
        max_link_connections: int | None = None,
        strict_upload: bool = True,
        idle_timeout: float = 15.0,
    ) -> None:
        if error_http_status not in ("mirror", "200"):
            raise ValueError("error_http_status must be 'mirror' or '200'")
        if wait_time < 0 or conversion_seconds < 0:
            raise ValueError("wait_time and conversion_seconds must be >= 0")
        if min(upload_url_ttl, ticket_ttl, download_link_ttl) <= 0:
            raise ValueError("lifetimes must be > 0")
        if idle_timeout <= 0:
            raise ValueError("idle_timeout must be > 0")
        self._idle_timeout = idle_timeout
        self._connections: ConnectionRegistry | None = None
        self._host = host
        self._port = port
        self._error_http_status: Literal["mirror", "200"] = error_http_status
        self._strict_upload = strict_upload
        if storage_dir is None:
            storage = Path(tempfile.mkdtemp(prefix="fake-streamtape-"))
            # Removes the temp dir even if stop() is never called.
            self._cleanup: Callable[[], object] | None = weakref.finalize(
                self, shutil.rmtree, storage, True
            )
        else:
            storage = Path(storage_dir)
            self._cleanup = None
        self._state_file = None if storage_dir is None else storage / STATE_FILE
        self._state = State(
            storage=storage,
            login=login or _ids.login(),
            key=key or _ids.key(),
            wait_time=wait_time,
            conversion_seconds=conversion_seconds,
            upload_url_ttl=upload_url_ttl,
            ticket_ttl=ticket_ttl,
            download_link_ttl=download_link_ttl,
        )
        if self._state_file is not None and self._state_file.is_file():
            self._state.load(self._state_file, login=login, key=key)
        self.set_link_connection_limit(max_link_connections)
        self._faults = FaultPlan()
        self._lifecycle = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        # Separate from _lifecycle: request threads register workers while stop() runs.
        self._workers_lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        self._stopped = False

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeStreamtape:
        """Start serving in a daemon thread (no-op if running); returns ``self``.

        Raises:
            ImportError: werkzeug is missing (install ``streamtape-sdk[testing]``).
            RuntimeError: the emulator was already stopped (it cannot restart).
            OSError: the port cannot be bound.
        """
        with self._lifecycle:
            if self._stopped:
                raise RuntimeError("a stopped FakeStreamtape cannot be restarted")
            if self._server is not None:
                return self
            try:
                from werkzeug.serving import make_server
            except ImportError as exc:  # pragma: no cover - depends on the environment
                raise ImportError(
                    "FakeStreamtape needs werkzeug: pip install 'streamtape-sdk[testing]'"
                ) from exc
            from ._app import EmulatorApp, make_handler

            app = EmulatorApp(
                self._state,
                self._faults,
                error_http_status=self._error_http_status,
                strict_upload=self._strict_upload,
                start_remote=self._start_remote,
            )
            handler, self._connections = make_handler(self._idle_timeout)
            server = make_server(
                self._host, self._port, app, threaded=True, request_handler=handler
            )
            thread = threading.Thread(
                target=server.serve_forever,
                # A short poll keeps stop() fast: shutdown() waits for the loop to notice.
                kwargs={"poll_interval": 0.01},
                name=f"fake-streamtape-{server.server_port}",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
            return self

    def stop(self) -> None:
        """Stop the server, cancel remote uploads, remove the temp storage. Idempotent."""
        with self._lifecycle:
            server, thread = self._server, self._thread
            self._server = self._thread = None
            self._stopped = True
            if server is not None:
                server.shutdown()
                server.server_close()
            if self._connections is not None:
                # Kept-alive connections would otherwise go on serving after stop().
                self._connections.close_all()
            if thread is not None:
                thread.join(timeout=5)
            self._state.cancel_all_remotes()
            with self._workers_lock:
                workers, self._workers = self._workers, []
            for worker in workers:
                worker.join(timeout=5)
            if self._state_file is not None:
                self._state.save(self._state_file)
            if self._cleanup is not None:
                self._cleanup()

    def __enter__(self) -> FakeStreamtape:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _start_remote(
        self, remote_id: str, url: str, headers: dict[str, str], name: str | None
    ) -> None:
        thread = _remote.start_fetch(self._state, remote_id, url, headers, name)
        with self._workers_lock:
            self._workers = [w for w in self._workers if w.is_alive()]
            self._workers.append(thread)

    # -- connection details ---------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running emulator (no trailing slash).

        Raises:
            RuntimeError: not started.
        """
        server = self._server
        if server is None:
            raise RuntimeError("FakeStreamtape is not running; call start() first")
        host = self._host if self._host not in ("", "0.0.0.0", "::") else "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{server.server_port}"

    @property
    def login(self) -> str:
        """The API login the emulator accepts."""
        return self._state.login

    @property
    def key(self) -> str:
        """The API key the emulator accepts."""
        return self._state.key

    @property
    def storage_dir(self) -> Path:
        """Directory holding the stored files."""
        return self._state.storage

    def client(
        self,
        *,
        timeout: float | Timeout = 30.0,
        max_retries: int = 3,
        session: requests.Session | None = None,
        user_agent: str | None = None,
    ) -> Streamtape:
        """A ``Streamtape`` client pointed at this emulator with its credentials.

        ``timeout`` is seconds or a ``Timeout`` (e.g. a short ``upload_reply``), as for
        ``Streamtape``.

        Raises:
            RuntimeError: not started.
        """
        from streamtape_sdk import Streamtape

        return Streamtape(
            login=self.login,
            key=self.key,
            base_url=self.base_url,
            timeout=timeout,
            max_retries=max_retries,
            session=session,
            user_agent=user_agent,
        )

    def async_client(
        self,
        *,
        timeout: float | Timeout = 30.0,
        max_retries: int = 3,
        user_agent: str | None = None,
    ) -> AsyncStreamtape:
        """An ``AsyncStreamtape`` client pointed at this emulator with its credentials.

        Needs the ``async`` extra (httpx2). Use it on one event loop and close it there
        (``async with`` or ``await client.aclose()``).

        Raises:
            RuntimeError: not started.
            ImportError: httpx2 is not installed.
        """
        from streamtape_sdk import AsyncStreamtape

        return AsyncStreamtape(
            login=self.login,
            key=self.key,
            base_url=self.base_url,
            timeout=timeout,
            max_retries=max_retries,
            user_agent=user_agent,
        )

    # -- seeding --------------------------------------------------------------------------

    def add_folder(self, name: str, parent: str | None = None) -> str:
        """Create a folder (under ``parent``, default root); return its id.

        Raises:
            ValueError: blank name.
            KeyError: unknown parent.
        """
        if not name.strip():
            raise ValueError("folder name must not be blank")
        try:
            return self._state.add_folder(name, parent)
        except ApiError:
            raise KeyError(f"unknown folder {parent!r}") from None

    def add_file(
        self,
        name: str,
        content: bytes | str | os.PathLike[str] = b"",
        folder: str | None = None,
        *,
        converted: bool = True,
        fail_conversion: bool = False,
    ) -> str:
        """Store a file and return its id.

        ``content`` is the bytes, a ``str`` (stored UTF-8 encoded), or a path-like whose
        file is copied in chunks. ``converted=False`` starts a conversion that lasts
        ``conversion_seconds``; ``fail_conversion=True`` makes that conversion fail (and
        implies ``converted=False``).

        Examples:
            >>> file_id = fake.add_file("a.mp4", b"x" * 10, folder=fake.add_folder("f"))

        Raises:
            ValueError: blank name.
            KeyError: unknown folder.
            OSError: the path cannot be read.
        """
        if not name.strip():
            raise ValueError("file name must not be blank")
        if not self._state.folder_exists(folder):
            raise KeyError(f"unknown folder {folder!r}")
        path, digest, size = self._state.write_incoming(_chunks_of(content))
        try:
            stored = self._state.import_file(
                path,
                name=name,
                folder=folder,
                sha256=digest,
                size=size,
                converting=not converted,
                fail_conversion=fail_conversion,
            )
        except ApiError:
            raise KeyError(f"unknown folder {folder!r}") from None
        return stored.id

    # -- inspection -----------------------------------------------------------------------

    def files(self) -> list[StoredFile]:
        """Snapshots of every stored file."""
        return self._state.files()

    def file(self, file_id: str) -> StoredFile:
        """Snapshot of one file.

        Raises:
            KeyError: unknown file.
        """
        snap = self._state.get_file(file_id)
        if snap is None:
            raise KeyError(f"unknown file {file_id!r}")
        return snap

    def folders(self) -> list[StoredFolder]:
        """Snapshots of every folder (the root is implicit and not listed)."""
        return self._state.folders()

    def remote_uploads(self) -> list[RemoteUploadRecord]:
        """Snapshots of the remote uploads, newest first."""
        return self._state.remote_uploads()

    def wait_remote_upload(self, remote_id: str, timeout: float = 10.0) -> RemoteUploadRecord:
        """Block until a remote upload is ``finished`` or ``error``; return its snapshot.

        Raises:
            KeyError: unknown (or removed) remote upload.
            TimeoutError: still running after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            record = self._state.get_remote(remote_id)
            if record is None:
                raise KeyError(f"unknown remote upload {remote_id!r}")
            if record.status in _TERMINAL_REMOTE:
                return record
            if time.monotonic() >= deadline:
                raise TimeoutError(f"remote upload {remote_id} still {record.status!r}")
            time.sleep(0.01)

    def file_path(self, file_id: str) -> Path:
        """Where a file's bytes are stored on disk.

        Raises:
            KeyError: unknown file.
        """
        return self.file(file_id).path

    def file_bytes(self, file_id: str) -> bytes:
        """A stored file's content (read whole: meant for small test files).

        Raises:
            KeyError: unknown file.
        """
        return self.file_path(file_id).read_bytes()

    @property
    def requests_log(self) -> list[RequestRecord]:
        """Every request received so far, oldest first (credentials are never kept)."""
        return self._state.requests_log()

    def clear_requests_log(self) -> None:
        """Forget the requests received so far."""
        self._state.clear_requests_log()

    def calls(self, endpoint: str) -> int:
        """How many requests ``endpoint`` received, faulted ones included.

        ``endpoint`` is an API path (``"/file/info"`` or ``"file/info"``), ``"upload"``,
        ``"download"`` or ``"thumb"``.

        Raises:
            ValueError: unknown endpoint name.
        """
        name = endpoint.strip().strip("/")
        if name != THUMB:
            name = normalize_endpoint(name)
        return sum(1 for r in self._state.requests_log() if r.endpoint == name)

    # -- knobs ----------------------------------------------------------------------------

    def set_wait_time(self, seconds: int) -> None:
        """Set the ``wait_time`` of tickets issued from now on.

        Raises:
            ValueError: negative value.
        """
        if seconds < 0:
            raise ValueError("wait_time must be >= 0")
        with self._state.lock:
            self._state.wait_time = seconds

    def set_link_connection_limit(self, limit: int | None) -> None:
        """Cap the concurrent GETs of one download link (``None``: no cap).

        A GET above the cap gets HTTP 429 with ``Retry-After: 1`` and a plain-text body;
        a GET holds its slot until its body is sent or the client goes away. HEAD never
        takes a slot. The real CDN's limit is not documented; this lets tests check that
        a multi-connection download survives one (§3.3, §5.6 N18).

        Raises:
            ValueError: ``limit`` below 1.
        """
        if limit is not None and limit < 1:
            raise ValueError(f"link connection limit must be >= 1 or None, got {limit}")
        with self._state.lock:
            self._state.max_link_connections = limit

    def require_captcha(self, file_id: str | None = None, answer: str = "ab12") -> None:
        """Make tickets issued from now on demand a captcha (§5.6 N10).

        ``file/dlticket`` then carries ``captcha_url`` (a PNG served by the emulator),
        ``captcha_w`` and ``captcha_h``; ``file/dl`` answers envelope 403
        ``"Permission denied (captcha required)"`` without ``captcha_response`` and
        ``"Permission denied (wrong captcha)"`` when it is not ``answer``.

        Examples:
            >>> fake.require_captcha(file_id, answer="x7k2")

        Args:
            file_id: the file whose tickets need it; ``None``: every file.
            answer: the expected ``captcha_response``.

        Raises:
            ValueError: empty ``answer``.
        """
        if not answer:
            raise ValueError("captcha answer must not be empty")
        self._state.require_captcha(file_id, answer)

    def clear_captcha(self) -> None:
        """Tickets issued from now on demand no captcha (issued ones keep theirs)."""
        self._state.clear_captchas()

    def replace_file_content(self, file_id: str, data: bytes) -> None:
        """Replace a stored file's bytes, as if it changed on the service.

        The file keeps its id, name and links; its size, sha256, ``ETag`` and
        ``Last-Modified`` change, so a client resuming with ``If-Range`` gets the whole
        new file (200) instead of a mismatched tail. A download already streaming goes
        on with the old bytes.

        Raises:
            KeyError: unknown file.
        """
        self.file(file_id)  # KeyError before writing anything
        path, digest, size = self._state.write_incoming(_chunks_of(data))
        self._state.replace_content(file_id, path, digest, size)

    def finish_conversions(self) -> None:
        """End every running conversion now (seeded failures end as failed)."""
        self._state.finish_conversions()

    def expire_links(self) -> None:
        """Expire every download ticket, download link and upload URL issued so far."""
        self._state.expire_links()

    def inject(
        self, endpoint: str, fault: Fault | str, *, times: int = 1, delay: float = 2.0
    ) -> None:
        """Make the next ``times`` requests of ``endpoint`` fail with ``fault``.

        ``endpoint`` is an API path (with or without the leading slash), ``"upload"``
        (the upload POST) or ``"download"`` (the download-link GET). ``delay`` is the
        sleep of ``Fault.SLOW``. Faults queued for one endpoint apply in order.

        Examples:
            >>> fake.inject("/file/info", Fault.HTTP_503, times=2)

        Raises:
            ValueError: unknown endpoint or fault, ``times < 1``, negative ``delay``.
        """
        self._faults.inject(endpoint, fault, times, delay)

    def pending_faults(self) -> dict[str, int]:
        """Faulted requests still queued, per endpoint."""
        return self._faults.pending()

    def reset_faults(self) -> None:
        """Drop every queued fault."""
        self._faults.reset()

    def __repr__(self) -> str:
        where = self.base_url if self._server is not None else "not running"
        return f"FakeStreamtape({where}, login={self.login!r})"
