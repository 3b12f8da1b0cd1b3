"""Retry policy: exponential backoff with full jitter, a cap, `Retry-After`, and a total budget."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ._config import require_count, require_seconds

__all__ = ["RetryPolicy"]


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
