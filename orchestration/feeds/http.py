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
  one (`api_key=`, `token=`, ...), in the targets this module puts in errors and logs,
  in the records of urllib3's loggers (`_RedactingFilter`), and in the recorded
  exchanges (below). Errors are raised with no chained exception, so no urllib3
  exception (whose text holds the full URL) is stored with a failed run;
- recording: every answer `get` hands back to its caller is kept, in request order, as
  one JSON-able record (`exchange_record`): provider, method, path, params, status,
  content type and the body as text, secrets redacted from all of them. With the
  number of attempts, retries and response bytes, they make up the client's
  `ExchangeLog`; a feed starts a new log per pull (`start_log`) and hands both to its
  batch (`FeedBatch.responses`, `FeedBatch.cost`);
- replay: given a `transport` (a requests adapter, e.g. `ReplayTransport` built from
  such records), the client sends through it instead of the network, without pacing or
  retries, so a parse can be re-run exactly from what was recorded
  (`orchestration.feeds.replay`).

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
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlencode, urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
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
    """The answer's body is not what the endpoint sends: empty, not JSON (an HTML page,
    a truncated body), or JSON of the wrong shape."""


class UnknownEntityError(ProviderHTTPError):
    """The provider does not know what was asked for (a symbol, a domain, an app): a
    permanent answer, never retried, that fails the pull."""


def is_transient(exc: BaseException) -> bool:
    """Whether the same pull may succeed if tried again later: the provider did not
    answer, or answered 429 or 5xx until the request's retries ran out (here, or in an
    error this one was raised from). A bad key, an unknown entity, a malformed body or
    bad data will not heal by waiting."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ProviderConnectionError | ProviderTimeBoundError):
            return True
        if isinstance(seen, ProviderHTTPError) and seen.status in RETRY_STATUSES:
            return True
        if isinstance(seen, ProviderError):
            return False
        seen = seen.__cause__
    return False


class ReplayMismatchError(FeedDataError):
    """A replayed request has no recorded answer left (`ReplayTransport`). Not a
    `ProviderError`: no client code may take it for a provider's answer."""


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

_SECRET_WORDS = r"key|token|secret|password|passwd|signature|crumb|auth"
_SECRET_PARAM = re.compile(
    rf"([?&;](?:[\w.-]*(?:{_SECRET_WORDS})[\w.-]*)=)"
    r"[^&#;:,)\]>\s'\"]*",  # the value, up to what ends it in a URL or in prose
    re.IGNORECASE,
)
_SECRET_NAME = re.compile(_SECRET_WORDS, re.IGNORECASE)  # a parameter name that holds one


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

    def params(self, params: Mapping[str, Any] | None) -> dict[str, str]:
        """Query parameters as sent (values as text), redacted: a parameter whose name
        says it holds a secret has its value replaced whatever it is."""
        return {
            str(name): REDACTED if _SECRET_NAME.search(str(name)) else self(str(value))
            for name, value in (params or {}).items()
        }


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
    retried_bytes: int = 0  # body bytes of the answers that were retried


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
        attempts.retried_bytes += _body_bytes(response)
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


def _body_bytes(response: BaseHTTPResponse | None) -> int:
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


def _connection_problem(exc: requests.RequestException, redact: Redactor) -> str:
    """What went wrong, from the urllib3 reason inside requests' exception (whose own
    text holds the full URL)."""
    reason: Any = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", None) or reason  # MaxRetryError -> its reason
    return f"{type(reason).__name__}: {redact(str(reason))}"


# --- recording ---------------------------------------------------------------------------


def body_text(response: requests.Response) -> str:
    """The body decoded as requests decodes it (the charset, else by content type, else
    UTF-8); undecodable bytes become U+FFFD."""
    encoding = response.encoding or "utf-8"
    try:
        return response.content.decode(encoding, errors="replace")
    except LookupError:  # a charset Python does not know
        return response.content.decode("utf-8", errors="replace")


@dataclass
class ExchangeLog:
    """What one pull of a client sent and received.

    `records` are the answers handed back to the caller, in request order, one
    `exchange_record` each (an answer reused from a cache is added again with `reuse`,
    so a pull's records are enough to replay it). `requests` counts every attempt sent,
    retries included, `retries` the attempts after the first of each request, and
    `bytes` the response body bytes received, retried answers included.
    """

    records: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    retries: int = 0
    bytes: int = 0

    def reuse(self, record: Mapping[str, Any]) -> None:
        """Add an answer received earlier (and counted then) that this pull relied on."""
        self.records.append(dict(record))

    def cost(self) -> dict[str, float]:
        return {"requests": self.requests, "retries": self.retries, "bytes": self.bytes}


# --- the client ------------------------------------------------------------------------


class HttpClient:
    """GET requests to one provider: paced, retried, time-bounded, secrets redacted,
    recorded.

    One client per provider (its session and rate limit are its own); not for use from
    several threads at once. With a `transport` (a requests adapter such as
    `ReplayTransport`), requests go through it instead of the network, unpaced and
    without retries: pacing and retrying protect a provider that is not being called.
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
        transport: BaseAdapter | None = None,
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
        self._transport = transport
        self._session = requests.Session()
        mounted = transport if transport is not None else self._adapter
        self._session.mount("http://", mounted)
        self._session.mount("https://", mounted)
        self._session.headers.update(headers or {})
        bind = getattr(transport, "bind", None)
        if callable(bind):
            bind(self.base_url)
        self.log = ExchangeLog()
        self.last_record: dict[str, Any] | None = None  # the record of the last answer

    def __repr__(self) -> str:
        return f"HttpClient({self.provider!r}, {self._redact(self.base_url)!r})"

    def close(self) -> None:
        self._session.close()

    def start_log(self) -> ExchangeLog:
        """Start recording a new pull: later answers and counts go to the log returned."""
        self.log = ExchangeLog()
        return self.log

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

    def _pace(self) -> None:
        if self._transport is None:
            self._limiter.wait(self._host)

    def get(
        self,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        handled: Collection[int] = (),
    ) -> requests.Response:
        """GET `base_url + path`. A 2xx answer, or one whose status is in `handled` (the
        caller reads those itself), is recorded and returned; any other raises
        `ProviderHTTPError`."""
        target = self._redact(path + (f"?{urlencode(params)}" if params else ""))
        label = f"{self.provider}: GET {target}"
        self._pace()
        attempts = _Attempts(
            label=label,
            started=self._clock.monotonic(),
            policy=self.policy,
            clock=self._clock,
            pace=self._pace,
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
        finally:
            self.log.requests += attempts.count
            self.log.retries += attempts.count - 1
            self.log.bytes += attempts.retried_bytes
        # Raised here, outside the except blocks, so the error chains no urllib3 exception.
        if failure is not None:
            raise failure
        assert response is not None
        self.log.bytes += len(response.content)
        logger.debug("%s -> HTTP %d after %s", label, response.status_code, self._tries(attempts))
        if 200 <= response.status_code < 300 or response.status_code in handled:
            self.last_record = self.exchange_record(path, params, response)
            self.log.records.append(self.last_record)
            return response
        raise self.error(response, after=self._tries(attempts))

    def exchange_record(
        self, path: str, params: Mapping[str, Any] | None, response: requests.Response
    ) -> dict[str, Any]:
        """One answer as a JSON-able record, secrets redacted from every part."""
        return {
            "provider": self.provider,
            "method": "GET",
            "path": self._redact(path),
            "params": self._redact.params(params),
            "status": response.status_code,
            "content_type": response.headers.get("Content-Type"),
            "body": self._redact(body_text(response)),
        }

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
        return self._error(ProviderHTTPError, response, detail, after=after)

    def unknown(
        self,
        response: requests.Response,
        detail: str,
        *,
        kind: type[UnknownEntityError] = UnknownEntityError,
    ) -> UnknownEntityError:
        """The error for a provider's answer that it does not know what was asked for."""
        return self._error(kind, response, detail)

    def _error(
        self,
        kind: type[ProviderHTTPError],
        response: requests.Response,
        detail: str | None,
        *,
        after: str = "",
    ) -> Any:
        reason = f" {response.reason}" if response.reason else ""
        text = self._redact(detail) if detail is not None else self.excerpt(response)
        suffix = f" (after {after})" if after else ""
        return kind(
            f"{self.where(response)} -> HTTP {response.status_code}{reason}{suffix}: {text}",
            provider=self.provider,
            target=self._redact.target(response.request.url or ""),
            status=response.status_code,
        )

    def json(self, response: requests.Response) -> Any:
        """The body as JSON, or `ProviderBodyError` saying what it is instead: empty, an
        HTML page (an error or anti-bot page), or not valid JSON (e.g. cut short)."""
        kind = response.headers.get("Content-Type") or "no Content-Type"
        answered = f"{self.where(response)} -> HTTP {response.status_code} answered"
        if not response.content.strip():
            problem = f"{answered} an empty body ({kind}), not JSON"
        else:
            try:
                return response.json()
            except ValueError as exc:
                excerpt = self.excerpt(response)
                if excerpt.startswith("HTML: "):
                    problem = f"{answered} {kind}, not JSON (an error or anti-bot page?): {excerpt}"
                else:
                    why = self._redact(str(exc))
                    problem = (
                        f"{answered} {kind} that is not valid JSON (cut short?): {why}: {excerpt}"
                    )
        raise ProviderBodyError(
            problem, provider=self.provider, target=self._redact.target(response.request.url or "")
        )

    def shape_error(self, response: requests.Response, detail: str) -> ProviderBodyError:
        """The error for a JSON answer whose shape is not the endpoint's."""
        return ProviderBodyError(
            f"{self.where(response)} -> HTTP {response.status_code}: {self._redact(detail)}",
            provider=self.provider,
            target=self._redact.target(response.request.url or ""),
        )


# --- replay ----------------------------------------------------------------------------

_RECORD_FIELDS = {"method": str, "path": str, "params": dict, "status": int, "body": str}
_NAMES_ONLY = Redactor()  # secret values are unknown at replay; parameter names suffice


def _record_key(method: str, path: str, params: Mapping[str, Any]) -> tuple[Any, ...]:
    return (method.upper(), path, tuple(sorted((str(k), str(v)) for k, v in params.items())))


class ReplayTransport(BaseAdapter):
    """A requests adapter that answers from recorded exchanges (`exchange_record`s)
    instead of the network.

    A request is matched on method, path (below the client's base URL) and query
    parameters (secret ones compared as `***`, as they were recorded); the same request
    made twice gets the recorded answers in their order. A request with no recorded
    answer left raises `ReplayMismatchError` naming it. Mount it through
    `HttpClient(..., transport=...)`, which binds it to the client's base URL.
    """

    def __init__(self, records: Iterable[Mapping[str, Any]]) -> None:
        super().__init__()
        self._base_path = ""
        self._answers: dict[tuple[Any, ...], deque[Mapping[str, Any]]] = {}
        self._paths: dict[str, list[dict[str, str]]] = {}
        for i, record in enumerate(records):
            if not isinstance(record, Mapping):
                raise FeedDataError(f"replay: record {i} is not an object")
            for name, kind in _RECORD_FIELDS.items():
                if not isinstance(record.get(name), kind) or isinstance(record.get(name), bool):
                    raise FeedDataError(
                        f"replay: record {i} has no {name} of type {kind.__name__}: "
                        f"{record.get(name)!r:.80}"
                    )
            key = _record_key(record["method"], record["path"], record["params"])
            self._answers.setdefault(key, deque()).append(record)
            self._paths.setdefault(record["path"], []).append(dict(record["params"]))

    def bind(self, base_url: str) -> None:
        """Match request paths below `base_url`'s path (done by `HttpClient`)."""
        self._base_path = unquote(urlsplit(base_url).path).rstrip("/")

    @property
    def unused(self) -> list[Mapping[str, Any]]:
        """Recorded answers no request has asked for (yet)."""
        return [record for queue in self._answers.values() for record in queue]

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        path = unquote(parts.path)
        if self._base_path and path.startswith(self._base_path):
            path = path[len(self._base_path) :]
        params = _NAMES_ONLY.params(dict(parse_qsl(parts.query, keep_blank_values=True)))
        method = (request.method or "GET").upper()
        queue = self._answers.get(_record_key(method, path, params))
        if not queue:
            asked = f"{method} {path}" + (f"?{urlencode(params)}" if params else "")
            known = self._paths.get(path, [])
            if not known:
                why = "nothing was recorded for this path"
            elif queue is not None:
                why = "its recorded answers were all used"
            else:
                shown = "; ".join(urlencode(p) for p in known[:3])
                why = f"{len(known)} recorded for this path with other params, e.g. {shown}"
            raise ReplayMismatchError(f"replay: no recorded answer for {asked} ({why})")
        return self._response(request, queue.popleft())

    def _response(
        self, request: requests.PreparedRequest, record: Mapping[str, Any]
    ) -> requests.Response:
        response = requests.Response()
        response.status_code = record["status"]
        headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        if record.get("content_type"):
            headers["Content-Type"] = str(record["content_type"])
        response.headers = headers
        response.encoding = get_encoding_from_headers(headers)
        try:
            response._content = record["body"].encode(response.encoding or "utf-8", "replace")
        except LookupError:
            response._content = record["body"].encode("utf-8", "replace")
        try:
            response.reason = HTTPStatus(record["status"]).phrase
        except ValueError:
            response.reason = ""
        response.url = request.url or ""
        response.request = request
        response.connection = self
        return response

    def close(self) -> None:
        pass
