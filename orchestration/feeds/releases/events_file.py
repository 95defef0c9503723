"""The release-events feed: `data/release_events.csv`, kept by analysts, landed whole.

Not a provider but a file in the repository (`RELEASE_EVENTS_FILE` points elsewhere),
landed like a feed so it goes through the same contract, checks and atomic publication
as every other dataset. One row per event:

    event_id,date,time,time_zone,vendor,product,product_zh,highlight,highlight_zh,source_url
    openai-12-days-01,2024-12-05,10:00,America/Los_Angeles,OpenAI,o1,o1 完全体,...,https://...

- `event_id`: any stable, unique name (the key);
- `date`, `time`, `time_zone`: the local date and time as announced (`YYYY-MM-DD`,
  `HH:MM` 24-hour; `H:MM` is read as `0H:MM`) and the IANA zone they are in
  (`America/Los_Angeles` for Pacific time, `Asia/Shanghai` for Beijing time). A blank
  time means the time is not known: the marts then take the local date for every zone;
- `vendor`, `product`, `highlight` in English; `product_zh`, `highlight_zh` in Chinese
  where the report has them (optional columns);
- `source_url`: where the event is announced (an http(s) URL; the `has_source` check).

The reading rules are `orchestration.feeds.lib.csv_reading`'s (UTF-8, header in any order
and case, a date that is not `YYYY-MM-DD` fails naming the line). An empty cell is a
missing value, for the contract and the checks to report with the other rows' problems.

Landed whole (`release_span`): the file is small and edited anywhere in its history (a
highlight fixed, a source added, an event removed), and every run lands all of it, so an
edit reaches the marts at the next run whatever weeks the run covers. Every row is
handed on, even one dated outside the span, so the contract rejects a mistyped year
(2204) instead of dropping the row silently.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

from orchestration.feeds.lib.base import FeedBatch, FeedConfigError
from orchestration.feeds.lib.csv_reading import read_records
from orchestration.partitions import DateWindow, first_week
from orchestration.settings import PROJECT_ROOT

FILE_ENV = "RELEASE_EVENTS_FILE"
DEFAULT_FILE = PROJECT_ROOT / "data" / "release_events.csv"
REQUIRED = ("event_id", "time", "time_zone", "vendor", "product", "highlight", "source_url")
OPTIONAL = ("product_zh", "highlight_zh")
_SHORT_TIME = re.compile(r"\d:\d\d")


def release_span(today: dt.date | None = None) -> DateWindow:
    """[1 January of the year before the first week, 1 January two years after today):
    every event the report can list, and announced ones ahead."""
    today = today or dt.date.today()
    return DateWindow(dt.date(first_week().year - 1, 1, 1), dt.date(today.year + 2, 1, 1))


def events_file() -> Path:
    """The file from `RELEASE_EVENTS_FILE`, else data/release_events.csv."""
    return Path(os.environ.get(FILE_ENV) or DEFAULT_FILE)


def read_events(path: Path) -> list[dict[str, Any]]:
    """Every row of the file as release_events rows; empty cells as None."""
    rows = []
    for record in read_records(path, REQUIRED):

        def cell(name: str, record: Any = record) -> str | None:
            return record.text(name) or None

        local_time = cell("time")
        if local_time and _SHORT_TIME.fullmatch(local_time):
            local_time = "0" + local_time
        rows.append(
            {
                "event_id": cell("event_id"),
                "vendor": cell("vendor"),
                "product": cell("product"),
                "product_zh": cell("product_zh"),
                "highlight": cell("highlight"),
                "highlight_zh": cell("highlight_zh"),
                "local_date": record.day,
                "local_time": local_time,
                "time_zone": cell("time_zone"),
                "source_url": cell("source_url"),
            }
        )
    return rows


class ReleaseEventsFeed:
    """Release events from the analysts' file, whole."""

    kind = "file"

    def __init__(self, path: str | Path = "") -> None:
        self.path = Path(path) if path else events_file()
        if not self.path.is_file():
            raise FeedConfigError(f"{FILE_ENV}={str(self.path)!r} is not a file")

    def fetch(self, window: DateWindow) -> FeedBatch:
        path = self.path.resolve()
        ref = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
        return FeedBatch(rows=read_events(self.path), source_ref=str(ref))
