"""Replaying a live feed's pull from its recorded responses, without calling the provider.

Every live feed records the answers it parsed in `FeedBatch.responses` (one
`HttpClient.exchange_record` each: provider, method, path, params, status, content_type,
body; secrets redacted), and the landing keeps them beside the week's partition as
gzip'd JSON lines (`raw/<dataset>/week=<monday>/responses.jsonl.gz`). An answer that fed
several weeks of a run (a range fetch) is kept once beside them
(`raw/<dataset>/_responses/<sha256>.json.gz`, `landing.ResponseStore`) and the week's
file has a line referring to it. This module owns:

- `read_records` / `write_records`: that file format (`read_records` follows the
  references and checks each stored answer's SHA-256);
- `replay(feed_factory, records, week)`: builds the feed on a `ReplayTransport` serving
  the records, runs its `fetch` for the week and returns the batch, so a parser change
  can be checked against what a provider really sent, or a landed week re-derived;
- the CLI, which prints the rows of a replayed week as JSON lines:

    python -m orchestration.feeds.replay raw/market_bars/week=2024-12-16/responses.jsonl.gz \\
        --feed yahoo --week 2024-12-16

  (`--related corporate_actions` prints the Yahoo events instead; notes go to stderr).

A pull asks for the days of its week before the day it ran, and the records do not say
which day that was: unless `today` is given, `replay` tries the whole week first, then
each shorter one, and keeps the first whose every request has a recorded answer. Records
of a range fetch name the span they covered (`span`, already cut at the day the pull
ran): the replayed feed is then told that span (`LiveFeed.plan`) and asks for it again,
as the run did, on the span's last day. A
request with no recorded answer fails with `ReplayMismatchError` naming it. What a pull
took from elsewhere than the provider is not replayed: Frankfurter's csv fallback rows
(the CLI builds the feed without a fallback, so a currency it filled is a note).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.feeds import feed_specs
from orchestration.feeds.lib.base import FeedBatch, FeedDataError
from orchestration.feeds.lib.http import ReplayMismatchError, ReplayTransport
from orchestration.feeds.lib.live import LiveFeed, days, parse_span
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
    """The records of a gzip'd JSON lines file (a plain .jsonl file is read too), with
    each reference to a stored answer replaced by that answer."""
    opener = gzip.open if path.suffix == ".gz" else open
    records = []
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            record = _json_object(line, f"{path}:{number}")
            if "stored" in record:
                record = _stored(path, number, record)
            records.append(record)
    return records


def _stored(path: Path, number: int, reference: dict[str, Any]) -> dict[str, Any]:
    """The answer a reference line points to, checked against its SHA-256."""
    where = f"{path}:{number}"
    target = path.parent / str(reference["stored"])
    try:
        content = gzip.decompress(target.read_bytes())
    except (OSError, EOFError) as exc:
        raise FeedDataError(f"{where}: the stored answer {target} cannot be read ({exc})") from None
    digest = hashlib.sha256(content).hexdigest()
    if digest != reference.get("sha256"):
        raise FeedDataError(
            f"{where}: the stored answer {target} has SHA-256 {digest}, "
            f"not {reference.get('sha256')}: it was changed after it was landed"
        )
    return _json_object(content, f"{where}: the stored answer {target}")


def _json_object(text: str | bytes, where: str) -> dict[str, Any]:
    try:
        record = json.loads(text)
    except ValueError as exc:
        raise FeedDataError(f"{where}: not a JSON record ({exc})") from None
    if not isinstance(record, dict):
        raise FeedDataError(f"{where}: not a JSON object")
    return record


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
    kind = feed_factory(transport=ReplayTransport([]), today=week.end).kind
    records = list(records)
    mine = [record for record in records if record.get("provider") == kind]
    if records and not mine:
        providers = sorted({str(record.get("provider")) for record in records})
        raise FeedDataError(f"replay: the records are from {', '.join(providers)}, not {kind}")
    spans = _recorded_spans(mine)
    if today is not None:
        todays = [today]
    elif spans:  # a range fetch: it ran on (or after) its span's last day
        todays = [max(span.end for span in spans)]
    else:
        todays = _candidate_todays(week)
    first_miss: ReplayMismatchError | None = None
    for candidate in todays:
        transport = ReplayTransport(mine)
        feed = feed_factory(transport=transport, today=candidate)
        if spans:
            feed.plan(spans)
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


def _recorded_spans(records: Iterable[Mapping[str, Any]]) -> list[DateWindow]:
    """The spans range-fetched answers say they covered."""
    found = set()
    for record in records:
        if record.get("span"):
            try:
                found.add(parse_span(str(record["span"])))
            except ValueError as exc:
                raise FeedDataError(f"replay: a record's span is not a span ({exc})") from None
    return sorted(found)


def unrecorded_sources(records: Path) -> list[str]:
    """The feeds that landed the week beside `records` (its partition's `source`
    column), when that week has no recorded answers: a demo or csv feed calls no provider,
    so there is nothing to replay. Empty if no partition is there either."""
    partition = records.with_name("data.parquet")
    if not partition.is_file():
        return []
    sources = pq.read_table(partition, columns=["source"]).column("source")
    return sorted(str(value) for value in pc.unique(sources).to_pylist() if value)


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
    if not args.records.exists() and (landed_by := unrecorded_sources(args.records)):
        print(
            f"replay: {args.records} does not exist: that week was landed by the "
            f"{', '.join(landed_by)} feed, which calls no provider and records no answers. "
            f"Replay applies to weeks a live feed landed ({', '.join(sorted(factories))}).",
            file=sys.stderr,
        )
        return 1
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
