"""`HttpClient`: GET requests to one provider, paced, retried, time-bounded, secrets
redacted, every answer recorded (`ExchangeLog`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter

from orchestration.feeds.lib.base import FeedConfigError
from orchestration.feeds.lib.http.errors import (
    ProviderBodyError,
    ProviderConnectionError,
    ProviderError,
    ProviderHTTPError,
    ProviderTimeBoundError,
    UnknownEntityError,
)
from orchestration.feeds.lib.http.pacing import SYSTEM_CLOCK, Clock, RateLimiter
from orchestration.feeds.lib.http.policy import HttpPolicy
from orchestration.feeds.lib.http.retry import Attempts, BoundedRetry, GiveUp
from orchestration.feeds.lib.http.secrets import LOG_FILTER, Redactor

logger = logging.getLogger(__name__)

EXCERPT_CHARS = 300


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


def _connection_problem(exc: requests.RequestException, redact: Redactor) -> str:
    """What went wrong, from the urllib3 reason inside requests' exception (whose own
    text holds the full URL)."""
    reason: Any = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", None) or reason  # MaxRetryError -> its reason
    return f"{type(reason).__name__}: {redact(str(reason))}"


def body_text(response: requests.Response) -> str:
    """The body decoded as requests decodes it (the charset, else by content type, else
    UTF-8); undecodable bytes become U+FFFD."""
    encoding = response.encoding or "utf-8"
    try:
        return response.content.decode(encoding, errors="replace")
    except LookupError:  # a charset Python does not know
        return response.content.decode("utf-8", errors="replace")


def json_or_none(response: requests.Response) -> Any:
    """The body as JSON, or None if it is not JSON: for reading a provider's error
    answer, which may be JSON or not (`HttpClient.json` is for answers that must be)."""
    try:
        return response.json()
    except ValueError:
        return None


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
        LOG_FILTER.redact.add(secrets)
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

    def _retry(self, attempts: Attempts) -> BoundedRetry:
        policy = self.policy
        return BoundedRetry(
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
        attempts = Attempts(
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
        except GiveUp as exc:
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

    def _tries(self, attempts: Attempts) -> str:
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
