"""The fault matrix: every API endpoint (through its public SDK method) x every fault.

Each cell seeds the shared emulator, injects one fault (`times=1`), calls the SDK with
`timeout=0.5`, `max_retries=2` and a no-op sleep, and checks the outcome against `EXPECTED`:
the exact exception type (or a correct result), and how many requests the endpoint received.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from streamtape_sdk import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    BandwidthExceededError,
    CaptchaRequiredError,
    FolderListing,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    ResponseFormatError,
    ServerError,
    StreamtapeError,
)
from streamtape_sdk._endpoints import ALL_API_ENDPOINTS, Endpoint
from streamtape_sdk.testing import Fault
from tests.reliability.conftest import (
    DRIVERS,
    ENDPOINT_PATHS,
    FAULTS,
    NO_ID_ENDPOINTS,
    UNKNOWN_ID_FAULT,
    MatrixEnv,
    applicable_cells,
    assert_only_streamtape_errors,
    run_cell,
)

#: Slow as a whole; the CI runs it on python3 only (see pyproject's `slow` marker).
pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Expect:
    """One cell's expected outcome: `error` None means the call returns a correct result.
    `calls` is how many requests the endpoint must receive. `bug` marks a cell where the SDK
    does not behave as it should yet (the test is a strict xfail)."""

    error: type[StreamtapeError] | None
    calls: int
    bug: str | None = None


RTY = Expect(None, 2)  # transient fault: retried once, then the call succeeds
# (for a deletion whose reply was dropped, the retry's 404 means the first attempt did it)
OK1 = Expect(None, 1)  # succeeds at once (no credentials needed; per-entry 404)
SRV = Expect(ServerError, 1)  # 5xx / HTML 503 on a non-idempotent endpoint: never repeated
BWX = Expect(BandwidthExceededError, 1)
FMT = Expect(ResponseFormatError, 1)  # not the JSON envelope with a 2xx: never retried
TMO = Expect(APITimeoutError, 1)
CON = Expect(APIConnectionError, 1)
DEN = Expect(PermissionDeniedError, 1)
NFD = Expect(NotFoundError, 1)
NA = None  # the endpoint takes no id
# Non-idempotent calls after an ambiguous failure: the SDK looks for the result (§5.6 N8).
REC = Expect(None, 1)  # the reply was lost after the server acted: found, and returned
UNK = Expect(OutcomeUnknownError, 1)  # nothing found (yet): what to check, never a repeat


def row(*cells: Expect | None) -> dict[str, Expect | None]:
    return dict(zip(FAULTS, cells, strict=True))


# The policy at a glance. Columns are the faults, in `conftest.FAULTS` order:
# http_500 http_502 http_503 json_509 html html_200 invalid_json empty slow drop wrong_key
# unknown_id.
# fmt: off
EXPECTED: dict[str, dict[str, Expect | None]] = {
    #                            500  502  503  509  html h200 json empt slow drop key  id
    "/account/info":         row(RTY, RTY, RTY, RTY, RTY, FMT, FMT, FMT, RTY, RTY, DEN, NA),
    "/file/dlticket":        row(RTY, RTY, RTY, RTY, RTY, FMT, FMT, FMT, RTY, RTY, DEN, NFD),
    "/file/dl":              row(RTY, RTY, RTY, RTY, RTY, FMT, FMT, FMT, RTY, RTY, OK1, NFD),
    "/file/info":            row(RTY, RTY, RTY, RTY, RTY, FMT, FMT, FMT, RTY, RTY, DEN, OK1),
    "/file/ul":              row(RTY, RTY, RTY, RTY, RTY, FMT, FMT, FMT, RTY, RTY, DEN, NFD),
    "/remotedl/add":         row(SRV, SRV, SRV, BWX, SRV, UNK, UNK, UNK, UNK, REC, DEN, NFD),
    "/remotedl/remove":      row(RTY, RTY, RTY, RTY, RTY, FMT, FMT, FMT, RTY, RTY, DEN, NFD),
    "/remotedl/status":      row(RTY, RTY, RTY, RTY, RTY, FMT, FMT, FMT, RTY, RTY, DEN, NFD),
    "/file/listfolder":      row(RTY, RTY, RTY, RTY, RTY, FMT, FMT, FMT, RTY, RTY, DEN, NFD),
    "/file/createfolder":    row(SRV, SRV, SRV, BWX, SRV, UNK, UNK, UNK, UNK, REC, DEN, NFD),
    "/file/renamefolder":    row(RTY, RTY, RTY, RTY, RTY, FMT, FMT, FMT, RTY, RTY, DEN, NFD),
    "/file/deletefolder":    row(RTY, RTY, RTY, RTY, RTY, FMT, FMT, FMT, RTY, RTY, DEN, NFD),
    "/file/rename":          row(RTY, RTY, RTY, RTY, RTY, FMT, FMT, FMT, RTY, RTY, DEN, NFD),
    "/file/move":            row(RTY, RTY, RTY, RTY, RTY, FMT, FMT, FMT, RTY, RTY, DEN, NFD),
    "/file/delete":          row(RTY, RTY, RTY, RTY, RTY, FMT, FMT, FMT, RTY, RTY, DEN, NFD),
    "/file/runningconverts": row(RTY, RTY, RTY, RTY, RTY, FMT, FMT, FMT, RTY, RTY, DEN, NA),
    "/file/failedconverts":  row(RTY, RTY, RTY, RTY, RTY, FMT, FMT, FMT, RTY, RTY, DEN, NA),
    "/file/getsplash":       row(RTY, RTY, RTY, RTY, RTY, FMT, FMT, FMT, RTY, RTY, DEN, NFD),
}
# fmt: on

#: Faults that leave it unknown whether the server acted, or that it asks to try later:
#: retried exactly when the endpoint is idempotent.
TRANSIENT = ("http_500", "http_502", "http_503", "json_509", "html", "slow", "drop")

#: The API status each error column must report.
STATUS_OF_FAULT = {
    "http_500": 500,
    "http_502": 502,
    "http_503": 503,
    "json_509": 509,
    "html": 503,
    "wrong_key": 403,
    "unknown_id": 404,
}


def _cell_params() -> list[object]:
    params: list[object] = []
    for endpoint, fault in applicable_cells():
        expected = EXPECTED[endpoint][fault]
        marks: list[pytest.MarkDecorator] = [pytest.mark.fault_cell]
        if expected is not None and expected.bug is not None:
            marks.append(pytest.mark.xfail(strict=True, reason=expected.bug))
        params.append(
            pytest.param(endpoint, fault, id=f"{endpoint.strip('/')}-{fault}", marks=marks)
        )
    return params


@pytest.mark.parametrize(("endpoint", "fault"), _cell_params())
def test_cell(matrix_env: MatrixEnv, endpoint: str, fault: str) -> None:
    expected = EXPECTED[endpoint][fault]
    assert expected is not None
    outcome = run_cell(matrix_env, endpoint, fault)

    assert_only_streamtape_errors(outcome.error)
    raised = None if outcome.error is None else type(outcome.error)
    assert raised is expected.error, f"{endpoint} x {fault}: got {outcome.error!r}"
    assert outcome.calls == expected.calls, f"{endpoint} x {fault}: {outcome.calls} requests"
    if outcome.error is None:
        outcome.check(outcome.result)
    elif isinstance(outcome.error, APIError):
        assert outcome.error.endpoint == endpoint
        assert outcome.error.status == STATUS_OF_FAULT.get(fault, outcome.error.status)
    elif isinstance(outcome.error, APIConnectionError):
        # Both the slow and the dropped request reached the server: ambiguous failures.
        assert outcome.error.request_sent is True
    elif isinstance(outcome.error, OutcomeUnknownError):
        assert outcome.error.endpoint == endpoint
        assert "Before trying again" in str(outcome.error)


def test_table_covers_every_endpoint_and_fault() -> None:
    assert set(EXPECTED) == set(ENDPOINT_PATHS) == set(DRIVERS)
    assert len(EXPECTED) == 18
    for endpoint, cells in EXPECTED.items():
        assert tuple(cells) == FAULTS, endpoint
        no_id = [f for f, e in cells.items() if e is None]
        assert no_id == ([UNKNOWN_ID_FAULT] if endpoint in NO_ID_ENDPOINTS else []), endpoint


@pytest.mark.parametrize("endpoint", ALL_API_ENDPOINTS, ids=lambda e: e.path.strip("/"))
def test_table_follows_the_endpoint_retry_policy(endpoint: Endpoint) -> None:
    """Transient faults are retried exactly on the endpoints `_endpoints` marks idempotent."""
    for fault in TRANSIENT:
        expected = EXPECTED[endpoint.path][fault]
        assert expected is not None
        retried = expected.calls == 2
        assert retried is endpoint.idempotent, (endpoint.path, fault)
    # An unreadable 2xx reply: a format error, except where the call may have taken effect.
    for fault in ("html_200", "invalid_json", "empty"):
        unreadable = FMT if endpoint.idempotent else UNK
        assert EXPECTED[endpoint.path][fault] == unreadable, (endpoint.path, fault)


# -- the `null_result` column (streamtape-api.md §5.6 N9, N16) ---------------------------------

EMPTY = Expect(None, 1)  # an empty result: the call returns an empty mapping, list or listing

#: Every endpoint answering `{"status": 200, "result": null}` once: what the SDK makes of it.
NULL_RESULT: dict[str, Expect] = {
    "/account/info": FMT,
    "/file/dlticket": NFD,  # no ticket: the file is gone
    "/file/dl": NFD,  # the file vanished after its ticket (N9)
    "/file/info": EMPTY,
    "/file/ul": FMT,
    "/remotedl/add": UNK,  # may have been queued: reconciled, and not found
    "/remotedl/remove": FMT,  # "check the state before retrying"
    "/remotedl/status": NFD,  # status(id): no entry for it
    "/file/listfolder": EMPTY,  # N16
    "/file/createfolder": UNK,  # may have been created: reconciled, and not found
    "/file/renamefolder": FMT,
    "/file/deletefolder": FMT,
    "/file/rename": FMT,
    "/file/move": FMT,
    "/file/delete": FMT,
    "/file/runningconverts": EMPTY,
    "/file/failedconverts": EMPTY,
    "/file/getsplash": NFD,  # no thumbnail (yet)
}


def test_null_result_table_covers_every_endpoint() -> None:
    assert set(NULL_RESULT) == set(ENDPOINT_PATHS)


@pytest.mark.parametrize("endpoint", ENDPOINT_PATHS, ids=lambda e: e.strip("/"))
def test_null_result_cell(matrix_env: MatrixEnv, endpoint: str) -> None:
    expected = NULL_RESULT[endpoint]
    env = matrix_env
    env.fake.reset_faults()
    prepared = DRIVERS[endpoint](env, False)
    env.fake.inject(endpoint, Fault.NULL_RESULT, times=1)
    before = env.fake.calls(endpoint)
    result: object = None
    error: BaseException | None = None
    try:
        result = prepared.call(env.client)
    except Exception as exc:  # any type: asserted exactly below
        error = exc
    calls = env.fake.calls(endpoint) - before
    env.fake.reset_faults()

    assert_only_streamtape_errors(error)
    assert (None if error is None else type(error)) is expected.error, repr(error)
    assert calls == expected.calls
    if expected is EMPTY:
        items = result.files if isinstance(result, FolderListing) else result
        assert isinstance(items, (dict, list)), repr(result)
        assert len(items) == 0
    if isinstance(error, NotFoundError):
        assert "upgrade" not in str(error)  # a domain meaning, not "the API may have changed"


# -- captcha tickets (N10) ---------------------------------------------------------------------


def test_captcha_ticket_without_answer_never_reaches_file_dl(
    matrix_env: MatrixEnv, tmp_path: Path
) -> None:
    env = matrix_env
    file_id = env.fake.add_file(env.unique("captcha") + ".bin", b"guarded")
    env.fake.require_captcha(file_id, answer="x7k2")
    try:
        before = env.fake.calls("/file/dl")
        with pytest.raises(CaptchaRequiredError) as caught:
            env.client.files.download(file_id, tmp_path / "out.bin")
        assert env.fake.calls("/file/dl") == before
        assert caught.value.captcha_url is not None
        assert caught.value.captcha_url.startswith(env.fake.base_url + "/captcha/")
        assert "STREAMTAPE_LOGIN" not in str(caught.value)

        wrong = env.client.files.get_download_ticket(file_id)
        with pytest.raises(CaptchaRequiredError) as refused:
            env.client.files.get_download_link(file_id, wrong, captcha_response="nope")
        assert env.fake.calls("/file/dl") == before + 1  # a refusal is not retried
        assert refused.value.captcha_url == wrong.captcha_url
        assert "STREAMTAPE_LOGIN" not in str(refused.value)

        written = env.client.files.download(
            file_id, tmp_path / "out.bin", captcha_solver=lambda ticket: "x7k2"
        )
        assert written.read_bytes() == b"guarded"
    finally:
        env.fake.clear_captcha()


# -- the faults of real replies: N13 (string status, JSON 429), N14 (Cloudflare 403) -----------

#: The later columns, for every API endpoint, in this order.
REPLY_FAULTS: tuple[str, ...] = (
    Fault.CLOUDFLARE_403.value,
    Fault.STRING_STATUS.value,
    Fault.JSON_429.value,
)

RLM = Expect(BandwidthExceededError, 1)  # a 429 on a non-idempotent call: refused, not repeated


def reply_row(*cells: Expect) -> dict[str, Expect]:
    return dict(zip(REPLY_FAULTS, cells, strict=True))


# A Cloudflare page at 403 is not the JSON envelope: a format error that names the CDN, never
# "check your login and key"; where the call may have taken effect it is reconciled (nothing is
# found, so the outcome is unknown). A string `status` ("200") is read as the number. A JSON 429
# without Retry-After is retried on idempotent endpoints, like 509.
# fmt: off
REPLY_EXPECTED: dict[str, dict[str, Expect]] = {
    #                                  cf403 str  429
    "/account/info":         reply_row(FMT, OK1, RTY),
    "/file/dlticket":        reply_row(FMT, OK1, RTY),
    "/file/dl":              reply_row(FMT, OK1, RTY),
    "/file/info":            reply_row(FMT, OK1, RTY),
    "/file/ul":              reply_row(FMT, OK1, RTY),
    "/remotedl/add":         reply_row(UNK, OK1, RLM),
    "/remotedl/remove":      reply_row(FMT, OK1, RTY),
    "/remotedl/status":      reply_row(FMT, OK1, RTY),
    "/file/listfolder":      reply_row(FMT, OK1, RTY),
    "/file/createfolder":    reply_row(UNK, OK1, RLM),
    "/file/renamefolder":    reply_row(FMT, OK1, RTY),
    "/file/deletefolder":    reply_row(FMT, OK1, RTY),
    "/file/rename":          reply_row(FMT, OK1, RTY),
    "/file/move":            reply_row(FMT, OK1, RTY),
    "/file/delete":          reply_row(FMT, OK1, RTY),
    "/file/runningconverts": reply_row(FMT, OK1, RTY),
    "/file/failedconverts":  reply_row(FMT, OK1, RTY),
    "/file/getsplash":       reply_row(FMT, OK1, RTY),
}
# fmt: on


def test_reply_fault_table_covers_every_endpoint_and_follows_the_retry_policy() -> None:
    assert set(REPLY_EXPECTED) == set(ENDPOINT_PATHS)
    for endpoint in ALL_API_ENDPOINTS:
        cells = REPLY_EXPECTED[endpoint.path]
        assert tuple(cells) == REPLY_FAULTS
        assert (cells["json_429"].calls == 2) is endpoint.idempotent, endpoint.path
        assert (cells["cloudflare_403"] is UNK) is not endpoint.idempotent, endpoint.path


@pytest.mark.parametrize(
    ("endpoint", "fault"),
    [
        pytest.param(e, f, id=f"{e.strip('/')}-{f}", marks=pytest.mark.fault_cell)
        for e in ENDPOINT_PATHS
        for f in REPLY_FAULTS
    ],
)
def test_reply_fault_cell(matrix_env: MatrixEnv, endpoint: str, fault: str) -> None:
    expected = REPLY_EXPECTED[endpoint][fault]
    outcome = run_cell(matrix_env, endpoint, fault)

    assert_only_streamtape_errors(outcome.error)
    raised = None if outcome.error is None else type(outcome.error)
    assert raised is expected.error, f"{endpoint} x {fault}: got {outcome.error!r}"
    assert outcome.calls == expected.calls, f"{endpoint} x {fault}: {outcome.calls} requests"
    if outcome.error is None:
        outcome.check(outcome.result)
        return
    message = str(outcome.error)
    assert "STREAMTAPE_LOGIN" not in message, message  # not a credentials problem
    if fault == "cloudflare_403":
        assert "403" in message, message
        assert "HTML" in message, message
    if isinstance(outcome.error, APIError):
        assert outcome.error.endpoint == endpoint
        assert outcome.error.status == 429
    if isinstance(outcome.error, OutcomeUnknownError):
        assert outcome.error.endpoint == endpoint
        assert "Before trying again" in message


#: The same faults on the transfer endpoints: the upload POST answers a JSON envelope (so all
#: three apply); a download link sends no envelope, so only the Cloudflare page applies there.
UPLOAD_REPLY_EXPECTED: dict[str, tuple[Expect, int]] = {  # fault -> (outcome, files stored)
    # the upload may have reached the service: reconciled (not found), never re-sent
    "cloudflare_403": (UNK, 0),
    "string_status": (OK1, 1),
    # refused before anything was stored: safe to say "try again later"
    "json_429": (RLM, 0),
}


@pytest.mark.parametrize("fault", REPLY_FAULTS)
def test_reply_fault_on_the_upload_post(matrix_env: MatrixEnv, tmp_path: Path, fault: str) -> None:
    expected, stored = UPLOAD_REPLY_EXPECTED[fault]
    env = matrix_env
    env.fake.reset_faults()
    path = tmp_path / (env.unique("up") + ".bin")
    path.write_bytes(b"u" * 100)
    env.fake.inject("upload", fault, times=1)
    before = env.fake.calls("upload")
    error: BaseException | None = None
    try:
        uploaded = env.client.files.upload(path)
    except Exception as exc:  # any type: asserted exactly below
        error = exc
    env.fake.reset_faults()

    assert_only_streamtape_errors(error)
    assert (None if error is None else type(error)) is expected.error, repr(error)
    assert env.fake.calls("upload") - before == expected.calls
    matching = [f for f in env.fake.files() if f.name == path.name]
    assert len(matching) == stored
    if error is None:
        assert uploaded.id == matching[0].id
    else:
        assert "STREAMTAPE_LOGIN" not in str(error)


def test_cloudflare_403_on_a_download_link_renews_the_link(
    matrix_env: MatrixEnv, tmp_path: Path
) -> None:
    env = matrix_env
    env.fake.reset_faults()
    file_id = env.fake.add_file(env.unique("cf") + ".bin", b"d" * 100)
    env.fake.inject("download", Fault.CLOUDFLARE_403, times=1)
    before = (env.fake.calls("download"), env.fake.calls("/file/dl"))
    written = env.client.files.download(file_id, tmp_path / "out.bin")
    assert written.read_bytes() == b"d" * 100
    assert env.fake.calls("download") - before[0] == 2
    assert env.fake.calls("/file/dl") - before[1] == 2  # a refused link is renewed
    assert env.fake.pending_faults() == {}
