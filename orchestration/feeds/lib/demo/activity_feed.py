"""What the demo traffic and downloads feeds share: provider-shaped answers from the
activity model, one per entity for the part of the week it is served that has passed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, ClassVar, Generic, TypeVar

from orchestration.feeds.lib.base import FeedBatch
from orchestration.partitions import DateWindow, report_today

Entity = TypeVar("Entity")


class DemoActivityFeed(Generic[Entity]):
    """Subclasses name the entities with the days each is served (`served`: from a day,
    until a day or for good) and parse the provider's answer for some of them (`rows`)."""

    kind = "demo"
    source_ref: ClassVar[str]

    def __init__(self, today: dt.date | None = None) -> None:
        self.today = today or report_today()

    def served(self) -> Iterable[tuple[Entity, dt.date, dt.date | None]]:
        raise NotImplementedError

    def rows(self, entity: Entity, days: DateWindow) -> list[dict[str, Any]]:
        raise NotImplementedError

    def fetch(self, week: DateWindow) -> FeedBatch:
        batch = FeedBatch(rows=[], source_ref=self.source_ref)
        for entity, first, until in self.served():
            days = week.clip(start=first, end=min(until or self.today, self.today))
            if days is not None:
                batch.rows.extend(self.rows(entity, days))
        return batch
