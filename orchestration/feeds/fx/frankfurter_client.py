"""The live Frankfurter FX feed: one v2 rates request per run (the span of the run's weeks,
`LiveFeed.plan`), with a fallback feed.

`GET {base}/v2/rates?base=usd&quotes=cny,hkd,krw,twd&from=<first day>&to=<last day>`
over the span's days, no key; the flat array goes through `frankfurter.parse_rates`, the
demo's parser. Each week then takes its own days from the answer; a week fetched without
a plan asks for its own days. Frankfurter documents no maximum range for `from`..`to`
(docs/providers.md, Frankfurter; frankfurter.dev only suggests NDJSON for large ranges),
and a year of four currencies is about a thousand rows, so the span is not chunked. The
answer (and any 422 before it) is in the records of every week of the span
(`LiveFeed.once`), so each week replays on its own.

A currency Frankfurter does not serve must not vanish silently (docs/providers.md,
Frankfurter: the ECB has no TWD; whether v2 quotes it is unconfirmed). It shows up in one
of two ways: a 422 whose message names it (the request is then made again without it,
once per run: the refusal holds for the whole span), or no rows for it in the week. Either
way it is "missing" for the week, and, week by week as before:

- with a `fallback` feed (e.g. `CsvFxFeed` on a folder holding `USDTWD.csv`), the
  fallback's rows for the missing currencies in the week are added, their
  `source_ref` prefixed with the fallback's kind (`csv:USDTWD.csv`), and a note says
  which currencies came from it and how many rates;
- without one, a note names the currency, and the pipeline's checks flag the gap.

A 422 that names no requested currency, an empty, truncated or HTML body where JSON is
due (`ProviderBodyError`), rows of the wrong shape (`FeedDataError` naming the row), and
a 429 or 5xx that outlasts the retries fail the run's first week (so no week of the run
is published), with the provider, the currencies and the days asked for in the message.
An empty array is no rates (each currency then "missing", as above), not an error.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from typing import Any, Unpack

from orchestration import seeds
from orchestration.feeds.fx.frankfurter import parse_rates
from orchestration.feeds.lib.base import Feed, FeedBatch
from orchestration.feeds.lib.http import HttpPolicy
from orchestration.feeds.lib.live import Connection, LiveFeed
from orchestration.partitions import DateWindow

DEFAULT_BASE_URL = "https://api.frankfurter.dev"
RATES_PATH = "/v2/rates"
DEFAULT_POLICY = HttpPolicy(rate_per_second=2.0)


def _message(payload: Any) -> str:
    if isinstance(payload, dict) and isinstance(payload.get("message"), str):
        return payload["message"]
    return str(payload)


def named_currencies(message: str, currencies: Iterable[str]) -> list[str]:
    """The currencies a 422 message names, as whole words in any case ("twd", "TWD")."""
    return [c for c in currencies if re.search(rf"\b{re.escape(c)}\b", message, re.IGNORECASE)]


class FrankfurterFxFeed(LiveFeed):
    """Units of each watchlist currency per USD from Frankfurter v2, with a fallback."""

    kind = "frankfurter"
    default_base_url = DEFAULT_BASE_URL
    default_policy = DEFAULT_POLICY
    endpoint = RATES_PATH

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        fallback: Feed | None = None,
        currencies: Iterable[str] | None = None,
        **connection: Unpack[Connection],
    ) -> None:
        super().__init__(base_url, **connection)
        self.fallback = fallback
        self.currencies = [c.upper() for c in currencies] if currencies is not None else None

    def fetch_window(self, window: DateWindow, batch: FeedBatch) -> None:
        wanted = self.currencies if self.currencies is not None else seeds.watchlist_currencies()
        span = self.span
        with self.about(f"USD rates of {','.join(wanted)}", span):
            rows, refused = self.once(
                ("rates", tuple(wanted), span), functools.partial(self._rates, span, wanted)
            )
        rows = [row for row in rows if row["date"] in window]
        batch.rows.extend(rows)
        served = {row["currency"] for row in rows}
        missing = {
            currency: refused.get(currency, "not in Frankfurter's answer")
            for currency in wanted
            if currency not in served
        }
        if missing:
            self._fill(window, missing, batch)

    def _rates(
        self, window: DateWindow, wanted: list[str]
    ) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """The rows Frankfurter serves for `window` (a span), and why each refused
        currency was refused."""
        asking, refused = list(wanted), {}
        while asking:
            response = self.http.get(
                RATES_PATH,
                params={
                    "base": "usd",
                    "quotes": ",".join(c.lower() for c in asking),
                    "from": window.start.isoformat(),
                    "to": (window.end - dt.timedelta(days=1)).isoformat(),
                },
                handled=(422,),
            )
            payload = self.http.json(response)
            if response.status_code != 422:
                rows = parse_rates(payload)
                return [r for r in rows if r["currency"] in asking and r["date"] in window], refused
            message = _message(payload)
            named = named_currencies(message, asking)
            if not named:
                raise self.http.error(response, f"{message} (names no requested currency)")
            for currency in named:
                refused[currency] = f"refused by Frankfurter (HTTP 422: {message})"
            asking = [c for c in asking if c not in named]
        return [], refused

    def _fill(self, window: DateWindow, missing: dict[str, str], batch: FeedBatch) -> None:
        """Rows of the week's missing currencies from the fallback, and a note for each.
        Asked week by week (the fallback is local files, not the provider): a currency can
        be missing from some weeks of a span only."""
        counts = dict.fromkeys(missing, 0)
        if self.fallback is not None:
            fallback = self.fallback.fetch(window)
            for row in fallback.rows:
                if row["currency"] in missing and row["date"] in window:
                    ref = row.get("source_ref") or fallback.source_ref or ""
                    batch.rows.append({**row, "source_ref": f"{self.fallback.kind}:{ref}"})
                    counts[row["currency"]] += 1
        for currency, why in missing.items():
            if counts[currency]:
                outcome = f"{counts[currency]} rate(s) from the fallback {self.fallback.kind} feed"
            elif self.fallback is not None:
                outcome = f"the fallback {self.fallback.kind} feed has none either"
            else:
                outcome = "no fallback feed is configured, so it has no rates"
            batch.notes.append(f"{currency} in {window.start}..{window.end}: {why}; {outcome}")
