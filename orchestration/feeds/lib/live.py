"""What every live provider client shares: its `HttpClient`, the week it asks for, what
a pull records and costs, and how its errors name what failed.

A live feed (`YahooMarketFeed`, `FrankfurterFxFeed`, `SimilarwebTrafficFeed`,
`QimaiDownloadsFeed`) subclasses `LiveFeed` and implements `fetch_window`, which fills a
batch from the provider for a window that has already happened: days from today on have
no data yet, so they are never requested (a week that has not started is a note). The
HTTP behaviour (pacing, retries, time bound, redaction, recording) is
`orchestration.feeds.lib.http`'s.

Every `fetch` starts a new `ExchangeLog` on the client, so each week's batch carries its
own pull: `batch.responses` (the answers the rows were parsed from, secrets redacted,
in request order; replayable with `orchestration.feeds.replay`) and `batch.cost`
(`requests`, `retries`, `bytes`, plus whatever the provider adds, e.g. Similarweb's
`credits`).

A `FeedDataError` raised while a feed works on one entity (a listing, a domain, an app)
is prefixed, inside `LiveFeed.about`, with the provider, the entity and the days asked
for, so every failure says what failed and when, whatever layer raised it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import ClassVar, TypedDict, Unpack

from requests.adapters import BaseAdapter

from orchestration.feeds.lib.base import FeedBatch, FeedDataError
from orchestration.feeds.lib.http import Clock, HttpClient, HttpPolicy
from orchestration.partitions import DateWindow, report_today


def past_part(window: DateWindow, today: dt.date) -> DateWindow | None:
    """The days of `window` before `today` (`[start, min(end, today))`), or None if none."""
    return window.clip(end=today)


def days(window: DateWindow) -> str:
    """The days of a half-open window, first and last inclusive: '2024-12-16..2024-12-18'."""
    return f"{window.start}..{window.end - dt.timedelta(days=1)}"


# What a live feed is built with to replay recorded answers (`orchestration.feeds.replay`):
# a base URL nothing listens at, nothing is sent to; a placeholder for the secrets it
# needs to be built (recorded answers hold none).
REPLAY_BASE_URL = "http://replay.invalid"
REPLAY_SECRET = "replay"


class Connection(TypedDict, total=False):
    """How a live feed reaches its provider, where not the defaults: every client takes
    these as keywords and hands them to `LiveFeed` unchanged."""

    policy: HttpPolicy | None  # None: the client's `default_policy`
    clock: Clock | None  # None: the system clock (tests pass a fake one)
    today: dt.date | None  # None: the report's today at each fetch
    transport: BaseAdapter | None  # None: the network (replay passes recorded answers)


class LiveFeed:
    """A feed that calls one provider over HTTP. Subclasses set the class attributes and
    implement `fetch_window`."""

    kind: ClassVar[str]  # lands as `source`; also the provider's name in errors and logs
    default_base_url: ClassVar[str]
    default_policy: ClassVar[HttpPolicy]
    endpoint: ClassVar[str]  # the path the rows come from, for `source_ref`
    related: ClassVar[tuple[str, ...]] = ()  # datasets whose rows come in the same answers

    def __init__(
        self,
        base_url: str,
        *,
        secrets: Iterable[str] = (),
        headers: Mapping[str, str] | None = None,
        **connection: Unpack[Connection],
    ) -> None:
        self.http = HttpClient(
            self.kind,
            base_url or self.default_base_url,
            policy=connection.get("policy") or self.default_policy,
            secrets=secrets,
            headers=headers,
            clock=connection.get("clock"),
            transport=connection.get("transport"),
        )
        self.today = connection.get("today")  # None: the report's today at each fetch

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.http!r})"

    def fetch(self, week: DateWindow) -> FeedBatch:
        batch = FeedBatch(
            rows=[],
            source_ref=f"{self.kind}:{self.endpoint}",
            related={name: [] for name in self.related},
        )
        log = self.http.start_log()
        window = past_part(week, self.today or report_today())
        if window is None:
            batch.notes.append(f"week {week.start} has not started yet: nothing to fetch")
        else:
            self.fetch_window(window, batch)
        batch.responses = log.records
        batch.cost = {**log.cost(), **batch.cost}  # fetch_window may add the provider's
        return batch

    def fetch_window(self, window: DateWindow, batch: FeedBatch) -> None:
        """Add the provider's rows and notes for `window` (all days past) to `batch`."""
        raise NotImplementedError

    @contextmanager
    def about(self, entity: str, window: DateWindow) -> Iterator[None]:
        """Prefix a `FeedDataError` raised inside with '<provider>: <entity>, <days>: '."""
        try:
            yield
        except FeedDataError as exc:
            prefix = f"{self.kind}: {entity}, {days(window)}: "
            if exc.args and isinstance(exc.args[0], str) and not exc.args[0].startswith(prefix):
                exc.args = (prefix + exc.args[0], *exc.args[1:])
            raise
