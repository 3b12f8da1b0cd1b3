"""Retry policy: exponential backoff with full jitter, a cap, `Retry-After`, and a total budget."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """How transient failures are retried.

    Attributes:
        max_retries: retries after the first attempt; 0 turns retrying off.
        base: the first backoff ceiling in seconds; it doubles each retry.
        cap: the largest backoff ceiling in seconds.
        max_retry_after: a server `Retry-After` above this raises instead of sleeping.
        max_total_sleep: the most time one call may spend sleeping between retries.
    """

    max_retries: int = 3
    base: float = 0.5
    cap: float = 8.0
    max_retry_after: float = 60.0
    max_total_sleep: float = 60.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if self.base < 0 or self.cap < 0:
            raise ValueError("retry base and cap must be >= 0")

    def backoff(self, retry: int, rng: random.Random | None = None) -> float:
        """Seconds to sleep before retry number `retry` (0-based): full jitter under the cap."""
        ceiling = min(self.cap, self.base * (2**retry))
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
