"""The exchange-sessions feed: every watchlist exchange's trading days, from exchange_calendars.

Not a provider but a library, landed like a feed so that dbt can find "the exchange's
last session before the week, month or year" even where a listing has no bar that day.
It is landed whole (`session_span`): from 1 January of the year before the first week,
so the first week has its year base, to the week after today. Days past a calendar's
horizon are assumed weekdays, flagged, and reported.
"""

from __future__ import annotations

import datetime as dt
from importlib.metadata import version

from orchestration import calendars, seeds
from orchestration.feeds.lib.base import FeedBatch
from orchestration.partitions import DateWindow, WeekWindow, first_week


def session_span(today: dt.date | None = None) -> DateWindow:
    """[1 January of the year before the first week, the end of next week)."""
    today = today or dt.date.today()
    start = dt.date(first_week().year - 1, 1, 1)
    return DateWindow(start, WeekWindow.containing(today).end + dt.timedelta(days=7))


def watchlist_exchanges() -> list[seeds.Exchange]:
    used = {listing.exchange for listing in seeds.watchlist()}
    return [exchange for code, exchange in sorted(seeds.exchanges().items()) if code in used]


class ExchangeSessionsFeed:
    kind = "exchange_calendars"

    def fetch(self, window: DateWindow) -> FeedBatch:
        batch = FeedBatch(rows=[], source_ref=f"exchange_calendars {version('exchange_calendars')}")
        for exchange in watchlist_exchanges():
            found = calendars.sessions(exchange.calendar_code, window.start, window.end)
            assumed = [s.day for s in found if s.is_fallback]
            if assumed:
                first, last = calendars.horizon(exchange.calendar_code)
                batch.notes.append(
                    f"{exchange.exchange}: the {exchange.calendar_code} calendar knows "
                    f"{first}..{last} only; {len(assumed)} weekday(s) from {assumed[0]} to "
                    f"{assumed[-1]} assumed to be sessions"
                )
            batch.rows.extend(
                {
                    "exchange": exchange.exchange,
                    "date": s.day,
                    "calendar_code": exchange.calendar_code,
                    "is_fallback": s.is_fallback,
                }
                for s in found
            )
        return batch
