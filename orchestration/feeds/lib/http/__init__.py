"""The one HTTP layer every live provider client goes through, one module per concern:
`errors`, `secrets` (redaction), `pacing`, `policy`, `retry`, `client` (`HttpClient`,
`ExchangeLog`) and `recorded` (`ReplayTransport`).

`HttpClient` owns, for one provider:

- a `requests.Session`, so connections are reused, with connect and read timeouts;
- a rate limit: a minimum interval between requests to the same host (`RateLimiter`);
- retries of 429, 5xx and dropped or refused connections, with exponential backoff and
  jitter, honouring `Retry-After` (seconds or an HTTP date, read by urllib3). The
  retrying is urllib3's `Retry`, mounted on the session's `HTTPAdapter`; `BoundedRetry`
  only changes how it waits (below). 400, 401, 403, 404, 422 and the like are never
  retried, and neither is a provider's "no data" answer, which comes back as a normal
  response for the client to read. Redirects are not followed (a 3xx is an error), so
  a key header never travels to another host;
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
  in the records of urllib3's loggers (`RedactingFilter`), and in the recorded
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

Errors are `orchestration.feeds.lib.base.FeedDataError` subclasses (`ProviderError` and
below). Time comes from a `Clock`, so tests of backoff and pacing run without sleeping.
"""

from orchestration.feeds.lib.http.client import ExchangeLog, HttpClient, body_text, json_or_none
from orchestration.feeds.lib.http.errors import (
    RETRY_STATUSES,
    ProviderBodyError,
    ProviderConnectionError,
    ProviderError,
    ProviderHTTPError,
    ProviderTimeBoundError,
    ReplayMismatchError,
    UnknownEntityError,
    is_transient,
)
from orchestration.feeds.lib.http.pacing import SYSTEM_CLOCK, Clock, RateLimiter, SystemClock
from orchestration.feeds.lib.http.policy import HttpPolicy
from orchestration.feeds.lib.http.recorded import ReplayTransport
from orchestration.feeds.lib.http.secrets import REDACTED, Redactor

__all__ = [
    "REDACTED",
    "RETRY_STATUSES",
    "SYSTEM_CLOCK",
    "Clock",
    "ExchangeLog",
    "HttpClient",
    "HttpPolicy",
    "ProviderBodyError",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderHTTPError",
    "ProviderTimeBoundError",
    "RateLimiter",
    "Redactor",
    "ReplayMismatchError",
    "ReplayTransport",
    "SystemClock",
    "UnknownEntityError",
    "body_text",
    "is_transient",
    "json_or_none",
]
