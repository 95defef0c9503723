"""Fetch, validate, land: the one path every feed's week takes into the landing zone.

The feed fetches and parses; `validation` checks the rows against the dataset contract
and adds provenance; `landing` replaces the week's partition atomically. A week that
fails validation is not written, and its previous version stays in place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from orchestration.datasets import RawDataset
from orchestration.feeds.base import Feed
from orchestration.landing import write_partition, write_unpartitioned
from orchestration.partitions import DateWindow
from orchestration.validation import build_partition_table


@dataclass(frozen=True)
class Landed:
    window: DateWindow
    rows: int
    path: Path
    notes: tuple[str, ...]


def ingest(
    dataset: RawDataset,
    feed: Feed,
    window: DateWindow,
    raw_root: Path,
    *,
    fetched_at: dt.datetime | None = None,
) -> Landed:
    """Land one window of `dataset`: a week for partitioned datasets, else the whole span."""
    batch = feed.fetch(window)
    table = build_partition_table(
        dataset,
        batch.rows,
        window,
        source=feed.kind,
        source_ref=batch.source_ref,
        fetched_at=fetched_at or dt.datetime.now(dt.UTC),
    )
    if dataset.partitioned:
        path = write_partition(raw_root, dataset.name, window.start, table)
    else:
        path = write_unpartitioned(raw_root, dataset.name, table)
    notes = tuple(batch.notes)
    if table.num_rows == 0:
        notes += (f"no {dataset.name} rows at all in {window.start}..{window.end}",)
    return Landed(window=window, rows=table.num_rows, path=path, notes=notes)
