"""How one provider is called: pace, timeouts, retries, backoff and the time bound."""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.feeds.lib.http.errors import RETRY_STATUSES


@dataclass(frozen=True)
class HttpPolicy:
    """How one provider is called. Seconds throughout.

    Retry n (1-based) waits `backoff_factor * 2**(n-1)` plus up to `backoff_jitter`, at
    most `backoff_max`, or the provider's `Retry-After` if that is longer. A
    `Retry-After` over `max_retry_after`, or a wait that would end more than
    `time_bound` after the request started, fails the request instead.
    """

    rate_per_second: float = 2.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 4  # retries after the first attempt
    backoff_factor: float = 1.0
    backoff_jitter: float = 1.0
    backoff_max: float = 30.0
    max_retry_after: float = 60.0
    time_bound: float = 120.0
    retry_statuses: frozenset[int] = RETRY_STATUSES
