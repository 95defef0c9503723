"""What every live provider client shares: its `HttpClient`, and the week it asks for.

A live feed (`YahooMarketFeed`, `FrankfurterFxFeed`, `SimilarwebTrafficFeed`,
`QimaiDownloadsFeed`) subclasses `LiveFeed` and implements `fetch_window`, which fills a
batch from the provider for a window that has already happened: days from today on have
no data yet, so they are never requested (a week that has not started is a note). The
HTTP behaviour (pacing, retries, time bound, redaction) is `orchestration.feeds.http`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import ClassVar

from orchestration.feeds.base import FeedBatch
from orchestration.feeds.http import Clock, HttpClient, HttpPolicy
from orchestration.partitions import DateWindow, report_today


def past_part(window: DateWindow, today: dt.date) -> DateWindow | None:
    """The days of `window` before `today` (`[start, min(end, today))`), or None if none."""
    end = min(window.end, today)
    return DateWindow(window.start, end) if end > window.start else None


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
        policy: HttpPolicy | None = None,
        clock: Clock | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.http = HttpClient(
            self.kind,
            base_url or self.default_base_url,
            policy=policy or self.default_policy,
            secrets=secrets,
            headers=headers,
            clock=clock,
        )
        self.today = today  # None: the report's today at each fetch

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.http!r})"

    def fetch(self, week: DateWindow) -> FeedBatch:
        batch = FeedBatch(
            rows=[],
            source_ref=f"{self.kind}:{self.endpoint}",
            related={name: [] for name in self.related},
        )
        window = past_part(week, self.today or report_today())
        if window is None:
            batch.notes.append(f"week {week.start} has not started yet: nothing to fetch")
        else:
            self.fetch_window(window, batch)
        return batch

    def fetch_window(self, window: DateWindow, batch: FeedBatch) -> None:
        """Add the provider's rows and notes for `window` (all days past) to `batch`."""
        raise NotImplementedError
