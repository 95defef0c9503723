"""Retrying one request: urllib3's `Retry`, waiting on the client's clock, within the
request's time bound.

`BoundedRetry` is mounted on the session's adapter, fresh for every request
(`HttpClient.get`), with that request's `Attempts`: the budget its copies share. A retry
whose wait would end past the policy's `time_bound`, or a `Retry-After` longer than
`max_retry_after` (urllib3 alone would sleep up to six hours on one), raises `GiveUp`
instead, which the client turns into `ProviderTimeBoundError`.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from urllib3.exceptions import InvalidHeader
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import RequestHistory, Retry

from orchestration.feeds.lib.http.pacing import Clock
from orchestration.feeds.lib.http.policy import HttpPolicy
from orchestration.feeds.lib.http.secrets import Redactor

logger = logging.getLogger(__name__)


@dataclass
class Attempts:
    """One request's budget, shared by the copies of `BoundedRetry` urllib3 makes."""

    label: str  # "<provider>: GET <redacted target>", for messages
    started: float
    policy: HttpPolicy
    clock: Clock
    pace: Callable[[], None]  # the rate limit, before each retry too
    redact: Redactor
    count: int = 1  # attempts made so far
    retried_bytes: int = 0  # body bytes of the answers that were retried


class GiveUp(Exception):
    """Raised inside urllib3 when another attempt would break the time bound. Not an
    OSError or urllib3 error, so it passes through urllib3 and requests untouched."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BoundedRetry(Retry):
    """urllib3's `Retry` (counting, status list, methods, error kinds, Retry-After
    detection), waiting on the injected clock, within the request's time bound.

    The backoff differs from urllib3's in one way: urllib3 does not wait at all before
    the first retry, which after a 429 without `Retry-After` (Similarweb sends none)
    would hit the provider again at once. Here retry n waits factor * 2**(n-1).
    """

    RETRY_AFTER_STATUS_CODES = frozenset({429, 503})  # not 413: nothing here uploads

    def __init__(self, *args: Any, attempts: Attempts | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attempts = attempts

    def new(self, **kw: Any) -> BoundedRetry:
        retry = super().new(**kw)
        retry.attempts = self.attempts
        return retry

    def get_backoff_time(self) -> float:
        failures = len(self.history)  # requests follows redirects itself: no 3xx here
        if failures == 0:
            return 0.0
        wait = self.backoff_factor * 2 ** (failures - 1)
        if self.backoff_jitter:
            wait += random.random() * self.backoff_jitter
        return min(self.backoff_max, wait)

    def _retry_after(self, response: BaseHTTPResponse | None) -> float | None:
        """Seconds the provider asked to wait (urllib3 reads seconds or an HTTP date), or
        None."""
        if response is None or not self.respect_retry_after_header:
            return None
        try:
            return self.get_retry_after(response)
        except InvalidHeader:
            logger.warning("ignoring a Retry-After that is neither seconds nor a date")
            return None

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        attempts = self.attempts
        assert attempts is not None, "a BoundedRetry is made per request by HttpClient"
        attempts.retried_bytes += body_bytes(response)
        policy = attempts.policy
        problem = _problem(self.history[-1], attempts.redact) if self.history else "failed"
        asked = self._retry_after(response)
        if asked is not None and asked > policy.max_retry_after:
            raise GiveUp(
                f"{problem} asks to retry after {asked:g} s, longer than the "
                f"{policy.max_retry_after:g} s this client waits"
            )
        wait = max(asked or 0.0, self.get_backoff_time())
        elapsed = attempts.clock.monotonic() - attempts.started
        if elapsed + wait > policy.time_bound:
            raise GiveUp(
                f"{problem}; waiting {wait:.1f} s more would pass the "
                f"{policy.time_bound:g} s time bound"
            )
        logger.warning(
            "%s: %s; attempt %d of %d in %.1f s",
            attempts.label,
            problem,
            attempts.count + 1,
            policy.retries + 1,
            wait,
        )
        attempts.clock.sleep(wait)
        attempts.pace()
        attempts.count += 1


def body_bytes(response: BaseHTTPResponse | None) -> int:
    """Body bytes read of an answer urllib3 drained before retrying (0 if unknown)."""
    if response is None:
        return 0
    try:
        return int(response.tell())
    except (AttributeError, TypeError, ValueError, OSError):
        length = (response.headers.get("Content-Length") or "").strip()
        return int(length) if length.isdigit() else 0


def _problem(last: RequestHistory, redact: Redactor) -> str:
    if last.status:
        return f"HTTP {last.status}"
    return f"connection failed ({type(last.error).__name__}: {redact(str(last.error))})"
