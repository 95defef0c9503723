"""The one HTTP layer every live provider client goes through.

`HttpClient` owns, for one provider:

- a `requests.Session`, so connections are reused, with connect and read timeouts;
- a rate limit: a minimum interval between requests to the same host (`RateLimiter`);
- retries of 429, 5xx and dropped or refused connections, with exponential backoff and
  jitter, honouring `Retry-After` (seconds or an HTTP date). The retrying is urllib3's
  `Retry`, mounted on the session's `HTTPAdapter`; `_BoundedRetry` only changes how it
  waits (below). 400, 401, 403, 404, 422 and the like are never retried, and neither is
  a provider's "no data" answer, which comes back as a normal response for the client to
  read. Redirects are not followed (a 3xx is an error), so a key header never travels
  to another host;
- a time bound per request across its retries (`HttpPolicy.time_bound`): a retry whose
  wait would end past it is not made, and the request fails with
  `ProviderTimeBoundError`. So does a `Retry-After` longer than `max_retry_after`
  (urllib3 alone would sleep up to six hours on one). A provider that stays down thus
  fails a run in about two minutes, not hours. The bound counts waits and attempts; the
  last attempt can overrun it by at most one connect and read timeout;
- secrets: the API keys and tokens it is given never appear in an error message, a
  repr or a log record. Their values are replaced with `***` wherever they occur (raw or
  URL-encoded), and so is the value of any query parameter whose name says it carries
  one (`api_key=`, `token=`, ...), in the targets this module puts in errors and logs
  and in the records of urllib3's loggers (`_RedactingFilter`). Errors are raised with
  no chained exception, so no urllib3 exception (whose text holds the full URL) is
  stored with a failed run.

Errors are `orchestration.feeds.base.FeedDataError` subclasses (`ProviderError` and
below). Time comes from a `Clock`, so tests of backoff and pacing run without sleeping.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import re
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, quote_plus, urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import RequestHistory, Retry

from orchestration.feeds.base import FeedConfigError, FeedDataError

logger = logging.getLogger(__name__)

# 429 and every 5xx except 501 (Not Implemented) and 505 (HTTP Version Not Supported),
# which do not heal by waiting.
RETRY_STATUSES = frozenset({429, *range(500, 600)} - {501, 505})
REDACTED = "***"
EXCERPT_CHARS = 300


# --- errors ---------------------------------------------------------------------------


class ProviderError(FeedDataError):
    """A provider call failed. `target` is the method and path with secrets redacted."""

    def __init__(self, message: str, *, provider: str = "", target: str = "") -> None:
        super().__init__(message)
        self.provider = provider
        self.target = target


class ProviderHTTPError(ProviderError):
    """The provider answered with an error: a status the client does not accept, or an
    error the client found in the body. `status` is the HTTP status of that answer."""

    def __init__(
        self, message: str, *, provider: str = "", target: str = "", status: int = 0
    ) -> None:
        super().__init__(message, provider=provider, target=target)
        self.status = status


class ProviderConnectionError(ProviderError):
    """No answer: the connection was refused, reset or timed out on every attempt."""


class ProviderTimeBoundError(ProviderError):
    """Retrying would take longer than the request's time bound (or than the provider's
    `Retry-After` allows), so the request gave up."""


class ProviderBodyError(ProviderError):
    """The answer's body is not what the endpoint sends (HTML where JSON was due)."""


# --- time ------------------------------------------------------------------------------


class Clock(Protocol):
    """Time as the HTTP layer sees it. Tests pass a fake one, so backoffs take no time."""

    def monotonic(self) -> float: ...

    def time(self) -> float: ...  # wall clock, to read a Retry-After HTTP date

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

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


# --- secrets ---------------------------------------------------------------------------

_SECRET_PARAM = re.compile(
    r"([?&;](?:[\w.-]*(?:key|token|secret|password|passwd|signature|crumb|auth)[\w.-]*)=)"
    r"[^&#;:,)\]>\s'\"]*",  # the value, up to what ends it in a URL or in prose
    re.IGNORECASE,
)


class Redactor:
    """Takes secrets out of text: their values wherever they appear, raw or URL-encoded,
    and the value of any query parameter whose name says it holds one."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        forms = set(self._forms)
        for secret in secrets:
            if secret:
                forms |= {secret, quote(secret, safe=""), quote_plus(secret)}
        self._forms = sorted(forms, key=len, reverse=True)  # longest first

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, REDACTED)
        return _SECRET_PARAM.sub(rf"\1{REDACTED}", text)

    def target(self, url: str) -> str:
        """The path and query of `url`, redacted: what errors and logs show of a request."""
        parts = urlsplit(url)
        return self(parts.path + (f"?{parts.query}" if parts.query else ""))


class _RedactingFilter(logging.Filter):
    """Redacts the records of the loggers HTTP traffic is logged through, before any
    handler sees them. A logger's filters see only that logger's own records, so it is
    installed on each module logger of urllib3 and on this module's."""

    LOGGERS = (
        __name__,
        "urllib3.connectionpool",
        "urllib3.connection",
        "urllib3.poolmanager",
        "urllib3.response",
        "urllib3.util.retry",
    )

    def __init__(self) -> None:
        super().__init__()
        self.redact = Redactor()
        for name in self.LOGGERS:
            logging.getLogger(name).addFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_LOG_FILTER = _RedactingFilter()


def _excerpt(content: bytes, encoding: str | None) -> str:
    """The start of a body as one line; an HTML page as its text, without tags."""
    try:
        text = content[:4096].decode(encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        text = content[:4096].decode("utf-8", errors="replace")
    if text.lstrip().startswith("<"):
        text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
        text = "HTML: " + re.sub(r"<[^>]*>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "..."


# --- retrying --------------------------------------------------------------------------


@dataclass
class _Attempts:
    """One request's budget, shared by the copies of `_BoundedRetry` urllib3 makes."""

    label: str  # "<provider>: GET <redacted target>", for messages
    started: float
    policy: HttpPolicy
    clock: Clock
    pace: Callable[[], None]  # the rate limit, before each retry too
    redact: Redactor
    count: int = 1  # attempts made so far


class _GiveUp(Exception):
    """Raised inside urllib3 when another attempt would break the time bound. Not an
    OSError or urllib3 error, so it passes through urllib3 and requests untouched."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _BoundedRetry(Retry):
    """urllib3's `Retry` (counting, status list, methods, error kinds, Retry-After
    detection), waiting on the injected clock, within the request's time bound.

    The backoff differs from urllib3's in one way: urllib3 does not wait at all before
    the first retry, which after a 429 without `Retry-After` (Similarweb sends none)
    would hit the provider again at once. Here retry n waits factor * 2**(n-1).
    """

    RETRY_AFTER_STATUS_CODES = frozenset({429, 503})  # not 413: nothing here uploads

    def __init__(self, *args: Any, attempts: _Attempts | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attempts = attempts

    def new(self, **kw: Any) -> _BoundedRetry:
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
        """Seconds the provider asked to wait (seconds or HTTP date), or None."""
        value = (response.headers.get("Retry-After") or "").strip() if response else ""
        if not value or not self.respect_retry_after_header:
            return None
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            logger.warning("ignoring a Retry-After that is neither seconds nor a date")
            return None
        if when.tzinfo is None:  # "-0000": UTC without a stated zone
            when = when.replace(tzinfo=dt.UTC)
        assert self.attempts is not None
        return max(0.0, when.timestamp() - self.attempts.clock.time())

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        attempts = self.attempts
        assert attempts is not None, "a _BoundedRetry is made per request by HttpClient"
        policy = attempts.policy
        problem = _problem(self.history[-1], attempts.redact) if self.history else "failed"
        asked = self._retry_after(response)
        if asked is not None and asked > policy.max_retry_after:
            raise _GiveUp(
                f"{problem} asks to retry after {asked:g} s, longer than the "
                f"{policy.max_retry_after:g} s this client waits"
            )
        wait = max(asked or 0.0, self.get_backoff_time())
        elapsed = attempts.clock.monotonic() - attempts.started
        if elapsed + wait > policy.time_bound:
            raise _GiveUp(
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


def _problem(last: RequestHistory, redact: Redactor) -> str:
    if last.status:
        return f"HTTP {last.status}"
    return f"connection failed ({type(last.error).__name__}: {redact(str(last.error))})"


def _connection_problem(exc: requests.RequestException, redact: Redactor) -> str:
    """What went wrong, from the urllib3 reason inside requests' exception (whose own
    text holds the full URL)."""
    reason: Any = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", None) or reason  # MaxRetryError -> its reason
    return f"{type(reason).__name__}: {redact(str(reason))}"


# --- the client ------------------------------------------------------------------------


class HttpClient:
    """GET requests to one provider: paced, retried, time-bounded, secrets redacted.

    One client per provider (its session and rate limit are its own); not for use from
    several threads at once.
    """

    def __init__(
        self,
        provider: str,
        base_url: str,
        *,
        policy: HttpPolicy | None = None,
        secrets: Iterable[str] = (),
        headers: Mapping[str, str] | None = None,
        clock: Clock | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FeedConfigError(f"{provider}: base URL {base_url!r} is not an http(s) URL")
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.policy = policy or HttpPolicy()
        self._host = parts.netloc
        self._clock = clock or SYSTEM_CLOCK
        secrets = [*secrets, *([parts.password] if parts.password else [])]
        self._redact = Redactor(secrets)
        _LOG_FILTER.redact.add(secrets)
        self._limiter = RateLimiter(self.policy.rate_per_second, self._clock)
        self._adapter = HTTPAdapter(max_retries=0)
        self._session = requests.Session()
        self._session.mount("http://", self._adapter)
        self._session.mount("https://", self._adapter)
        self._session.headers.update(headers or {})

    def __repr__(self) -> str:
        return f"HttpClient({self.provider!r}, {self._redact(self.base_url)!r})"

    def close(self) -> None:
        self._session.close()

    def _retry(self, attempts: _Attempts) -> _BoundedRetry:
        policy = self.policy
        return _BoundedRetry(
            total=policy.retries,
            allowed_methods=frozenset({"GET"}),
            status_forcelist=policy.retry_statuses,
            backoff_factor=policy.backoff_factor,
            backoff_jitter=policy.backoff_jitter,
            backoff_max=policy.backoff_max,
            respect_retry_after_header=True,
            raise_on_status=False,  # the last answer comes back, for a clear error
            attempts=attempts,
        )

    def get(
        self,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        handled: Collection[int] = (),
    ) -> requests.Response:
        """GET `base_url + path`. A 2xx answer, or one whose status is in `handled` (the
        caller reads those itself), is returned; any other raises `ProviderHTTPError`."""
        target = self._redact(path + (f"?{urlencode(params)}" if params else ""))
        label = f"{self.provider}: GET {target}"
        self._limiter.wait(self._host)
        attempts = _Attempts(
            label=label,
            started=self._clock.monotonic(),
            policy=self.policy,
            clock=self._clock,
            pace=lambda: self._limiter.wait(self._host),
            redact=self._redact,
        )
        # requests hands the adapter's `max_retries` to urllib3 on every send: a fresh
        # one per request gives each request its own budget and deadline.
        self._adapter.max_retries = self._retry(attempts)
        response: requests.Response | None = None
        failure: ProviderError | None = None
        try:
            response = self._session.get(
                self.base_url + path,
                params=params,
                headers=headers,
                timeout=(self.policy.connect_timeout, self.policy.read_timeout),
                allow_redirects=False,
            )
        except _GiveUp as exc:
            failure = ProviderTimeBoundError(
                f"{label}: gave up after {self._tries(attempts)}: {exc.reason}",
                provider=self.provider,
                target=target,
            )
        except requests.RequestException as exc:
            failure = ProviderConnectionError(
                f"{label}: no answer after {self._tries(attempts)}: "
                f"{_connection_problem(exc, self._redact)}",
                provider=self.provider,
                target=target,
            )
        # Raised here, outside the except blocks, so the error chains no urllib3 exception.
        if failure is not None:
            raise failure
        assert response is not None
        logger.debug("%s -> HTTP %d after %s", label, response.status_code, self._tries(attempts))
        if 200 <= response.status_code < 300 or response.status_code in handled:
            return response
        raise self.error(response, after=self._tries(attempts))

    def _tries(self, attempts: _Attempts) -> str:
        elapsed = self._clock.monotonic() - attempts.started
        plural = "s" if attempts.count != 1 else ""
        return f"{attempts.count} attempt{plural} in {elapsed:.1f} s"

    def where(self, response: requests.Response) -> str:
        """'<provider>: GET <target>' for an answer, secrets redacted."""
        return f"{self.provider}: GET {self._redact.target(response.request.url or '')}"

    def excerpt(self, response: requests.Response) -> str:
        """The start of the body as one line, secrets redacted."""
        return self._redact(_excerpt(response.content, response.encoding))

    def error(
        self, response: requests.Response, detail: str | None = None, *, after: str = ""
    ) -> ProviderHTTPError:
        """The error for an answer the client cannot use; `detail` says why (redacted),
        else the body's excerpt does."""
        reason = f" {response.reason}" if response.reason else ""
        text = self._redact(detail) if detail is not None else self.excerpt(response)
        suffix = f" (after {after})" if after else ""
        return ProviderHTTPError(
            f"{self.where(response)} -> HTTP {response.status_code}{reason}{suffix}: {text}",
            provider=self.provider,
            target=self._redact.target(response.request.url or ""),
            status=response.status_code,
        )

    def json(self, response: requests.Response) -> Any:
        """The body as JSON, or `ProviderBodyError` (an HTML error or anti-bot page)."""
        try:
            return response.json()
        except ValueError:
            pass
        kind = response.headers.get("Content-Type") or "no Content-Type"
        raise ProviderBodyError(
            f"{self.where(response)} -> HTTP {response.status_code} answered {kind}, not "
            f"JSON (an error or anti-bot page?): {self.excerpt(response)}",
            provider=self.provider,
            target=self._redact.target(response.request.url or ""),
        )
