"""Secret audit: the fault matrix again, with every log record captured at DEBUG (urllib3
included), and the API key searched for everywhere a user could see it.

Checked per cell: the exception's message, `repr` and `args`, every link of its
`__cause__` / `__context__` chain, `traceback.format_exception`, its attributes; every log
record (formatted message, raw `msg` and `args`, formatted with traceback); the `repr`/`str`
of the result models, of both clients, their resources and transports. Every check bumps a
counter, so the audit cannot silently shrink.

The real reply shapes (§5.6: Cloudflare 403, string status, JSON 429, null results, captcha
tickets) and `remote.add`'s secret parameters (source URL userinfo and query values, header
values) are audited the same way. Scope: everything the SDK shows (exceptions, results, reprs,
the SDK's and urllib3's log records) must hold none of these secrets. The emulator's own log
(`streamtape_sdk.testing`) records what the server received; the service legitimately receives
the source URL and headers, so those lines are audited for the API key only.
"""

from __future__ import annotations

import gc
import io
import logging
import multiprocessing
import pickle
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from copy import deepcopy
from pathlib import Path

import pytest

from streamtape_sdk import (
    APIConnectionError,
    ServerError,
    Streamtape,
    StreamtapeError,
    TransferError,
)
from streamtape_sdk.testing import FakeStreamtape
from tests.reliability.conftest import (
    ENDPOINT_PATHS,
    SECRET_KEY,
    WRONG_KEY,
    MatrixEnv,
    applicable_cells,
    assert_only_streamtape_errors,
    closed_port,
    make_client,
    record_figure,
    run_cell,
)

#: The emulator's own logger (its request lines carry the query string).
EMULATOR_LOGGER = "streamtape_sdk.testing"
#: The audit must look at least at this many places, or it has silently shrunk.
MIN_CHECKS = 1000

_FORMATTER = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")

#: More failures without progress than any test client retries: a download gives up.
GIVE_UP = 12


class Audit:
    """Searches texts for the secrets; counts every place looked at."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = tuple(secrets)
        self.checks = 0
        self.records = 0
        self.leaks: list[str] = []

    def text(self, where: str, text: str) -> None:
        self.checks += 1
        for secret in self.secrets:
            at = text.find(secret)
            if at >= 0:
                context = text[max(0, at - 60) : at + len(secret) + 20]
                self.leaks.append(f"{where}: ...{context}...")

    def value(self, where: str, value: object) -> None:
        """`repr` and `str` of a value, and of its items for containers."""
        self.text(f"{where} repr", repr(value))
        self.text(f"{where} str", str(value))
        if isinstance(value, dict):
            for key, item in value.items():
                self.value(f"{where}[{key!r}]", item)
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                self.value(f"{where}[{index}]", item)

    def exception(self, where: str, error: BaseException) -> None:
        """The whole chain (every `__cause__` and `__context__`, walked both ways): each
        link's message, repr, args and attributes; then the formatted traceback of the top
        exception, which prints the chain as Python would."""
        seen: set[int] = set()
        pending: list[tuple[BaseException, str]] = [(error, "exc")]
        while pending:
            link, path = pending.pop()
            if id(link) in seen:
                continue
            seen.add(id(link))
            at = f"{where} {path} {type(link).__name__}"
            self.text(f"{at} str", str(link))
            self.text(f"{at} repr", repr(link))
            for index, arg in enumerate(link.args):
                self.text(f"{at} args[{index}]", repr(arg))
            for name, attr in vars(link).items():
                self.text(f"{at} .{name}", repr(attr))
            for note in getattr(link, "__notes__", ()):
                self.text(f"{at} note", str(note))
            if link.__cause__ is not None:
                pending.append((link.__cause__, f"{path}.__cause__"))
            if link.__context__ is not None:
                pending.append((link.__context__, f"{path}.__context__"))
        formatted = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        self.text(f"{where} traceback", formatted)

    def log_records(self, where: str, records: Iterable[logging.LogRecord]) -> None:
        for record in records:
            self.records += 1
            at = f"{where} log {record.name}:{record.lineno}"
            self.text(f"{at} message", record.getMessage())
            self.text(f"{at} msg", str(record.msg))
            self.text(f"{at} args", repr(record.args))
            self.text(f"{at} formatted", _FORMATTER.format(record))

    def objects(self, where: str, *clients: Streamtape) -> None:
        for client in clients:
            for name, obj in (
                ("client", client),
                ("account", client.account),
                ("files", client.files),
                ("remote", client.remote),
                ("folders", client.folders),
                ("transport", client._transport),
            ):
                self.text(f"{where} repr({name})", repr(obj))


#: The HTTP libraries' loggers: their request lines carry the URL (and so the key).
HTTP_LOGGERS = ("urllib3", "httpx2", "httpcore2")


def _audit_call(
    audit: Audit,
    caplog: pytest.LogCaptureFixture,
    where: str,
    outcome: object,
    error: BaseException | None,
) -> None:
    assert_only_streamtape_errors(error)
    if error is not None:
        audit.exception(where, error)
    else:
        audit.value(f"{where} result", outcome)
    audit.log_records(where, caplog.records)  # the emulator's own lines included
    caplog.clear()


def _extra_scenarios(env: MatrixEnv, tmp_path: Path) -> Iterator[tuple[str, object]]:
    """Failures outside the 18-endpoint matrix: refused connections, the upload POST, the
    download GET. Yields (name, result or exception)."""
    port = closed_port()
    refused = make_client(f"http://127.0.0.1:{port}", max_retries=1, kind=env.kind)
    try:
        for name, call in (
            ("refused account.info", lambda: refused.account.info()),
            ("refused folders.create", lambda: refused.folders.create("x")),
            ("refused remote.add", lambda: refused.remote.add("http://example.invalid/a")),
        ):
            try:
                yield name, call()
            except Exception as exc:
                yield name, exc
    finally:
        refused.close()
    fake = env.fake
    for fault in ("drop", "slow", "http_503", "html", "html_200", "empty"):
        fake.inject("upload", fault, times=1, delay=1.5)
        try:
            yield f"upload x {fault}", env.client.files.upload(io.BytesIO(b"abc"), name="a.bin")
        except Exception as exc:
            yield f"upload x {fault}", exc
        fake.reset_faults()
    file_id = fake.add_file("big.bin", b"0123456789" * 200_000)
    # Drops make progress (the download succeeds); refusals without progress exhaust it.
    for fault, times in (("drop", GIVE_UP), ("html", GIVE_UP), ("http_500", GIVE_UP)):
        fake.inject("download", fault, times=times)
        try:
            yield f"download x {fault}", env.client.files.download(file_id, tmp_path / fault)
        except Exception as exc:
            yield f"download x {fault}", exc
        fake.reset_faults()


@pytest.mark.slow
def test_the_key_never_surfaces(
    matrix_env: MatrixEnv, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: urllib3's request lines included
    audit = Audit((SECRET_KEY, WRONG_KEY))
    urllib3_lines = retry_lines = emulator_lines = 0
    cells = applicable_cells()
    for endpoint, fault in cells:
        where = f"{endpoint} x {fault}"
        outcome = run_cell(matrix_env, endpoint, fault)
        urllib3_lines += sum(r.name.startswith(HTTP_LOGGERS) for r in caplog.records)
        retry_lines += sum(r.getMessage().startswith("Retrying") for r in caplog.records)
        emulator_lines += sum(r.name.startswith(EMULATOR_LOGGER) for r in caplog.records)
        _audit_call(audit, caplog, where, outcome.result, outcome.error)
        audit.objects(where, *matrix_env.clients())
    extras = 0
    for name, result in _extra_scenarios(matrix_env, tmp_path):
        extras += 1
        error = result if isinstance(result, BaseException) else None
        _audit_call(audit, caplog, name, result, error)
    audit.objects("end", *matrix_env.clients())

    record_figure(
        "secret audit",
        f"{audit.checks} places checked ({len(cells)} matrix cells + {extras} extra "
        f"scenarios, {audit.records} log records), {len(audit.leaks)} leaks",
    )
    assert audit.leaks == []
    assert audit.checks > MIN_CHECKS
    # The capture really saw the key-carrying lines: the HTTP library's and SDK retries.
    assert urllib3_lines > len(cells)
    assert emulator_lines > len(cells)
    assert retry_lines > 100


def test_the_audit_finds_a_planted_key() -> None:
    """The auditor itself: a key hidden deep in a chain, an arg or a log record is found."""
    audit = Audit((SECRET_KEY,))
    try:
        try:
            try:
                raise ValueError(f"key={SECRET_KEY}")
            except ValueError:
                raise KeyError("inner") from None
        except KeyError as exc:
            raise ServerError("x", status=500, endpoint="/a") from exc
    except ServerError as top:
        top.__cause__.__context__ = ValueError(f"k {SECRET_KEY}")  # type: ignore[union-attr]
        audit.exception("planted", top)
    planted = ".__context__ ValueError args[0]"  # two links below the top
    assert any(planted in leak for leak in audit.leaks), audit.leaks
    error = APIConnectionError("fine")
    error.request_sent = SECRET_KEY  # type: ignore[assignment]
    audit.exception("attribute", error)
    assert any(".request_sent" in leak for leak in audit.leaks)
    record = logging.LogRecord("x", logging.DEBUG, __file__, 1, "GET %s", (SECRET_KEY,), None)
    audit.log_records("record", [record])
    assert any("log x:1 args" in leak for leak in audit.leaks)


@pytest.mark.usefixtures("client_kind")
def test_emulator_log_lines_do_not_carry_the_key(
    fake: FakeStreamtape, caplog: pytest.LogCaptureFixture
) -> None:
    """The emulator logs request lines at DEBUG (they carry `?key=`): masked too."""
    caplog.set_level(logging.DEBUG)
    with make_client(fake.base_url) as client:
        client.account.info()
    lines = [r.getMessage() for r in caplog.records if r.name.startswith(EMULATOR_LOGGER)]
    assert lines, "the emulator logged no request line"
    assert not [line for line in lines if SECRET_KEY in line]


@pytest.mark.usefixtures("client_kind")
def test_refused_connection_after_retries_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    """The one error whose requests text carries the full URL (key included)."""
    caplog.set_level(logging.DEBUG)
    client = make_client(f"http://127.0.0.1:{closed_port()}", max_retries=2)
    with client, pytest.raises(APIConnectionError) as caught:
        client.files.info("abcdefghijklmno")
    assert type(caught.value) is APIConnectionError
    assert caught.value.request_sent is False
    assert "key=***" in str(caught.value)
    assert SECRET_KEY not in str(caught.value)
    assert not [r for r in caplog.records if SECRET_KEY in r.getMessage()]


def test_transfer_error_of_a_failed_download_is_a_streamtape_error(
    matrix_env: MatrixEnv, tmp_path: Path
) -> None:
    """Guard for the extra scenario above: the exhausted download is a TransferError."""
    file_id = matrix_env.fake.add_file("guard.bin", b"x" * 100_000)
    matrix_env.fake.inject("download", "drop")
    matrix_env.fake.inject("download", "http_500", times=GIVE_UP)
    try:
        with pytest.raises(TransferError) as caught:
            matrix_env.client.files.download(file_id, tmp_path / "guard.bin")
    finally:
        matrix_env.fake.reset_faults()
    assert type(caught.value) is TransferError
    assert isinstance(caught.value, StreamtapeError)


# -- copies of a client: pickled, deep-copied, unpickled in a spawned worker ------------------

#: A key only the copy holds (the emulator refuses it: every call fails, and says so).
COPY_KEY = "CopiedKey7Qz3Lw9"
COPY_SOURCE = "https://user:Pa55word@cdn.example.org/v.mp4?sig=SiGnAtUrE9"
COPY_HEADERS = {"Cookie": "sid=C00kie"}
#: The source URL's and headers' secrets: masked in everything the SDK shows (the emulator,
#: standing for the server, logs what it received: only the key is masked there).
PARAM_SECRETS = ("Pa55word", "SiGnAtUrE9", "C00kie")


def _copy_scenarios(client: Streamtape) -> list[str]:
    """Every kind of call with the copied client; the texts a user could see of each."""
    calls: dict[str, Callable[[], object]] = {
        "account.info": lambda: client.account.info(),
        "files.info": lambda: client.files.info(["abcdefghijklmno"]),
        "folders.list": lambda: client.folders.list(),
        "folders.create": lambda: client.folders.create("x"),
        "remote.add": lambda: client.remote.add(COPY_SOURCE, headers=COPY_HEADERS),
        "upload": lambda: client.files.upload(io.BytesIO(b"abc"), name="a.bin"),
        "download": lambda: client.files.get_download_ticket("abcdefghijklmno"),
    }
    texts: list[str] = [repr(client), repr(client._transport)]
    for name, call in calls.items():
        try:
            texts.append(f"{name} result {call()!r}")
        except Exception as error:
            texts += [str(error), repr(error), "".join(traceback.format_exception(error))]
    return texts


def _spawned_copy_worker(payload: bytes) -> list[str]:
    """In a spawned process: unpickle the client, run the scenarios at DEBUG, return texts."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_FORMATTER)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    client: Streamtape = pickle.loads(payload)  # noqa: S301 - our own payload
    texts = _copy_scenarios(client)
    client.close()
    return [*texts, stream.getvalue()]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["pickle", "deepcopy", "spawn"])
def test_the_key_never_surfaces_from_a_copy(
    kind: str, fake: FakeStreamtape, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    original = make_client(fake.base_url, key=COPY_KEY, max_retries=1)
    audit = Audit((COPY_KEY, *PARAM_SECRETS))
    server_audit = Audit((COPY_KEY,))
    if kind == "spawn":
        payload = pickle.dumps(original)
        del original
        gc.collect()
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            texts = pool.submit(_spawned_copy_worker, payload).result(timeout=120)
        assert "GET /account/info?login=" in texts[-1]  # urllib3's request line was seen
    else:
        if kind == "pickle":  # noqa: SIM108 - room for the noqa below
            copy = pickle.loads(pickle.dumps(original))  # noqa: S301 - our own payload
        else:
            copy = deepcopy(original)
        del original
        gc.collect()  # only the copy holds the key now
        texts = _copy_scenarios(copy)
        copy.close()
        server = [r for r in caplog.records if r.name.startswith(EMULATOR_LOGGER)]
        audit.log_records(kind, [r for r in caplog.records if r not in server])
        server_audit.log_records(kind, server)
        assert any(r.name.startswith("urllib3") for r in caplog.records)
    for index, text in enumerate(texts):
        audit.text(f"{kind} text {index}", text)
    assert audit.leaks == []
    assert server_audit.leaks == []
    assert audit.checks >= 20


# -- real reply shapes (§5.6): new faults, null results, captcha, secret remote parameters -----

#: The faults of real replies, on every API endpoint (N9, N13, N14, N16).
REPLY_FAULTS = ("cloudflare_403", "string_status", "json_429", "null_result")
#: Faults for `remote.add` with secret parameters: refused, ambiguous (reconciled), and lost.
REMOTE_ADD_FAULTS = ("http_500", "cloudflare_403", "json_429", "html_200", "drop", "null_result")
#: A source URL and headers carrying secrets (userinfo, a signed query, a cookie, Basic-Auth).
SECRET_SOURCE_PATH = "/v.mp4?sig=SiGnAtUrE9&token=T0kenValue"
SECRET_HEADERS = {"Cookie": "sid=C00kie", "Authorization": "Basic QmFzaWNTZWNyZXQ="}
REMOTE_SECRETS = ("Pa55word", "SiGnAtUrE9", "T0kenValue", "C00kie", "QmFzaWNTZWNyZXQ=")


def _secret_source(port: int) -> str:
    return f"http://user:Pa55word@127.0.0.1:{port}{SECRET_SOURCE_PATH}"


def _remote_scenarios(env: MatrixEnv) -> Iterator[tuple[str, object]]:
    """`remote.add` with secret parameters: with each fault, then a job that fails, seen
    through `status`, `list` and `wait`. Yields (name, result or exception)."""
    url = _secret_source(closed_port())  # loopback, refused: the job ends in "error"
    for fault in REMOTE_ADD_FAULTS:
        env.fake.reset_faults()
        env.fake.inject("/remotedl/add", fault, times=1)
        try:
            yield f"remote.add x {fault}", env.client.remote.add(url, headers=SECRET_HEADERS)
        except Exception as exc:
            yield f"remote.add x {fault}", exc
        env.fake.reset_faults()
    job = env.client.remote.add(url, headers=SECRET_HEADERS, name="n.mp4")
    yield "remote.add", job
    env.fake.wait_remote_upload(job.id)
    yield "remote.status", env.client.remote.status(job.id)
    yield "remote.list", env.client.remote.list()
    try:
        yield "remote.wait", env.client.remote.wait(job, poll_interval=0.01, timeout=10)
    except Exception as exc:
        yield "remote.wait", exc


def _captcha_scenarios(env: MatrixEnv, tmp_path: Path) -> Iterator[tuple[str, object]]:
    file_id = env.fake.add_file(env.unique("captcha") + ".bin", b"guarded")
    env.fake.require_captcha(file_id, answer="x7k2")
    try:
        calls: dict[str, Callable[[], object]] = {
            "captcha ticket": lambda: env.client.files.get_download_ticket(file_id),
            "captcha no solver": lambda: env.client.files.download(file_id, tmp_path / "a"),
            "captcha wrong": lambda: env.client.files.download(
                file_id, tmp_path / "b", captcha_solver=lambda _t: "nope"
            ),
            "captcha solved": lambda: env.client.files.download(
                file_id, tmp_path / "c", captcha_solver=lambda _t: "x7k2"
            ),
        }
        for name, call in calls.items():
            try:
                yield name, call()
            except Exception as exc:
                yield name, exc
    finally:
        env.fake.clear_captcha()


def test_secrets_never_surface_from_real_reply_shapes(
    matrix_env: MatrixEnv, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """The key, and the secrets of `remote.add`'s source URL and headers, in everything the
    SDK shows: exceptions, results and their reprs, and the SDK's and urllib3's log records.

    What the emulator logs is what a server received: it stands for the service, which
    does get the source URL and headers (that is what they are for). Its lines are audited
    for the key only; the remote parameters in them are not a leak of the SDK's."""
    caplog.set_level(logging.DEBUG)
    audit = Audit((SECRET_KEY, WRONG_KEY, *REMOTE_SECRETS))
    server_audit = Audit((SECRET_KEY, WRONG_KEY))
    scenarios: list[tuple[str, object]] = []
    for endpoint in ENDPOINT_PATHS:
        for fault in REPLY_FAULTS:
            outcome = run_cell(matrix_env, endpoint, fault)
            scenarios.append((f"{endpoint} x {fault}", outcome.error or outcome.result))
            _audit_records(audit, server_audit, caplog, f"{endpoint} x {fault}")
    for name, result in (*_remote_scenarios(matrix_env), *_captcha_scenarios(matrix_env, tmp_path)):
        scenarios.append((name, result))
        _audit_records(audit, server_audit, caplog, name)
    for name, result in scenarios:
        if isinstance(result, BaseException):
            assert_only_streamtape_errors(result)
            audit.exception(name, result)
        else:
            audit.value(f"{name} result", result)
    audit.objects("end", *matrix_env.clients())

    kinds = {name: type(result).__name__ for name, result in scenarios}
    # The scenarios really reached the paths they are meant to audit.
    assert kinds["captcha no solver"] == "CaptchaRequiredError"
    assert kinds["captcha solved"] == "PosixPath"
    assert kinds["remote.add x html_200"] == "OutcomeUnknownError"
    assert kinds["remote.add x http_500"] == "ServerError"
    assert kinds["remote.wait"] == "RemoteUploadFailedError"
    assert kinds["/file/dl x null_result"] == "NotFoundError"
    assert server_audit.records > len(ENDPOINT_PATHS) * len(REPLY_FAULTS)
    record_figure(
        "secret audit (real replies)",
        f"{audit.checks} places checked ({len(scenarios)} scenarios, {audit.records} SDK "
        f"log records, {server_audit.records} emulator records), {len(audit.leaks)} leaks",
    )
    assert audit.leaks == []
    assert server_audit.leaks == []


def _audit_records(
    audit: Audit, server_audit: Audit, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    server = [r for r in caplog.records if r.name.startswith(EMULATOR_LOGGER)]
    audit.log_records(where, [r for r in caplog.records if r not in server])
    server_audit.log_records(where, server)
    caplog.clear()


def test_the_remote_status_model_masks_its_source(fake: FakeStreamtape) -> None:
    """Guard for the audit above: the secrets are really in what the server received, and
    masked in the model the SDK returns."""
    with make_client(fake.base_url) as client:
        url = _secret_source(closed_port())
        job = client.remote.add(url, headers=SECRET_HEADERS)
        fake.wait_remote_upload(job.id)
        status = client.remote.status(job.id)
    [record] = [r for r in fake.remote_uploads() if r.id == job.id]
    assert record.url == url  # the server got the real URL: the job could run
    assert status.remote_url == url  # the field holds the value, for the caller's own use
    shown = f"{status!r} {status} {status.model_dump()} {status.model_dump_json()}"
    assert not [s for s in REMOTE_SECRETS if s in shown], shown
    assert "127.0.0.1" in shown  # masked, not dropped
