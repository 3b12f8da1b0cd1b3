"""Shared helpers of the reliability and security suite.

- clients wired to the emulator with a recording (or no-op) sleep, and a closed port;
- the fault matrix machinery: one *driver* per API endpoint (seeds the emulator, calls the
  public SDK method, checks a successful result), the fault columns, and `run_cell`;
- a tiny registry of figures (`record_figure`) printed at the end of the run, with the fault
  matrix summary ("fault matrix: N/M cells passed").

The expectation table itself lives in `test_fault_matrix.py`; `test_secret_audit.py` runs the
same cells through `run_cell`.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import socket
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from streamtape_sdk import Streamtape, StreamtapeError
from streamtape_sdk._endpoints import ALL_API_ENDPOINTS
from streamtape_sdk.models import (
    AccountInfo,
    Conversion,
    CreatedFolder,
    DownloadLink,
    DownloadTicket,
    FileInfo,
    FolderListing,
    RemoteUpload,
    RemoteUploadStatus,
    UploadURL,
)
from streamtape_sdk.testing import FakeStreamtape, Fault
from tests.asyncfacade import CLIENT_KINDS, make_any_client
from tests.fakes import FakeSleep

#: A distinctive key of the real shape (15 alphanumerics): the secret audit greps for it.
SECRET_KEY = "Zq9XkW2rT7pLm4B"
#: A wrong key (also 15 alphanumerics) for the 403 column; it must not leak either.
WRONG_KEY = "Wr0ngK3yWr0ngK3"
LOGIN = "0123456789abcdef0123"

#: Unknown ids of the right shapes (15 alphanumerics for files, 11 base64url for the rest).
UNKNOWN_FILE = "ZZZZZZZZZZZZZZZ"
UNKNOWN_FOLDER = "zzzzzzzzzzz"
UNKNOWN_REMOTE = "yyyyyyyyyyy"
#: Not on loopback: the emulator ends such a remote upload in "error" without any traffic.
REMOTE_URL = "http://example.invalid/remote-clip.mp4"

#: The matrix client's per-request timeout, and the `slow` fault's delay (well beyond it).
#: The timeout leaves room for a loaded machine: a normal reply slower than it would turn a
#: cell into a spurious timeout.
MATRIX_TIMEOUT = 1.0
SLOW_DELAY = 2.5
MATRIX_RETRIES = 2

#: The fault columns of the matrix. All but the last two are injected with `times=1`;
#: `wrong_key` uses a client with a wrong key, `unknown_id` passes ids that do not exist.
INJECTED_FAULTS: tuple[str, ...] = (
    Fault.HTTP_500.value,
    Fault.HTTP_502.value,
    Fault.HTTP_503.value,
    Fault.JSON_509.value,
    Fault.HTML.value,
    Fault.HTML_200.value,
    Fault.INVALID_JSON.value,
    Fault.EMPTY.value,
    Fault.SLOW.value,
    Fault.DROP.value,
)
WRONG_KEY_FAULT = "wrong_key"
UNKNOWN_ID_FAULT = "unknown_id"
FAULTS: tuple[str, ...] = (*INJECTED_FAULTS, WRONG_KEY_FAULT, UNKNOWN_ID_FAULT)

ENDPOINT_PATHS: tuple[str, ...] = tuple(e.path for e in ALL_API_ENDPOINTS)


# -- small helpers -------------------------------------------------------------------------


class FakeClock:
    """A monotonic clock that only moves when slept on: `sleep` records and advances it.

    Install with `install(client)`: it becomes the transport's `sleep` and `clock`."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.start = start
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"negative sleep {seconds}"
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now

    @property
    def elapsed(self) -> float:
        return self.now - self.start

    def install(self, client: Streamtape) -> None:
        client._transport.sleep = self.sleep
        client._transport.clock = self.clock


#: The kind of client `make_client` builds: "sync" unless a test uses `client_kind`.
_KIND = {"current": "sync"}


@pytest.fixture(params=CLIENT_KINDS)
def client_kind(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test once with `Streamtape` and once with `AsyncStreamtape` (behind a
    `SyncFacade`): every `make_client` in it builds that kind."""
    _KIND["current"] = request.param
    try:
        yield request.param
    finally:
        _KIND["current"] = "sync"


def make_client(
    base_url: str,
    *,
    key: str = SECRET_KEY,
    login: str = LOGIN,
    timeout: float = 10.0,
    max_retries: int = MATRIX_RETRIES,
    sleep: Callable[[float], None] | None = None,
    kind: str | None = None,
) -> Streamtape:
    """A client (of `kind`, else the `client_kind` in use) sleeping through `sleep` (a
    no-op `FakeSleep` by default), passed as the public `sleep=` hook."""
    return make_any_client(
        kind or _KIND["current"],
        login=login,
        key=key,
        base_url=base_url,
        timeout=timeout,
        max_retries=max_retries,
        sleep=sleep if sleep is not None else FakeSleep(),
    )


def closed_port() -> int:
    """A loopback TCP port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def write_random_file(path: Path, size: int, chunk: int = 4 * 1024 * 1024) -> str:
    """Write `size` random bytes to `path` in chunks; return their SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        left = size
        while left > 0:
            data = os.urandom(min(chunk, left))
            digest.update(data)
            out.write(data)
            left -= len(data)
    return digest.hexdigest()


# -- figures printed at the end of the run ------------------------------------------------

_FIGURES: dict[str, str] = {}
_CELL_RESULTS: dict[str, str] = {}


def record_figure(name: str, text: str) -> None:
    """Keep a figure (e.g. "places audited: 5000") for the terminal summary."""
    _FIGURES[name] = text


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fault_cell: one cell of the fault matrix (counted in the summary)"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if item.get_closest_marker("fault_cell") is not None and (
        report.when == "call" or (report.when == "setup" and not report.passed)
    ):
        if hasattr(report, "wasxfail"):
            _CELL_RESULTS[item.nodeid] = "xfailed" if report.skipped else "xpassed"
        else:
            _CELL_RESULTS[item.nodeid] = report.outcome
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _CELL_RESULTS:
        results = list(_CELL_RESULTS.values())
        passed = results.count("passed")
        xfailed = results.count("xfailed")
        terminalreporter.write_line(
            f"fault matrix: {passed}/{len(results)} cells passed"
            f" ({xfailed} xfailed on known SDK bugs,"
            f" {len(results) - passed - xfailed} failed)"
        )
    for name, text in sorted(_FIGURES.items()):
        terminalreporter.write_line(f"{name}: {text}")


@pytest.fixture(autouse=True)
def _no_env_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's real credentials and base URL out of every test."""
    for name in ("STREAMTAPE_LOGIN", "STREAMTAPE_KEY", "STREAMTAPE_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeStreamtape]:
    """An emulator with the distinctive key, stopped after the test."""
    with FakeStreamtape(login=LOGIN, key=SECRET_KEY) as emulator:
        yield emulator


# -- the fault matrix ----------------------------------------------------------------------


@dataclass
class MatrixEnv:
    """One emulator per test module, a good client and a wrong-key client (both with
    `timeout=MATRIX_TIMEOUT`, `max_retries=MATRIX_RETRIES` and a no-op sleep)."""

    fake: FakeStreamtape
    client: Streamtape
    bad_client: Streamtape
    #: Seeds a cell's state over HTTP with an ordinary timeout (the matrix clients' short
    #: one is for the cells themselves).
    seeder: Streamtape
    running_file: str
    failed_file: str
    kind: str = "sync"
    _counter: Iterator[int] = field(default_factory=itertools.count)

    def unique(self, stem: str) -> str:
        """A name no other cell uses."""
        return f"{stem}-{next(self._counter)}"

    def clients(self) -> list[Streamtape]:
        return [self.client, self.bad_client]


@pytest.fixture(scope="module", params=CLIENT_KINDS)
def matrix_env(request: pytest.FixtureRequest) -> Iterator[MatrixEnv]:
    """The emulator shared by one module's cells (faults are reset around every cell)."""
    # Long conversions: a seeded "running" file stays running for the whole module.
    with FakeStreamtape(login=LOGIN, key=SECRET_KEY, conversion_seconds=3600) as emulator:
        failed = emulator.add_file("broken.mp4", b"broken", fail_conversion=True)
        emulator.finish_conversions()
        running = emulator.add_file("converting.mp4", b"converting", converted=False)
        kind = request.param
        good = make_client(emulator.base_url, timeout=MATRIX_TIMEOUT, kind=kind)
        bad = make_client(emulator.base_url, key=WRONG_KEY, timeout=MATRIX_TIMEOUT, kind=kind)
        seeder = make_client(emulator.base_url, kind="sync")
        try:
            yield MatrixEnv(emulator, good, bad, seeder, running, failed, kind)
        finally:
            good.close()
            bad.close()
            seeder.close()


@dataclass(frozen=True)
class Prepared:
    """A cell ready to run: `call` makes the SDK call, `check` verifies a successful result
    (against the emulator's state where the call changes it)."""

    call: Callable[[Streamtape], object]
    check: Callable[[object], None]


#: A driver seeds what its endpoint needs and returns the call; `unknown` asks for ids that
#: do not exist (the `unknown_id` column).
Driver = Callable[[MatrixEnv, bool], Prepared]


def _account_info(env: MatrixEnv, unknown: bool) -> Prepared:
    def check(result: object) -> None:
        assert isinstance(result, AccountInfo)
        assert result.api_id == env.fake.login
        assert result.email == "dev@example.com"

    return Prepared(lambda c: c.account.info(), check)


def _download_ticket(env: MatrixEnv, unknown: bool) -> Prepared:
    file_id = UNKNOWN_FILE if unknown else env.fake.add_file(env.unique("t") + ".mp4", b"x")

    def check(result: object) -> None:
        assert isinstance(result, DownloadTicket)
        assert result.ticket.startswith(file_id + "~~")
        assert result.wait_time == 0

    return Prepared(lambda c: c.files.get_download_ticket(file_id), check)


def _download_link(env: MatrixEnv, unknown: bool) -> Prepared:
    name = env.unique("dl") + ".mp4"
    real = env.fake.add_file(name, b"data")
    ticket = env.seeder.files.get_download_ticket(real).ticket
    file_id = UNKNOWN_FILE if unknown else real

    def check(result: object) -> None:
        assert isinstance(result, DownloadLink)
        assert (result.name, result.size) == (name, 4)
        assert result.url.startswith(env.fake.base_url + "/dl/")

    return Prepared(lambda c: c.files.get_download_link(file_id, ticket), check)


def _file_info(env: MatrixEnv, unknown: bool) -> Prepared:
    name = env.unique("info") + ".mp4"
    file_id = UNKNOWN_FILE if unknown else env.fake.add_file(name, b"12345")

    def check(result: object) -> None:
        assert isinstance(result, dict)
        assert list(result) == [file_id]
        entry = result[file_id]
        assert isinstance(entry, FileInfo)
        if unknown:
            assert (entry.exists, entry.status, entry.name) == (False, 404, None)
        else:
            assert (entry.exists, entry.name, entry.size) == (True, name, 5)

    return Prepared(lambda c: c.files.info([file_id]), check)


def _upload_url(env: MatrixEnv, unknown: bool) -> Prepared:
    folder = UNKNOWN_FOLDER if unknown else env.fake.add_folder(env.unique("ul"))

    def check(result: object) -> None:
        assert isinstance(result, UploadURL)
        assert result.url.startswith(env.fake.base_url + "/ul/")

    return Prepared(lambda c: c.files.get_upload_url(folder), check)


def _remote_add(env: MatrixEnv, unknown: bool) -> Prepared:
    folder = UNKNOWN_FOLDER if unknown else env.fake.add_folder(env.unique("remote"))

    def check(result: object) -> None:
        assert isinstance(result, RemoteUpload)
        assert result.folder_id == folder
        records = [r for r in env.fake.remote_uploads() if r.id == result.id]
        assert len(records) == 1
        assert (records[0].url, records[0].folder_id) == (REMOTE_URL, folder)

    return Prepared(lambda c: c.remote.add(REMOTE_URL, folder=folder), check)


def _remote_remove(env: MatrixEnv, unknown: bool) -> Prepared:
    upload_id = UNKNOWN_REMOTE if unknown else env.seeder.remote.add(REMOTE_URL).id

    def check(result: object) -> None:
        assert result is None
        assert upload_id not in {r.id for r in env.fake.remote_uploads()}

    return Prepared(lambda c: c.remote.remove(upload_id), check)


def _remote_status(env: MatrixEnv, unknown: bool) -> Prepared:
    upload_id = UNKNOWN_REMOTE if unknown else env.seeder.remote.add(REMOTE_URL).id

    def check(result: object) -> None:
        assert isinstance(result, RemoteUploadStatus)
        assert (result.id, result.remote_url) == (upload_id, REMOTE_URL)

    return Prepared(lambda c: c.remote.status(upload_id), check)


def _list_folder(env: MatrixEnv, unknown: bool) -> Prepared:
    folder = env.fake.add_folder(env.unique("list"))
    sub = env.fake.add_folder("sub", folder)
    name = env.unique("listed") + ".mp4"
    env.fake.add_file(name, b"abc", folder)
    target = UNKNOWN_FOLDER if unknown else folder

    def check(result: object) -> None:
        assert isinstance(result, FolderListing)
        assert [(f.id, f.name) for f in result.folders] == [(sub, "sub")]
        assert [(f.name, f.size) for f in result.files] == [(name, 3)]

    return Prepared(lambda c: c.folders.list(target), check)


def _create_folder(env: MatrixEnv, unknown: bool) -> Prepared:
    parent = UNKNOWN_FOLDER if unknown else env.fake.add_folder(env.unique("parent"))
    name = env.unique("created")

    def check(result: object) -> None:
        assert isinstance(result, CreatedFolder)
        matches = [f for f in env.fake.folders() if f.id == result.folder_id]
        assert [(f.name, f.parent_id) for f in matches] == [(name, parent)]

    return Prepared(lambda c: c.folders.create(name, parent), check)


def _rename_folder(env: MatrixEnv, unknown: bool) -> Prepared:
    folder = UNKNOWN_FOLDER if unknown else env.fake.add_folder(env.unique("old"))
    new_name = env.unique("renamed")

    def check(result: object) -> None:
        assert result is None
        assert [f.name for f in env.fake.folders() if f.id == folder] == [new_name]

    return Prepared(lambda c: c.folders.rename(folder, new_name), check)


def _delete_folder(env: MatrixEnv, unknown: bool) -> Prepared:
    folder = UNKNOWN_FOLDER if unknown else env.fake.add_folder(env.unique("doomed"))

    def check(result: object) -> None:
        assert result is None
        assert folder not in {f.id for f in env.fake.folders()}

    return Prepared(lambda c: c.folders.delete(folder), check)


def _rename_file(env: MatrixEnv, unknown: bool) -> Prepared:
    file_id = UNKNOWN_FILE if unknown else env.fake.add_file(env.unique("old") + ".mp4", b"x")
    new_name = env.unique("renamed") + ".mp4"

    def check(result: object) -> None:
        assert result is None
        assert env.fake.file(file_id).name == new_name

    return Prepared(lambda c: c.files.rename(file_id, new_name), check)


def _move_file(env: MatrixEnv, unknown: bool) -> Prepared:
    file_id = UNKNOWN_FILE if unknown else env.fake.add_file(env.unique("mv") + ".mp4", b"x")
    folder = env.fake.add_folder(env.unique("dest"))

    def check(result: object) -> None:
        assert result is None
        assert env.fake.file(file_id).folder_id == folder

    return Prepared(lambda c: c.files.move(file_id, folder), check)


def _delete_file(env: MatrixEnv, unknown: bool) -> Prepared:
    file_id = UNKNOWN_FILE if unknown else env.fake.add_file(env.unique("rm") + ".mp4", b"x")

    def check(result: object) -> None:
        assert result is None
        assert file_id not in {f.id for f in env.fake.files()}

    return Prepared(lambda c: c.files.delete(file_id), check)


def _conversions(env: MatrixEnv, which: str) -> Prepared:
    expected_id = env.running_file if which == "running" else env.failed_file

    def check(result: object) -> None:
        assert isinstance(result, list)
        assert all(isinstance(item, Conversion) for item in result)
        assert [item.link_id for item in result if isinstance(item, Conversion)] == [expected_id]

    def call(c: Streamtape) -> object:
        if which == "running":
            return c.files.running_conversions()
        return c.files.failed_conversions()

    return Prepared(call, check)


def _thumbnail(env: MatrixEnv, unknown: bool) -> Prepared:
    file_id = UNKNOWN_FILE if unknown else env.fake.add_file(env.unique("th") + ".mp4", b"x")

    def check(result: object) -> None:
        assert result == f"{env.fake.base_url}/thumb/{file_id}.jpg"

    return Prepared(lambda c: c.files.thumbnail_url(file_id), check)


#: Endpoint path -> its driver (the public SDK method that reaches it).
DRIVERS: dict[str, Driver] = {
    "/account/info": _account_info,
    "/file/dlticket": _download_ticket,
    "/file/dl": _download_link,
    "/file/info": _file_info,
    "/file/ul": _upload_url,
    "/remotedl/add": _remote_add,
    "/remotedl/remove": _remote_remove,
    "/remotedl/status": _remote_status,
    "/file/listfolder": _list_folder,
    "/file/createfolder": _create_folder,
    "/file/renamefolder": _rename_folder,
    "/file/deletefolder": _delete_folder,
    "/file/rename": _rename_file,
    "/file/move": _move_file,
    "/file/delete": _delete_file,
    "/file/runningconverts": lambda env, unknown: _conversions(env, "running"),
    "/file/failedconverts": lambda env, unknown: _conversions(env, "failed"),
    "/file/getsplash": _thumbnail,
}

#: Endpoints that take no id: the `unknown_id` column does not apply to them.
NO_ID_ENDPOINTS = frozenset({"/account/info", "/file/runningconverts", "/file/failedconverts"})


def applicable_cells() -> list[tuple[str, str]]:
    """Every (endpoint, fault) pair that makes sense, in table order."""
    return [
        (endpoint, fault)
        for endpoint in ENDPOINT_PATHS
        for fault in FAULTS
        if not (fault == UNKNOWN_ID_FAULT and endpoint in NO_ID_ENDPOINTS)
    ]


@dataclass(frozen=True)
class CellOutcome:
    """What one cell did: the result or the exception, and the requests the endpoint got."""

    result: object
    error: BaseException | None
    calls: int
    check: Callable[[object], None]


def run_cell(env: MatrixEnv, endpoint: str, fault: str) -> CellOutcome:
    """Seed, inject `fault` once on `endpoint` (any emulator fault; or pick the wrong-key
    client / unknown ids), make the SDK call, and report what happened. Any exception is
    captured, whatever its type, so the caller can assert it exactly."""
    env.fake.reset_faults()
    prepared = DRIVERS[endpoint](env, fault == UNKNOWN_ID_FAULT)
    client = env.bad_client if fault == WRONG_KEY_FAULT else env.client
    if fault not in (WRONG_KEY_FAULT, UNKNOWN_ID_FAULT):
        env.fake.inject(endpoint, fault, times=1, delay=SLOW_DELAY)
    before = env.fake.calls(endpoint)
    result: object = None
    error: BaseException | None = None
    try:
        result = prepared.call(client)
    except Exception as exc:  # any type: the tests assert it exactly
        error = exc
    calls = env.fake.calls(endpoint) - before
    env.fake.reset_faults()
    return CellOutcome(result, error, calls, prepared.check)


def assert_only_streamtape_errors(error: BaseException | None) -> None:
    """Nothing but a `StreamtapeError` subclass may surface from an SDK call."""
    if error is not None:
        assert isinstance(error, StreamtapeError), (
            f"{type(error).__module__}.{type(error).__qualname__} escaped: {error!r}"
        )
