"""Captcha tickets (streamtape-api.md §5.6 N10) and hints chosen from the endpoint and reply."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses

from streamtape_sdk import (
    CaptchaRequiredError,
    DownloadTicket,
    NotFoundError,
    PermissionDeniedError,
    Streamtape,
)
from streamtape_sdk.errors import (
    BadRequestError,
    ServerError,
    error_for_status,
    hint_for,
)
from tests.unit.conftest import add_json, sent, url

FILE_ID = "cAp7chaF1leId00"
CAPTCHA_URL = "https://streamtape.com/captcha/c4ptch4.png"
CAPTCHA_TICKET = {
    "ticket": "tKt~captcha",
    "wait_time": 0,
    "valid_until": "2030-01-01 00:00:00",
    "captcha_url": CAPTCHA_URL,
    "captcha_w": 120,
    "captcha_h": 40,
}
BODY = b"captcha protected bytes"
LINK = {"name": "secret.bin", "size": len(BODY), "url": "https://dl.example.test/secret.bin"}
CREDENTIAL_ADVICE = "STREAMTAPE_LOGIN"


def _paths(rsps: responses.RequestsMock) -> list[str]:
    return [str(c.request.url).split("?")[0] for c in rsps.calls]


def test_link_without_answer_fails_before_calling_file_dl(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(rsps, "/file/dlticket", CAPTCHA_TICKET)
    ticket = client.files.get_download_ticket(FILE_ID)
    with pytest.raises(CaptchaRequiredError) as caught:
        client.files.get_download_link(FILE_ID, ticket)
    error = caught.value
    assert isinstance(error, PermissionDeniedError)
    assert error.captcha_url == CAPTCHA_URL
    assert CAPTCHA_URL in str(error)
    assert "120x40" in str(error)
    assert CREDENTIAL_ADVICE not in str(error)
    assert _paths(rsps) == [url("/file/dlticket")]  # /file/dl was never called


def test_link_with_answer_sends_it(client: Streamtape, rsps: responses.RequestsMock) -> None:
    add_json(rsps, "/file/dl", LINK)
    ticket = DownloadTicket.model_validate(CAPTCHA_TICKET)
    link = client.files.get_download_link(FILE_ID, ticket, captcha_response="ab12")
    assert link.size == len(BODY)
    assert sent(rsps).params()["captcha_response"] == "ab12"


def test_download_without_solver_fails_before_calling_file_dl(
    client: Streamtape, rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    add_json(rsps, "/file/dlticket", CAPTCHA_TICKET)
    with pytest.raises(CaptchaRequiredError, match=CAPTCHA_URL):
        client.files.download(FILE_ID, tmp_path / "out.bin")
    assert _paths(rsps) == [url("/file/dlticket")]
    assert list(tmp_path.iterdir()) == []


def test_download_with_solver_sends_its_answer(
    client: Streamtape, rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    add_json(rsps, "/file/dlticket", CAPTCHA_TICKET)
    add_json(rsps, "/file/dl", LINK)
    rsps.get(LINK["url"], body=BODY, headers={"Content-Length": str(len(BODY))})
    seen: list[DownloadTicket] = []

    def solver(ticket: DownloadTicket) -> str:
        seen.append(ticket)
        return "ab12"

    written = client.files.download(FILE_ID, tmp_path / "out.bin", captcha_solver=solver)
    assert written.read_bytes() == BODY
    assert [t.captcha_url for t in seen] == [CAPTCHA_URL]
    assert sent(rsps, 1).params()["captcha_response"] == "ab12"


def test_solver_is_not_called_for_a_plain_ticket(
    client: Streamtape, rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    add_json(rsps, "/file/dlticket", {**CAPTCHA_TICKET, "captcha_url": False})
    add_json(rsps, "/file/dl", LINK)
    rsps.get(LINK["url"], body=BODY, headers={"Content-Length": str(len(BODY))})

    def solver(ticket: DownloadTicket) -> str:
        raise AssertionError("no captcha was asked for")

    client.files.download(FILE_ID, tmp_path / "out.bin", captcha_solver=solver)
    assert "captcha_response" not in sent(rsps, 1).params()


def test_wrong_answer_is_a_captcha_error_with_the_url(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(rsps, "/file/dl", status=403, msg="Wrong captcha")
    ticket = DownloadTicket.model_validate(CAPTCHA_TICKET)
    with pytest.raises(CaptchaRequiredError) as caught:
        client.files.get_download_link(FILE_ID, ticket, captcha_response="nope")
    assert caught.value.captcha_url == CAPTCHA_URL
    assert CREDENTIAL_ADVICE not in str(caught.value)
    assert len(rsps.calls) == 1  # a refusal is not retried


def test_captcha_refusal_from_a_bare_ticket_string(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_json(rsps, "/file/dl", status=403, msg="Please solve the captcha")
    with pytest.raises(CaptchaRequiredError) as caught:
        client.files.get_download_link(FILE_ID, "tKt~captcha")
    assert caught.value.captcha_url is None  # the refusal does not carry the image
    assert "captcha_response=" in str(caught.value)


def test_download_of_a_vanished_file_is_not_found(
    client: Streamtape, rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    add_json(rsps, "/file/dlticket", {**CAPTCHA_TICKET, "captcha_url": False})
    add_json(rsps, "/file/dl", None)
    with pytest.raises(NotFoundError, match=FILE_ID):
        client.files.download(FILE_ID, tmp_path / "out.bin")


# -- hints: one mechanism, chosen from class, endpoint and message -----------------------------


@pytest.mark.parametrize(
    ("status", "endpoint", "message", "cls", "advice", "not_advice"),
    [
        (403, "/file/dl", "Wrong captcha", CaptchaRequiredError, "captcha", CREDENTIAL_ADVICE),
        (
            403,
            "/file/dl",
            "please wait 3 more seconds",
            PermissionDeniedError,
            "wait_time",
            CREDENTIAL_ADVICE,
        ),
        (403, "/file/dl", "ticket expired", PermissionDeniedError, "new ticket", CREDENTIAL_ADVICE),
        (403, "upload", "forbidden", PermissionDeniedError, "upload URL", CREDENTIAL_ADVICE),
        (403, "download", "forbidden", PermissionDeniedError, "new link", CREDENTIAL_ADVICE),
        (403, "/file/info", "Forbidden", PermissionDeniedError, CREDENTIAL_ADVICE, "captcha"),
        # A message naming a captcha elsewhere than /file/dl is not a captcha refusal.
        (403, "/account/info", "captcha", PermissionDeniedError, CREDENTIAL_ADVICE, "solve"),
        (404, "/file/dl", "captcha", NotFoundError, "Check the id", CREDENTIAL_ADVICE),
        (400, "/file/dl", "x", BadRequestError, "parameter", "captcha"),
        (500, "/file/dl", "x", ServerError, "Streamtape's side", "captcha"),
    ],
)
def test_error_class_and_hint_come_from_endpoint_and_reply(
    status: int,
    endpoint: str,
    message: str,
    cls: type[Exception],
    advice: str,
    not_advice: str,
) -> None:
    error = error_for_status(status, message, endpoint=endpoint)
    assert type(error) is cls
    assert advice in str(error)
    assert advice in error.hint
    assert not_advice not in error.hint
    assert error.hint == hint_for(type(error), endpoint, message)


def test_captcha_error_survives_pickling() -> None:
    import pickle

    error = CaptchaRequiredError("m", captcha_url=CAPTCHA_URL, detail="file='x'")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301
    assert (copy.captcha_url, str(copy)) == (CAPTCHA_URL, str(error))
