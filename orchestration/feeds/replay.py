"""Replaying a live feed's pull from its recorded responses, without calling the provider.

Every live feed records the answers it parsed in `FeedBatch.responses` (one
`HttpClient.exchange_record` each: provider, method, path, params, status, content_type,
body; secrets redacted), and the landing keeps them beside the week's partition as
gzip'd JSON lines (`raw/<dataset>/week=<monday>/responses.jsonl.gz`). This module owns:

- `read_records` / `write_records`: that file format;
- `replay(feed_factory, records, week)`: builds the feed on a `ReplayTransport` serving
  the records, runs its `fetch` for the week and returns the batch, so a parser change
  can be checked against what a provider really sent, or a landed week re-derived;
- the CLI, which prints the rows of a replayed week as JSON lines:

    python -m orchestration.feeds.replay raw/market_bars/week=2024-12-16/responses.jsonl.gz \\
        --feed yahoo --week 2024-12-16

  (`--related corporate_actions` prints the Yahoo events instead; notes go to stderr).

A pull asks for the days of its week before the day it ran, and the records do not say
which day that was: unless `today` is given, `replay` tries the whole week first, then
each shorter one, and keeps the first whose every request has a recorded answer. A
request with no recorded answer fails with `ReplayMismatchError` naming it. What a pull
took from elsewhere than the provider is not replayed: Frankfurter's csv fallback rows
(the CLI builds the feed without a fallback, so a currency it filled is a note).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from orchestration.feeds import feed_specs
from orchestration.feeds.lib.base import FeedBatch, FeedDataError
from orchestration.feeds.lib.http import ReplayMismatchError, ReplayTransport
from orchestration.feeds.lib.live import LiveFeed, days
from orchestration.partitions import DateWindow, WeekWindow

# A feed factory: called with `transport` and `today` keywords, returns a live feed.
FeedFactory = Callable[..., LiveFeed]


def replay_factories() -> dict[str, FeedFactory]:
    """Every live source that can replay recorded answers, by kind (`--feed`): each feed
    declares how (`Source.replay`, in its package)."""
    return {
        source.kind: source.replay
        for spec in feed_specs()
        for source in spec.sources
        if source.replay is not None
    }


def write_records(path: Path, records: Iterable[Mapping[str, Any]]) -> Path:
    """Write records as gzip'd JSON lines (UTF-8, one object a line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    return path


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of a gzip'd JSON lines file (a plain .jsonl file is read too)."""
    opener = gzip.open if path.suffix == ".gz" else open
    records = []
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise FeedDataError(f"{path}:{number}: not a JSON record ({exc})") from None
            if not isinstance(record, dict):
                raise FeedDataError(f"{path}:{number}: not a JSON object")
            records.append(record)
    return records


def _candidate_todays(week: DateWindow) -> list[dt.date]:
    """The days a pull of `week` may have run on, by the window it then asked for: the
    whole week first, then each shorter one."""
    return [week.end - dt.timedelta(days=i) for i in range((week.end - week.start).days)]


def replay(
    feed_factory: FeedFactory,
    records: Iterable[Mapping[str, Any]],
    week: DateWindow,
    *,
    today: dt.date | None = None,
) -> FeedBatch:
    """Re-run a feed's fetch of `week` on recorded answers instead of the provider.

    `feed_factory(transport=..., today=...)` builds the feed (e.g.
    `functools.partial(YahooMarketFeed, REPLAY_BASE_URL, listings=...)`); any base URL
    will do, nothing is sent. Records of other providers than the feed's are ignored.
    Without `today`, the day the pull ran is found as the module says. A recorded answer
    the replay did not ask for is a note in the batch.
    """
    todays = [today] if today is not None else _candidate_todays(week)
    kind = feed_factory(transport=ReplayTransport([]), today=todays[0]).kind
    records = list(records)
    mine = [record for record in records if record.get("provider") == kind]
    if records and not mine:
        providers = sorted({str(record.get("provider")) for record in records})
        raise FeedDataError(f"replay: the records are from {', '.join(providers)}, not {kind}")
    first_miss: ReplayMismatchError | None = None
    for candidate in todays:
        transport = ReplayTransport(mine)
        feed = feed_factory(transport=transport, today=candidate)
        try:
            batch = feed.fetch(week)
        except ReplayMismatchError as miss:
            first_miss = first_miss or miss
            continue
        if transport.unused:
            batch.notes.append(
                f"replay: {len(transport.unused)} recorded answer(s) were not asked for"
            )
        return batch
    assert first_miss is not None
    tried = "" if today is not None else f" (tried every day a pull of {days(week)} could run)"
    first_miss.args = (f"{first_miss.args[0]}{tried}",)
    raise first_miss


def _json_line(row: Mapping[str, Any]) -> str:
    return json.dumps(row, default=str, ensure_ascii=False, sort_keys=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.feeds.replay",
        description="Replay a landed week's recorded provider responses through a live "
        "feed's parser, without calling the provider, and print the rows as JSON lines.",
    )
    parser.add_argument("records", type=Path, help="responses.jsonl.gz of a landed week")
    factories = replay_factories()
    parser.add_argument("--feed", required=True, choices=sorted(factories))
    parser.add_argument("--week", required=True, help="the week's Monday, YYYY-MM-DD")
    parser.add_argument(
        "--today", help="the day the pull ran (default: found from the records), YYYY-MM-DD"
    )
    parser.add_argument(
        "--related",
        metavar="DATASET",
        help="print these related rows instead (Yahoo: corporate_actions)",
    )
    args = parser.parse_args(argv)
    try:
        week = WeekWindow.from_partition_key(args.week)
        today = dt.date.fromisoformat(args.today) if args.today else None
    except ValueError as exc:
        parser.error(str(exc))
    try:
        batch = replay(factories[args.feed], read_records(args.records), week, today=today)
    except (OSError, FeedDataError) as exc:
        print(f"replay failed: {exc}", file=sys.stderr)
        return 1
    if args.related is not None and args.related not in batch.related:
        print(f"replay: {args.feed} has no related dataset {args.related!r}", file=sys.stderr)
        return 2
    rows = batch.rows if args.related is None else batch.related[args.related]
    for row in rows:
        print(_json_line(row))
    for note in batch.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
