"""Test doubles shared by the suites."""

from __future__ import annotations


class FakeSleep:
    """Stands in for `time.sleep` in the transport: records every requested wait, never sleeps."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)

    @property
    def total(self) -> float:
        """Seconds requested in all."""
        return sum(self.calls)
