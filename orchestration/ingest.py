"""Fetch, audit, publish: the one path every feed's window takes into the landing zone.

Write-audit-publish: the feed fetches and parses one window (a week); each dataset in the
pull is built into a typed table (`validation`) and audited against its rules
(`quality`); only if no ERROR rule fails is every table of the pull published, each
replacing its previous version atomically (`landing`). A rejected pull is never
published: the previous good partition stays, and the pull is kept under
`raw/_rejected/` (the typed table, or the raw rows if they broke the contract) so nothing
is lost and the failing rows can be inspected. The provider responses of a pull are kept
beside what it landed (published or rejected), so its parse can be replayed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from orchestration.datasets import RawDataset
from orchestration.feeds.lib.base import Feed
from orchestration.landing import (
    ResponseStore,
    Root,
    read_partition,
    rejected_file,
    write_atomically,
    write_json_lines,
    write_partition,
    write_responses,
    write_unpartitioned,
)
from orchestration.partitions import DateWindow, report_today
from orchestration.quality.audit import Finding, audit, contract_finding
from orchestration.quality.policy import QualityPolicy
from orchestration.quality.rules import AuditContext
from orchestration.validation import ContractViolation, build_partition_table


@dataclass
class Landed:
    """What became of one window of a pull."""

    window: DateWindow
    published: bool
    rows: dict[str, int] = field(default_factory=dict)  # per dataset published
    pulled: dict[str, int] = field(default_factory=dict)  # per dataset pulled, published or not
    findings: list[Finding] = field(default_factory=list)
    notes: tuple[str, ...] = ()
    paths: dict[str, Root] = field(default_factory=dict)  # published or rejected files
    cost: dict[str, float] = field(default_factory=dict)  # requests, retries, bytes, credits
    resumed: bool = False  # published by an earlier attempt of the run, not fetched again

    @property
    def rejected_by(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.blocks_publication]


def _previous(raw_root: Root, dataset: RawDataset, window: DateWindow) -> pa.Table | None:
    if not dataset.partitioned:
        return None
    return read_partition(
        raw_root, dataset.name, window.start - dt.timedelta(days=7), schema=dataset.schema
    )


def _keep_rejected(path: Root, table: pa.Table | None, rows: list[dict[str, Any]]) -> Root:
    if table is not None:
        return write_atomically(path.with_suffix(".parquet"), table)
    return write_json_lines(path.with_suffix(".jsonl"), rows)


def ingest(
    datasets: list[RawDataset],
    feed: Feed,
    window: DateWindow,
    raw_root: Root,
    *,
    policy: QualityPolicy | None = None,
    fetched_at: dt.datetime | None = None,
    is_latest: bool = True,
    responses: ResponseStore | None = None,
) -> Landed:
    """Land one window of a pull: `datasets[0]` from the batch's rows, the others from
    `batch.related` (skipped when the feed does not provide them). Answers shared with
    other weeks are kept once in `responses` (default: the primary dataset's store; a
    run passes one store for all its weeks, so each is written once)."""
    policy = policy or QualityPolicy()
    fetched_at = fetched_at or dt.datetime.now(dt.UTC)
    today = report_today(fetched_at)
    batch = feed.fetch(window)
    pulled: dict[str, tuple[RawDataset, list[dict[str, Any]]]] = {
        datasets[0].name: (datasets[0], batch.rows)
    }
    for dataset in datasets[1:]:
        if dataset.name in batch.related:
            pulled[dataset.name] = (dataset, batch.related[dataset.name])

    tables: dict[str, pa.Table] = {}
    landed = Landed(window=window, published=False, notes=tuple(batch.notes), cost=dict(batch.cost))
    for name, (dataset, rows) in pulled.items():
        landed.pulled[name] = len(rows)
        try:
            tables[name] = build_partition_table(
                dataset, rows, window, source=feed.kind, source_ref=batch.source_ref,
                fetched_at=fetched_at,
            )  # fmt: skip
        except ContractViolation as violation:
            ctx = AuditContext(dataset=dataset, window=window, today=today, policy=policy)
            landed.findings.append(contract_finding(ctx, violation.violations))
    for name, table in tables.items():
        dataset = pulled[name][0]
        ctx = AuditContext(
            dataset=dataset,
            window=window,
            today=today,
            policy=policy,
            previous=_previous(raw_root, dataset, window),
            related={other: t for other, t in tables.items() if other != name},
            is_latest=is_latest,
        )
        landed.findings.extend(audit(table, ctx))

    landed.published = not landed.rejected_by
    stamp = fetched_at.strftime("%Y%m%dT%H%M%S%fZ")
    for name, (dataset, rows) in pulled.items():
        table = tables.get(name)
        if not landed.published:
            path = rejected_file(raw_root, name, window.start, stamp)
            landed.paths[name] = _keep_rejected(path, table, rows)
            continue
        landed.rows[name] = table.num_rows
        if dataset.partitioned:
            landed.paths[name] = write_partition(raw_root, name, window.start, table)
        else:
            landed.paths[name] = write_unpartitioned(raw_root, name, table)
        if table.num_rows == 0:
            landed.notes += (f"no {name} rows at all in {window.start}..{window.end}",)
    if batch.responses:  # beside the primary dataset's file, published or rejected
        primary = landed.paths[datasets[0].name]
        stem = primary.stem + "-responses" if not landed.published else "responses"
        store = responses or ResponseStore(raw_root, datasets[0].name)
        landed.paths["responses"] = write_responses(primary.parent, batch.responses, stem, store)
    return landed
