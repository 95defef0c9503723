"""What every live provider client shares: its `HttpClient`, the week it asks for, what
a pull records and costs, and how its errors name what failed.

A live feed (`YahooMarketFeed`, `FrankfurterFxFeed`, `SimilarwebTrafficFeed`,
`QimaiDownloadsFeed`) subclasses `LiveFeed` and implements `fetch_window`, which fills a
batch from the provider for a window that has already happened: days from today on have
no data yet, so they are never requested (a week that has not started is a note). The
HTTP behaviour (pacing, retries, time bound, redaction, recording) is
`orchestration.feeds.lib.http`'s.

A run that lands several weeks tells the feed which first (`plan`): each `fetch` then
asks the provider for the whole span of consecutive planned weeks around its week (its
days before today), once per entity, and keeps the answer for the span's other weeks
(`once`), so a 52-week backfill costs one request per listing, not 52. A feed asked for
a week it was not told of asks for that week alone, as before. A week is still
validated, audited and published on its own (`orchestration.ingest`).

Every `fetch` starts a new `ExchangeLog` on the client, so each week's batch carries its
own pull: `batch.responses` (the answers the rows were parsed from, secrets redacted,
in request order; replayable with `orchestration.feeds.replay`) and `batch.cost`
(`requests`, `retries`, `bytes`, plus whatever the provider adds, e.g. Similarweb's
`credits`). An answer a span fetch got (a span wider than the week) is in the records
of every week it fed, marked `shared` (the landing stores it once and each week's file
refers to it) and with the `span` it covered, so that a replay of one week asks for
the same span again (`orchestration.feeds.replay`). Its requests are counted once, in
the cost of the week that sent them.

A `FeedDataError` raised while a feed works on one entity (a listing, a domain, an app)
is prefixed, inside `LiveFeed.about`, with the provider, the entity and the days asked
for, so every failure says what failed and when, whatever layer raised it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, TypedDict, TypeVar, Unpack

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


def spans(windows: Iterable[DateWindow]) -> tuple[DateWindow, ...]:
    """The windows merged where they touch or overlap: the ranges a run asks for."""
    merged: list[DateWindow] = []
    for window in sorted(windows, key=lambda w: (w.start, w.end)):
        if merged and window.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = DateWindow(last.start, max(last.end, window.end))
        else:
            merged.append(DateWindow(window.start, window.end))
    return tuple(merged)


def span_text(window: DateWindow) -> str:
    """How a record names the span it covered: '<start>/<end>', ISO days, end exclusive."""
    return f"{window.start.isoformat()}/{window.end.isoformat()}"


def parse_span(text: str) -> DateWindow:
    """The window of `span_text`; `ValueError` if it is not one."""
    start, _, end = text.partition("/")
    window = DateWindow(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    if window.start >= window.end:
        raise ValueError(f"span {text!r} is empty")
    return window


T = TypeVar("T")


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
        self._spans: tuple[DateWindow, ...] = ()
        # What `once` computed in this plan, by key: the value and the answers it came from.
        self._answers: dict[Hashable, tuple[Any, list[dict[str, Any]]]] = {}
        self._span: DateWindow | None = None  # what the week being fetched asks for
        self._shared = False  # whether that span is wider than the week

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.http!r})"

    def plan(self, windows: Iterable[DateWindow]) -> None:
        """The weeks this feed is about to be asked for: each `fetch` then asks for the
        span of consecutive planned weeks around its week. Forgets the previous plan's
        answers."""
        self._spans = spans(windows)
        self._answers.clear()

    @property
    def span(self) -> DateWindow:
        """The days the week being fetched asks the provider for: its planned span's
        days before today (the week's own when it was not planned). Only inside
        `fetch_window`."""
        if self._span is None:
            raise RuntimeError("LiveFeed.span is only known while a week is fetched")
        return self._span

    def _span_of(self, window: DateWindow, today: dt.date) -> DateWindow:
        """The planned span holding `window` (a week's past days), up to today; else
        `window`. (A replay plans the spans its records name, already cut at the day the
        pull ran, so the week's past days are what must fit.)"""
        for span in self._spans:
            if span.start <= window.start and window.end <= span.end:
                return past_part(span, today) or window
        return window

    def once(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` the first time `key` is asked for since the last `plan`; after
        that, its value again, with the answers it was computed from added to this pull's
        records (each week a span answer feeds replays on its own), each naming the span
        of the week that reuses it (a key without a span, such as a whole history, may
        serve weeks of several spans of a plan). A `compute` that raises leaves nothing
        behind: the next week asks again."""
        cached = self._answers.get(key)
        if cached is not None:
            value, records = cached
            for record in records:  # named by this week's span: a replay plans what it names
                copy = {k: v for k, v in record.items() if k not in ("span", "shared")}
                if self._shared:
                    copy.update(span=span_text(self.span), shared=True)
                self.http.log.reuse(copy)
            return value
        first = len(self.http.log.records)
        value = compute()
        records = self.http.log.records[first:]
        if self._shared:  # the answers feed other weeks than this one
            for record in records:
                record.update(span=span_text(self.span), shared=True)
        self._answers[key] = (value, list(records))
        return value

    def fetch(self, week: DateWindow) -> FeedBatch:
        batch = FeedBatch(
            rows=[],
            source_ref=f"{self.kind}:{self.endpoint}",
            related={name: [] for name in self.related},
        )
        log = self.http.start_log()
        today = self.today or report_today()
        window = past_part(week, today)
        if window is None:
            batch.notes.append(f"week {week.start} has not started yet: nothing to fetch")
        else:
            self._span = self._span_of(window, today)
            self._shared = (self._span.start, self._span.end) != (window.start, window.end)
            try:
                self.fetch_window(window, batch)
            finally:
                self._span = None
        batch.responses = log.records
        batch.cost = {**log.cost(), **batch.cost}  # fetch_window may add the provider's
        return batch

    def fetch_window(self, window: DateWindow, batch: FeedBatch) -> None:
        """Add the provider's rows and notes for `window` (all days past) to `batch`:
        asking for `span` (which holds `window`) through `once`, per entity."""
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
