"""`files.get_download_link`: with a `DownloadTicket` it waits out the rest of `wait_time` and
obeys "wait N more seconds" (up to 3 times); with a plain ticket string it never waits."""

from __future__ import annotations

import time

import pytest
import responses

from streamtape_sdk import (
    DownloadLink,
    DownloadTicket,
    NotFoundError,
    PermissionDeniedError,
    Streamtape,
)
from tests.fakes import FakeSleep
from tests.unit.conftest import add_json, sent

FILE_ID = "rbAarvRPXdYbaxY"
TICKET = "wg8ad12d3QiJRXG~~1585532987430~n~~0~q75Z2aJg-TYfQgxz8"
LINK = {"name": "Vlog1220-Sidney.mp4", "size": 12345, "url": "https://tapecontent.net/V.mp4"}


def ticket(wait_time: int, age: float = 0.0) -> DownloadTicket:
    """A ticket with `wait_time`, received `age` seconds ago."""
    made = DownloadTicket(ticket=TICKET, wait_time=wait_time)
    made._received_at -= age
    return made


def add_wait(rsps: responses.RequestsMock, seconds: int, text: str = "") -> None:
    msg = text or f"Please wait {seconds} more seconds before downloading"
    add_json(rsps, "/file/dl", status=403, msg=msg)


def test_ticket_object_sleeps_the_whole_wait_when_fresh(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    add_json(rsps, "/file/dl", LINK)
    started = time.monotonic()
    link = client.files.get_download_link(FILE_ID, ticket(10))
    assert time.monotonic() - started < 1.0  # the fake sleep, not a real one
    assert link == DownloadLink(**LINK)  # type: ignore[arg-type]
    (slept,) = fake_sleep.calls
    assert 9.0 < slept <= 10.0
    assert sent(rsps).params() == {"file": FILE_ID, "ticket": TICKET}


def test_wait_is_measured_from_when_the_ticket_arrived(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    add_json(rsps, "/file/dl", LINK)
    client.files.get_download_link(FILE_ID, ticket(10, age=4.0))
    (slept,) = fake_sleep.calls
    assert 5.0 < slept <= 6.0


@pytest.mark.parametrize(("wait_time", "age"), [(10, 10.0), (10, 60.0), (0, 0.0)])
def test_no_sleep_when_the_wait_is_over(
    client: Streamtape,
    rsps: responses.RequestsMock,
    fake_sleep: FakeSleep,
    wait_time: int,
    age: float,
) -> None:
    add_json(rsps, "/file/dl", LINK)
    client.files.get_download_link(FILE_ID, ticket(wait_time, age=age))
    assert fake_sleep.calls == []


def test_ticket_from_the_api_then_link(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    add_json(
        rsps,
        "/file/dlticket",
        {"ticket": TICKET, "wait_time": 5, "valid_until": "2019-12-31 23:59:59"},
    )
    add_json(rsps, "/file/dl", LINK)
    got = client.files.get_download_ticket(FILE_ID)
    link = client.files.get_download_link(FILE_ID, got)
    assert link.url == LINK["url"]
    (slept,) = fake_sleep.calls
    assert 4.0 < slept <= 5.0
    assert sent(rsps).path == "/file/dl"
    assert sent(rsps).params() == {"file": FILE_ID, "ticket": TICKET}


def test_please_wait_message_waits_and_retries(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    add_wait(rsps, 15)
    add_json(rsps, "/file/dl", LINK)
    link = client.files.get_download_link(FILE_ID, ticket(0))
    assert link.name == "Vlog1220-Sidney.mp4"
    assert fake_sleep.calls == [15.0]
    assert len(rsps.calls) == 2


@pytest.mark.parametrize(
    ("msg", "seconds"),
    [
        ("please wait 15 more seconds", 15.0),
        ("Please wait 1 more second", 1.0),
        ("WAIT 7 MORE SECONDS!", 7.0),
        ("Ticket not ready, wait  3  more seconds.", 3.0),
    ],
)
def test_wait_message_variants(
    client: Streamtape,
    rsps: responses.RequestsMock,
    fake_sleep: FakeSleep,
    msg: str,
    seconds: float,
) -> None:
    add_wait(rsps, 0, text=msg)
    add_json(rsps, "/file/dl", LINK)
    client.files.get_download_link(FILE_ID, ticket(0))
    assert fake_sleep.calls == [seconds]


def test_waits_at_most_three_times(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    for seconds in (2, 3, 4, 5):
        add_wait(rsps, seconds)
    add_json(rsps, "/file/dl", LINK)  # never reached
    with pytest.raises(PermissionDeniedError) as info:
        client.files.get_download_link(FILE_ID, ticket(0))
    assert fake_sleep.calls == [2.0, 3.0, 4.0]
    assert len(rsps.calls) == 4
    assert info.value.message == "Please wait 5 more seconds before downloading"
    assert info.value.endpoint == "/file/dl"


def test_third_wait_then_success(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    for seconds in (2, 3, 4):
        add_wait(rsps, seconds)
    add_json(rsps, "/file/dl", LINK)
    assert client.files.get_download_link(FILE_ID, ticket(0)).size == 12345
    assert fake_sleep.calls == [2.0, 3.0, 4.0]
    assert len(rsps.calls) == 4


def test_plain_string_ticket_never_waits(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    add_json(rsps, "/file/dl", LINK)
    client.files.get_download_link(FILE_ID, TICKET)
    assert fake_sleep.calls == []
    assert sent(rsps).params() == {"file": FILE_ID, "ticket": TICKET}


def test_plain_string_ticket_fails_on_wait_message(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    add_wait(rsps, 15)
    add_json(rsps, "/file/dl", LINK)
    with pytest.raises(PermissionDeniedError, match="wait 15 more seconds"):
        client.files.get_download_link(FILE_ID, TICKET)
    assert fake_sleep.calls == []
    assert len(rsps.calls) == 1


def test_other_403_with_ticket_object_is_not_waited_on(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    add_json(rsps, "/file/dl", status=403, msg="Ticket expired")
    add_json(rsps, "/file/dl", LINK)
    with pytest.raises(PermissionDeniedError, match="Ticket expired"):
        client.files.get_download_link(FILE_ID, ticket(0))
    assert fake_sleep.calls == []
    assert len(rsps.calls) == 1


def test_not_found_is_raised_at_once(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    add_json(rsps, "/file/dl", status=404, msg="please wait 3 more seconds")  # not a 403
    with pytest.raises(NotFoundError):
        client.files.get_download_link(FILE_ID, ticket(0))
    assert fake_sleep.calls == []


def test_captcha_response_is_passed_with_a_ticket_object(
    client: Streamtape, rsps: responses.RequestsMock
) -> None:
    add_wait(rsps, 1)
    add_json(rsps, "/file/dl", LINK)
    client.files.get_download_link(FILE_ID, ticket(0), captcha_response="c4ptch4")
    for index in (0, 1):
        assert sent(rsps, index).params() == {
            "file": FILE_ID,
            "ticket": TICKET,
            "captcha_response": "c4ptch4",
        }


def test_transient_failure_is_retried_by_the_transport(
    client: Streamtape, rsps: responses.RequestsMock, fake_sleep: FakeSleep
) -> None:
    add_json(rsps, "/file/dl", status=509, msg="Bandwidth usage exceeded")
    add_json(rsps, "/file/dl", LINK)
    client.files.get_download_link(FILE_ID, TICKET)
    assert len(rsps.calls) == 2
    assert len(fake_sleep.calls) == 1
    assert 0.0 <= fake_sleep.calls[0] <= 0.5


def test_null_result_is_not_found(client: Streamtape, rsps: responses.RequestsMock) -> None:
    # `null` from /file/dl means the file vanished (streamtape-api.md §5.6 N9).
    add_json(rsps, "/file/dl", None)
    with pytest.raises(NotFoundError, match=f"file '{FILE_ID}' vanished") as caught:
        client.files.get_download_link(FILE_ID, ticket(0))
    assert "upgrade" not in str(caught.value)
    assert caught.value.endpoint == "/file/dl"
    assert len(rsps.calls) == 1
