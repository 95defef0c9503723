"""The live Similarweb traffic feed: one API v5 request per tracked site domain and run
(the span of the run's weeks, `LiveFeed.plan`, cut into chunks of at most `max_days`
days), between two free budget checks per run.

`GET {base}/v5/website-analysis/websites/traffic-and-engagement` with the key in the
`api-key` header (never in the URL) and `domain`, `metrics=visits`, `granularity=daily`,
`start_date`/`end_date` (`YYYY-MM-DD`, both inclusive), `country=ww`,
`main_domain_only=false`, `format=json` (docs/providers.md, Similarweb). Each domain is
asked only for the days of the span it was the site's domain (the `site_domains` seed,
which starts each site at its tracked-from date), as the demo does; answers go through
`similarweb.parse_visits`, the demo's parser. A site before its tracked-from date is
not asked for at all, and an answer with no rows is an empty week for that domain. Each
week then takes its own days from its span's rows; a week fetched without a plan asks
for its own days.

Range per request (docs/providers.md, Similarweb): Similarweb v5 documents no maximum
span for traffic-and-engagement. One connector's documentation (AIsa's, on glama.ai)
states that start_date..end_date must cover between 1 and 120 monthly buckets: plan
specific and unconfirmed. The key's plan also limits how far back it may ask (`GET
/capabilities` lists the allowed date ranges); a request outside them is application
error 101, not retried. So a domain's days are asked in chunks of at most `max_days`
(`SIMILARWEB_MAX_DAYS`, default 366: a year, well within that, and a daily answer stays
small), consecutive from the first day the domain is asked for, so that a 52-week
backfill, or the Monday re-pull of the last four weeks, is one request per domain, and
a replay of the span asks the same requests again.

Budget (docs/providers.md, Similarweb): before the span's data requests, if at least one
domain is to be asked for, the feed calls `GET {base}/user-capabilities` (free; the key
in the same `api-key` header), which answers e.g. `{"allowance": 10000, "user_remaining":
4989}`, and stops with `SimilarwebBudgetError` if `user_remaining` is below
`min_remaining` (default 200). If that check cannot be made (an HTTP error after the
retries, a body that is not JSON, no numeric `user_remaining`), the pull stops too, with
`SimilarwebBudgetError` saying why: it never goes on without a budget check. After the
span's data requests it calls the endpoint again and reports `credits` = remaining
before - remaining after in `batch.cost` of the week that sent them (the run's first: the
run's total is the sum over its weeks). If that second check fails, the rows are kept
(the credits are spent), `credits` is left out of the cost and a note says why; a
negative difference (the allowance renewed, or another user of the key) is reported as
measured, with a note. Both checks and the data answers are in the records of every week
of the span (`LiveFeed.once`), so each week replays on its own.

Errors (docs/providers.md, Similarweb), none retried except 429 and 5xx; each names the
provider, the domain (and site), the days asked for and the reason, and fails the run's
first week (so no week of the run is published):

- 401 "Data not found" (unknown or mistyped domain) is `UnknownEntityError` and fails the
  pull: the seed names a domain Similarweb does not know;
- 401 with a body saying the API key is invalid, or naming neither the key nor missing
  data, stops the pull showing the body;
- 403 (invalid key or out of data credits) stops the pull;
- 429 (over 10 requests a second) is retried by the HTTP layer with backoff;
- application codes 101 (dates not in range), 102 (granularity not supported) and 103
  (country not in the plan) stop the pull with the provider's message, which lists the
  dates available. Whether they come as HTTP statuses or in a JSON body is unconfirmed,
  so both are read (`error_code` or `code`, at the top or under `meta`);
- an empty, truncated or HTML body where JSON is due, and an envelope of the wrong shape,
  fail the pull (`ProviderBodyError`, `FeedDataError`).

The key is a secret of the HTTP layer: it appears in no error, log record, repr or
recorded response.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Iterable
from typing import Any, Unpack

import requests

from orchestration import seeds
from orchestration.feeds.lib.base import FeedBatch, FeedConfigError
from orchestration.feeds.lib.http import HttpPolicy, ProviderError, json_or_none
from orchestration.feeds.lib.live import Connection, LiveFeed, days
from orchestration.feeds.traffic.similarweb import parse_visits
from orchestration.partitions import DateWindow

DEFAULT_BASE_URL = "https://api.similarweb.com"
TRAFFIC_PATH = "/v5/website-analysis/websites/traffic-and-engagement"
CAPABILITIES_PATH = "/user-capabilities"
KEY_HEADER = "api-key"
# The data credits a pull needs left: about 26 domains x 7 days a week, with room.
DEFAULT_MIN_REMAINING = 200
# The most days one data request asks for: a year (see the module's docstring).
DEFAULT_MAX_DAYS = 366
MAX_DAYS_ENV = "SIMILARWEB_MAX_DAYS"
# Half the account's 10 requests a second, leaving room for other users of the key.
DEFAULT_POLICY = HttpPolicy(rate_per_second=5.0)
APPLICATION_ERRORS = {
    101: "dates not in range",
    102: "granularity not supported",
    103: "country not available in the plan",
}
_APPLICATION_CODES = {str(code) for code in APPLICATION_ERRORS}
_BAD_KEY = re.compile(r"api[ _-]?key", re.IGNORECASE)
_NO_DATA = re.compile(r"data not found|not found|no data", re.IGNORECASE)


class SimilarwebBudgetError(ProviderError):
    """The budget check before a pull failed: too few credits left, or no answer to it."""


def parse_max_days(text: str) -> int:
    """`SIMILARWEB_MAX_DAYS` as a number of days; `FeedConfigError` naming it if it is not
    a whole number above 0."""
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value <= 0:
        raise FeedConfigError(
            f"{MAX_DAYS_ENV}={text!r}: the most days one Similarweb request asks for must be "
            "a whole number above 0"
        )
    return value


def chunks(window: DateWindow, max_days: int) -> list[DateWindow]:
    """`window` cut into consecutive windows of at most `max_days` days, from its start."""
    step = dt.timedelta(days=max_days)
    cut, start = [], window.start
    while start < window.end:
        end = min(start + step, window.end)
        cut.append(DateWindow(start, end))
        start = end
    return cut


def application_error(status: int, payload: Any) -> int | None:
    """Similarweb's application code 101-103, from the HTTP status or the JSON body."""
    if status in APPLICATION_ERRORS:
        return status
    meta = payload.get("meta") if isinstance(payload, dict) else None
    for part in (payload, meta):
        if not isinstance(part, dict):
            continue
        for name in ("error_code", "code"):
            code = str(part.get(name)).strip()
            if code in _APPLICATION_CODES:
                return int(code)
    return None


def provider_message(payload: Any, fallback: str) -> str:
    """The provider's error text in a JSON body, else `fallback` (the body's excerpt)."""
    meta = payload.get("meta") if isinstance(payload, dict) else None
    for part in (payload, meta):
        if isinstance(part, dict):
            for name in ("error_message", "message", "error"):
                if isinstance(part.get(name), str) and part[name]:
                    return part[name]
    return fallback


def remaining_credits(payload: Any) -> tuple[float, float | None]:
    """`user_remaining` and `allowance` (None if absent) of a /user-capabilities answer;
    `ValueError` saying what is wrong if it has no numeric `user_remaining`."""
    if not isinstance(payload, dict):
        raise ValueError(f"expected a JSON object, got {type(payload).__name__}")
    values = []
    for name in ("user_remaining", "allowance"):
        value = payload.get(name)
        if value is None and name == "allowance":
            values.append(None)
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} is {value!r:.40}, not a number")
        if not math.isfinite(value):
            raise ValueError(f"{name} is {value!r}, not a finite number")
        values.append(float(value))
    remaining, allowance = values
    assert remaining is not None
    return remaining, allowance


class SimilarwebTrafficFeed(LiveFeed):
    """Daily visits of the tracked sites from Similarweb API v5, within a credit budget."""

    kind = "similarweb"
    default_base_url = DEFAULT_BASE_URL
    default_policy = DEFAULT_POLICY
    endpoint = TRAFFIC_PATH

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        min_remaining: float = DEFAULT_MIN_REMAINING,
        max_days: int = DEFAULT_MAX_DAYS,
        domains: Iterable[seeds.SiteDomain] | None = None,
        **connection: Unpack[Connection],
    ) -> None:
        if not api_key:
            raise FeedConfigError("the Similarweb feed needs an API key (SIMILARWEB_API_KEY)")
        if min_remaining < 0:
            raise FeedConfigError(f"min_remaining must be 0 or more, got {min_remaining}")
        if isinstance(max_days, bool) or not isinstance(max_days, int) or max_days <= 0:
            raise FeedConfigError(
                f"max_days ({MAX_DAYS_ENV}) must be a whole number of days above 0, "
                f"got {max_days!r}"
            )
        super().__init__(
            base_url,
            secrets=[api_key],
            headers={KEY_HEADER: api_key},
            **connection,
        )
        self.domains = tuple(domains) if domains is not None else None  # None: the seed
        self.min_remaining = min_remaining
        self.max_days = max_days

    def fetch_window(self, window: DateWindow, batch: FeedBatch) -> None:
        span = self.span
        planned = []
        for domain in self.domains or seeds.site_domains():
            valid = span.clip(start=domain.valid_from, end=domain.valid_to)
            if valid is not None:
                planned.append((domain, valid))
        if not planned:
            return
        pulled = self.once(("span", span), functools.partial(self._pull, span, planned, batch))
        for rows in pulled:
            batch.rows.extend(row for row in rows if row["date"] in window)

    def _pull(
        self,
        span: DateWindow,
        planned: list[tuple[seeds.SiteDomain, DateWindow]],
        batch: FeedBatch,
    ) -> list[list[dict[str, Any]]]:
        """Every planned domain's rows for the days of `span` it is valid, in chunks of at
        most `max_days` days, between the two budget checks; the notes of the check after
        them, and the credits spent, go to `batch` (the first week the answers feed)."""
        needed = sum((valid.end - valid.start).days for _, valid in planned)
        before = self._check_budget(span, needed)
        pulled = []
        for domain, valid in planned:
            rows: list[dict[str, Any]] = []
            with self.about(f"{domain.domain} (site {domain.site_id})", valid):
                for chunk in chunks(valid, self.max_days):
                    response = self._traffic(domain.domain, chunk)
                    answer = parse_visits(
                        self.http.json(response),
                        site_id=domain.site_id,
                        domain=domain.domain,
                        category=domain.category,
                    )
                    rows.extend(row for row in answer if row["date"] in chunk)
            pulled.append(rows)
        self._report_credits(span, before, batch)
        return pulled

    def _remaining(self) -> tuple[float, float | None]:
        """Credits left (and the allowance) now, from /user-capabilities; `ProviderError`
        if the answer does not say."""
        response = self.http.get(CAPABILITIES_PATH)
        payload = self.http.json(response)
        problem = None
        try:
            return remaining_credits(payload)
        except ValueError as exc:
            problem = str(exc)
        # Raised outside the except block: the error chains nothing.
        raise self.http.shape_error(
            response, f"not a /user-capabilities answer ({problem}): {self.http.excerpt(response)}"
        )

    def _check_budget(self, window: DateWindow, needed: int) -> float:
        """The credits left before the pull; `SimilarwebBudgetError` if unknown, or if the
        pull's `needed` credits (one per domain and day) would leave fewer than
        `min_remaining`: a span of a year is checked whole before its first request, not
        found short halfway through."""
        where = f"{self.kind}: budget check before the pull of {days(window)}"
        failure = None
        try:
            remaining, allowance = self._remaining()
        except ProviderError as exc:
            failure = exc
        # Raised outside the except block, so no error (with its URL) is chained to it.
        if failure is not None:
            raise SimilarwebBudgetError(
                f"{where} failed, so nothing is pulled (never without a budget check): {failure}",
                provider=self.kind,
                target=CAPABILITIES_PATH,
            )
        if remaining - needed < self.min_remaining:
            of = f" of {allowance:g}" if allowance is not None else ""
            raise SimilarwebBudgetError(
                f"{where}: {remaining:g} data credits left{of}; the pull needs about "
                f"{needed} (one per domain and day) and this feed keeps "
                f"{self.min_remaining:g} (min_remaining); nothing is pulled",
                provider=self.kind,
                target=CAPABILITIES_PATH,
            )
        return remaining

    def _report_credits(self, window: DateWindow, before: float, batch: FeedBatch) -> None:
        try:
            after, _ = self._remaining()
        except ProviderError as exc:
            batch.notes.append(
                f"the budget check after the pull of {days(window)} failed, so the credits "
                f"it spent are unknown ({exc})"
            )
            return
        spent = before - after
        batch.cost["credits"] = spent
        if spent < 0:
            batch.notes.append(
                f"credits left went up during the pull of {days(window)} ({before:g} -> "
                f"{after:g}): the allowance was renewed, or credits were added"
            )

    def _traffic(self, domain: str, window: DateWindow) -> requests.Response:
        """The answer for one domain and window, a 2xx. Every error is raised here."""
        response = self.http.get(
            TRAFFIC_PATH,
            params={
                "domain": domain,
                "metrics": "visits",
                "granularity": "daily",
                "start_date": window.start.isoformat(),
                "end_date": (window.end - dt.timedelta(days=1)).isoformat(),
                "country": "ww",
                "main_domain_only": "false",
                "format": "json",
            },
            handled=(400, 401, 403, *APPLICATION_ERRORS),
        )
        status = response.status_code
        payload = json_or_none(response)
        excerpt = self.http.excerpt(response)
        code = application_error(status, payload)
        if code is not None:
            raise self.http.error(
                response,
                f"Similarweb error {code} ({APPLICATION_ERRORS[code]}): "
                f"{provider_message(payload, excerpt)}; not retried",
            )
        if status == 403:
            raise self.http.error(
                response,
                f"invalid API key or out of data credits ({excerpt}); check the key and "
                "the credits left (GET /user-capabilities); stopping",
            )
        if status == 401 and _BAD_KEY.search(excerpt):
            raise self.http.error(response, f"invalid API key ({excerpt}); stopping")
        if status == 401 and _NO_DATA.search(excerpt):
            raise self.http.unknown(
                response,
                f"unknown domain: Similarweb answered Data not found ({excerpt}); check the "
                "domain in the site_domains seed (lowercase, no scheme, www. or path); "
                "permanent, not retried",
            )
        if status == 401:
            raise self.http.error(
                response, f"a 401 naming neither the key nor missing data ({excerpt}); stopping"
            )
        if status == 400:
            raise self.http.error(response)
        return response
