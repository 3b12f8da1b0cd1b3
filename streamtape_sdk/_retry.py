"""Retry policy: exponential backoff with full jitter, a cap, `Retry-After`, and a total budget."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ._config import require_count, require_seconds

__all__ = ["RetryBudget", "RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """How transient failures are retried.

    Which endpoints may be retried is the SDK's decision (per endpoint: reads and idempotent
    mutations), never this policy's; the policy only says how often and how long.

    Attributes:
        max_retries: retries after the first attempt; 0 turns retrying off.
        base_delay: the first backoff ceiling in seconds; it doubles each retry.
        max_delay: the largest backoff ceiling in seconds.
        max_total_sleep: the most time one call may spend sleeping between retries (seconds).
        max_retry_after: a server `Retry-After` above this (seconds) raises instead of sleeping.

    Raises:
        ValueError: a negative or non-finite value.
        TypeError: a value of the wrong type (`max_retries=True` or `1.5`).

    Examples:
        >>> Streamtape(retry=RetryPolicy(max_retries=5, max_delay=4.0))  # doctest: +SKIP
    """

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_total_sleep: float = 60.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        require_count(self.max_retries, "max_retries")
        for name in ("base_delay", "max_delay", "max_total_sleep", "max_retry_after"):
            require_seconds(getattr(self, name), name, allow_zero=True)

    def backoff(self, retry: int, rng: random.Random | None = None) -> float:
        """Seconds to sleep before retry number `retry` (0-based): full jitter under the cap."""
        ceiling = min(self.max_delay, self.base_delay * (2**retry))
        return (rng or random).uniform(0.0, ceiling)

    def delay(
        self, retry: int, retry_after: float | None, slept: float, rng: random.Random | None = None
    ) -> float | None:
        """The sleep before retry number `retry`, or None when the call must give up.

        Gives up when the retries are used up, when the server's `Retry-After` exceeds
        `max_retry_after`, or when sleeping would push the total past `max_total_sleep`.
        """
        if retry >= self.max_retries:
            return None
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            wait = max(retry_after, 0.0)
        else:
            wait = self.backoff(retry, rng)
        if slept + wait > self.max_total_sleep:
            return None
        return wait


class RetryBudget:
    """One operation's retries under a `RetryPolicy`: the single retry mechanism of the SDK.

    API calls (`Transport.with_retries`) and downloads use it alike. A failure asks
    `next_delay()` how long to sleep (None: give up). A download that makes progress calls
    `progressed()`, which starts the count of consecutive failures and the per-stall sleep
    budget afresh, so a link that breaks after every few hundred kilobytes is never
    abandoned while bytes keep arriving; `total_sleep_limit` still bounds the whole
    operation's sleeping.

    Examples:
        >>> budget = RetryBudget(RetryPolicy(max_retries=2, base_delay=0.0))
        >>> budget.next_delay(None), budget.next_delay(None), budget.next_delay(None)
        (0.0, 0.0, None)
    """

    __slots__ = ("_policy", "_rng", "failures", "slept", "slept_total", "total_sleep_limit")

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        total_sleep_limit: float | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._policy = policy
        self._rng = rng
        self.total_sleep_limit = total_sleep_limit
        #: Consecutive failures since the start or the last progress.
        self.failures = 0
        #: Seconds slept since the start or the last progress.
        self.slept = 0.0
        #: Seconds slept in all.
        self.slept_total = 0.0

    def next_delay(self, retry_after: float | None) -> float | None:
        """Count one failure; return the seconds to sleep before retrying, or None to give up.

        `retry_after` is the server's `Retry-After` in seconds, honoured up to the policy's
        `max_retry_after` (beyond it: give up rather than sleep for hours).
        """
        wait = self._policy.delay(self.failures, retry_after, self.slept, self._rng)
        if wait is None:
            return None
        if self.total_sleep_limit is not None and self.slept_total + wait > self.total_sleep_limit:
            return None
        self.failures += 1
        self.slept += wait
        self.slept_total += wait
        return wait

    def progressed(self) -> None:
        """Some work succeeded since the last failure: consecutive counts start again."""
        self.failures = 0
        self.slept = 0.0
