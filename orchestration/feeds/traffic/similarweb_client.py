"""The live Similarweb traffic feed: one API v5 request per tracked site domain and week.

`GET {base}/v5/website-analysis/websites/traffic-and-engagement` with the key in the
`api-key` header (never in the URL) and `domain`, `metrics=visits`, `granularity=daily`,
`start_date`/`end_date` (`YYYY-MM-DD`, both inclusive), `country=ww`,
`main_domain_only=false`, `format=json` (CONTRACTS.md 1.2). Each domain is asked only
for the days it was the site's domain (the `site_domains` seed), as the demo does;
answers go through `similarweb.parse_visits`, the demo's parser.

Errors, per CONTRACTS.md 1.4, none retried except 429:

- 401 with a body saying the API key is invalid stops the whole fetch; 401 "Data not
  found" (unknown or mistyped domain) is a note for that site and the week goes on; a
  401 saying neither stops the fetch showing the body;
- 403 (invalid key or out of data credits) stops the fetch;
- 429 (over 10 requests a second) is retried by the HTTP layer with backoff;
- application codes 101 (dates not in range), 102 (granularity not supported) and 103
  (country not in the plan) stop the fetch with the provider's message, which lists the
  dates available. Whether they come as HTTP statuses or in a JSON body is unconfirmed,
  so both are read (`error_code` or `code`, at the top or under `meta`).

The key is a secret of the HTTP layer: it appears in no error, log record or repr.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import requests

from orchestration import seeds
from orchestration.feeds.base import FeedBatch, FeedConfigError
from orchestration.feeds.http import Clock, HttpPolicy
from orchestration.feeds.live import LiveFeed
from orchestration.feeds.traffic.similarweb import parse_visits
from orchestration.partitions import DateWindow

DEFAULT_BASE_URL = "https://api.similarweb.com"
TRAFFIC_PATH = "/v5/website-analysis/websites/traffic-and-engagement"
KEY_HEADER = "api-key"
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


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


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


class SimilarwebTrafficFeed(LiveFeed):
    """Daily visits of the tracked sites from Similarweb API v5."""

    kind = "similarweb"
    default_base_url = DEFAULT_BASE_URL
    default_policy = DEFAULT_POLICY
    endpoint = TRAFFIC_PATH

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        domains: Iterable[seeds.SiteDomain] | None = None,
        policy: HttpPolicy | None = None,
        clock: Clock | None = None,
        today: dt.date | None = None,
    ) -> None:
        if not api_key:
            raise FeedConfigError("the Similarweb feed needs an API key (SIMILARWEB_API_KEY)")
        super().__init__(
            base_url,
            secrets=[api_key],
            headers={KEY_HEADER: api_key},
            policy=policy,
            clock=clock,
            today=today,
        )
        self.domains = tuple(domains) if domains is not None else None  # None: the seed

    def fetch_window(self, window: DateWindow, batch: FeedBatch) -> None:
        for domain in self.domains or seeds.site_domains():
            start = max(window.start, domain.valid_from)
            end = min(window.end, domain.valid_to or window.end)
            if start >= end:
                continue
            valid = DateWindow(start, end)
            response = self._traffic(domain.domain, valid)
            if response.status_code == 401:  # "Data not found": the domain, not the key
                batch.notes.append(
                    f"{domain.site_id}: Similarweb has no data for {domain.domain} "
                    f"({self.http.excerpt(response)}); check the domain (lowercase, no "
                    "scheme, www. or path)"
                )
                continue
            rows = parse_visits(
                self.http.json(response),
                site_id=domain.site_id,
                domain=domain.domain,
                category=domain.category,
            )
            batch.rows.extend(row for row in rows if row["date"] in valid)

    def _traffic(self, domain: str, window: DateWindow) -> requests.Response:
        """The answer for one domain and window: a 2xx, or a 401 "Data not found".
        Every other error is raised here."""
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
        payload = _json_or_none(response)
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
        if status == 401 and not _NO_DATA.search(excerpt):
            raise self.http.error(
                response, f"a 401 naming neither the key nor missing data ({excerpt}); stopping"
            )
        if status == 400:
            raise self.http.error(response)
        return response
