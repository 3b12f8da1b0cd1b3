"""`RetryBudget`: the one retry mechanism of API calls and downloads."""

from __future__ import annotations

import random

import pytest
import requests

from streamtape_sdk import ResponseFormatError, RetryPolicy
from streamtape_sdk._config import Timeout
from streamtape_sdk._endpoints import DOWNLOAD_GET, UPLOAD_POST, Endpoint
from streamtape_sdk._retry import RetryBudget
from streamtape_sdk._transport import Transport


def test_gives_up_after_max_retries_consecutive_failures() -> None:
    budget = RetryBudget(RetryPolicy(max_retries=3, base_delay=0.0))
    assert [budget.next_delay(None) for _ in range(4)] == [0.0, 0.0, 0.0, None]


def test_progress_starts_the_count_again() -> None:
    budget = RetryBudget(RetryPolicy(max_retries=1, base_delay=0.0))
    for _ in range(100):  # a link that breaks after every chunk, but keeps delivering
        assert budget.next_delay(None) == 0.0
        budget.progressed()
    assert budget.next_delay(None) == 0.0
    assert budget.next_delay(None) is None


def test_retry_after_is_honoured_up_to_the_policy() -> None:
    budget = RetryBudget(RetryPolicy(max_retries=5, max_retry_after=10.0))
    assert budget.next_delay(7.0) == 7.0
    assert budget.next_delay(11.0) is None


def test_the_stall_sleep_budget_and_the_overall_bound() -> None:
    policy = RetryPolicy(max_retries=100, max_total_sleep=10.0, max_retry_after=60.0)
    stalled = RetryBudget(policy)
    assert stalled.next_delay(6.0) == 6.0
    assert stalled.next_delay(6.0) is None  # 12 s of sleeping without progress
    overall = RetryBudget(policy, total_sleep_limit=15.0)
    assert overall.next_delay(6.0) == 6.0
    overall.progressed()
    assert overall.next_delay(6.0) == 6.0
    overall.progressed()
    assert overall.next_delay(6.0) is None  # 18 s in all, even with progress between


def test_backoff_is_jittered_under_the_cap() -> None:
    budget = RetryBudget(
        RetryPolicy(max_retries=10, base_delay=1.0, max_delay=4.0), rng=random.Random(1)
    )
    waits = [budget.next_delay(None) for _ in range(6)]
    assert all(w is not None and 0.0 <= w <= 4.0 for w in waits)


@pytest.mark.parametrize(
    "url", ["", "http://", "htp://x", "/relative/path", "file.bin", "https://:80/x", "http://[::1/"]
)
@pytest.mark.parametrize("endpoint", [DOWNLOAD_GET, UPLOAD_POST])
def test_an_unusable_url_is_refused_before_any_request(url: str, endpoint: Endpoint) -> None:
    sent: list[object] = []

    class Recorder(requests.Session):
        def send(self, *args: object, **kwargs: object) -> requests.Response:
            sent.append(args)
            raise AssertionError("no request may be sent")

    transport = Transport(
        login="l",
        key="k",
        base_url="https://api.example",
        timeout=Timeout.of(5.0),
        retry=RetryPolicy(),
        user_agent="t",
        session=Recorder(),
    )
    with pytest.raises(ResponseFormatError, match="cannot be used"):
        transport.send("GET", url, endpoint)
    assert sent == []
