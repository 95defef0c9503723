"""Time as the HTTP layer sees it, and the pace of requests to one host.

Tests pass a fake `Clock`, so backoffs and pacing take no time.
"""

from __future__ import annotations

import time
from typing import Protocol

from orchestration.feeds.lib.base import FeedConfigError


class Clock(Protocol):
    """Time as the HTTP layer sees it. Tests pass a fake one, so backoffs take no time."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK = SystemClock()


class RateLimiter:
    """At most `rate_per_second` requests per host: a request waits until 1/rate seconds
    after the previous one to the same host started (a token bucket of size one)."""

    def __init__(self, rate_per_second: float, clock: Clock) -> None:
        if rate_per_second <= 0:
            raise FeedConfigError(f"rate_per_second must be positive, got {rate_per_second}")
        self.interval = 1.0 / rate_per_second
        self._clock = clock
        self._next: dict[str, float] = {}

    def wait(self, host: str) -> None:
        now = self._clock.monotonic()
        ready = self._next.get(host, now)
        if ready > now:
            self._clock.sleep(ready - now)
            now = ready
        self._next[host] = now + self.interval
