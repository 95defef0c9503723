"""The raw assets: one asset per feed, built by one factory, each landing its datasets.

A feed's asset lands every window of its run (each week of the partition range: a single
run covers a whole backfill; or, for a dataset landed whole, its span) through
`ingest.ingest`, which publishes a week only if its audit passes. A live feed is told
the run's weeks first (`plan`), so it asks its provider for their whole span once per
entity rather than week by week. A feed whose first week needs earlier data
(`FeedSpec.lead_in_weeks`: the FX rate a holiday carries) also lands the weeks before
the run's first where none was published.

What the UI shows: one run lands many weeks (a single-run backfill), and each week's
partition records that week's own facts: its rows (`dagster/row_count`), its file, whether
it was published or rejected (and by which rules), its notes, its checks' results and
what its pull cost. They are given per partition with `context.add_asset_metadata(...,
partition_key=...)`, so the step's one result per dataset carries nothing shared that
Dagster would copy onto every partition. The run's totals (every window in one table)
are in the run's log. A lead-in week, not one of the run's partitions, is recorded by an
`AssetMaterialization` of its own. One asset check result per data-quality rule covers
the run's weeks (Dagster attaches it to the run's last materialization).

Re-executing a run that failed partway (Dagster's "re-execute from failure") resumes it:
the weeks the first attempt published are not fetched again, the rest are. A pull that
failed for a transient reason (the provider did not answer, or answered 429 or 5xx until
the request's own retries ran out) is retried by the step's retry policy after
`COMPUTE_WEEKLY_RETRY_DELAY` seconds (default 60, then twice that), resuming the same way;
a permanent one (a bad key, an unknown symbol, a malformed answer) fails at once.

A week that fails an ERROR rule is not published, but the asset still succeeds, so that
the feeds that were good are modelled in the same run; the dbt step leaves out the models
of a rejected feed (see `assets.dbt`) and then fails the run, so it does not go unseen.
The market feed's asset also lands the dividend and split events of the same payloads
(`raw/corporate_actions`).
"""

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration import object_store
from orchestration.datasets import RawDataset
from orchestration.feeds import feed_specs
from orchestration.feeds.lib.base import FeedConfigError
from orchestration.feeds.lib.http import is_transient
from orchestration.feeds.lib.spec import FeedSpec
from orchestration.ingest import Landed, ingest
from orchestration.landing import (
    ResponseStore,
    Root,
    partition_file,
    published_at,
    read_partition,
)
from orchestration.partitions import DateWindow, WeekWindow, weekly_partitions
from orchestration.quality.audit import Finding, not_evaluated, report
from orchestration.quality.rules import rules_of

RETRY_DELAY_ENV = "COMPUTE_WEEKLY_RETRY_DELAY"
DEFAULT_RETRY_DELAY_SECONDS = 60


def pull_retry_policy() -> dg.RetryPolicy:
    """Two more attempts at a pull that failed for a transient reason."""
    raw = os.environ.get(RETRY_DELAY_ENV) or str(DEFAULT_RETRY_DELAY_SECONDS)
    if not raw.isdigit():
        raise ValueError(f"{RETRY_DELAY_ENV}={raw!r}: a whole number of seconds")
    return dg.RetryPolicy(max_retries=2, delay=int(raw), backoff=dg.Backoff.EXPONENTIAL)


def raw_key(dataset: RawDataset) -> dg.AssetKey:
    return dg.AssetKey(["raw", dataset.name])


def _column_schema(dataset: RawDataset) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=field.name,
                type=str(field.type),
                constraints=dg.TableColumnConstraints(nullable=field.nullable),
            )
            for field in dataset.schema
        ]
    )


def outcome(item: Landed) -> str:
    """What became of a week: published, resumed or rejected (and by which rules)."""
    if item.resumed:
        return "published by the attempt resumed (not fetched again)"
    if item.published:
        return "published"
    rules = sorted({f"{f.dataset}.{f.rule.name}" for f in item.rejected_by})
    return "rejected, the previous partition stays: " + ", ".join(rules)


def run_summary(datasets: tuple[RawDataset, ...], landed: list[Landed]) -> str:
    """Every window of a run in one table, with its totals, for the run's log: the facts
    no single partition carries (each carries its own week's)."""
    names = [dataset.name for dataset in datasets]
    lines = [" | ".join(["window", *names, "outcome"])]
    for item in landed:
        rows = [str(item.rows.get(name, item.pulled.get(name, "-"))) for name in names]
        lines.append(" | ".join([f"{item.window.start}..{item.window.end}", *rows, outcome(item)]))
    cost: dict[str, float] = {}
    for item in landed:
        for name, value in item.cost.items():
            cost[name] = cost.get(name, 0) + value
    published = sum(item.published for item in landed)
    rows = ", ".join(f"{name} {sum(i.rows.get(name, 0) for i in landed)}" for name in names)
    lines.append(
        f"{published} window(s) published, {len(landed) - published} rejected; rows "
        f"published: {rows}"
        + "".join(f"; {name} {value:g}" for name, value in sorted(cost.items()))
    )
    return "\n".join(lines)


def lead_in_windows(feed: FeedSpec, root: Root, first: WeekWindow) -> list[WeekWindow]:
    """The weeks before `first` the feed's first week needs (`lead_in_weeks`) that have no
    published partition, oldest first, none before the partitions' first week."""
    weeks = []
    for back in range(feed.lead_in_weeks, 0, -1):
        start = first.start - dt.timedelta(days=7 * back)
        if start < weekly_partitions.start.date():
            continue
        if published_at(root, feed.datasets[0].name, start) is None:
            weeks.append(WeekWindow.from_partition_key(start.isoformat()))
    return weeks


def _checks_table(findings: list[Finding]) -> str:
    lines = ["| check | severity | result |", "|---|---|---|"]
    for finding in findings:
        result = "passed" if finding.passed else f"{len(finding.failing)} failing row(s)"
        lines.append(f"| {finding.rule.name} | {finding.severity.value} | {result} |")
    return "\n".join(lines)


def week_metadata(
    dataset: RawDataset, item: Landed, kind: str, *, with_cost: bool
) -> dict[str, Any]:
    """The metadata of one dataset's materialization for one window: that window's own
    facts (rows, file, outcome, notes, its checks' results and, on the feed's first
    dataset, what its pull cost), never the run's."""
    if dataset.name not in item.paths and dataset.name not in item.rows:
        return {"feed": kind, "outcome": f"the {kind} feed gives no {dataset.name}"}
    metadata: dict[str, Any] = {}
    if item.published:
        metadata["dagster/row_count"] = item.rows.get(dataset.name, 0)
    else:
        metadata["rows rejected"] = item.pulled.get(dataset.name, 0)
    metadata["outcome"] = outcome(item)
    metadata["feed"] = kind
    path = item.paths.get(dataset.name)
    if path is not None:
        label = "location" if item.published else "rejected pull kept at"
        metadata[label] = dg.MetadataValue.path(str(path))
    metadata["notes"] = dg.MetadataValue.md("\n".join(f"- {n}" for n in item.notes) or "none")
    findings = [finding for finding in item.findings if finding.dataset == dataset.name]
    if findings:
        failed = sorted(finding.rule.name for finding in findings if not finding.passed)
        metadata["checks failed"] = ", ".join(failed) or "none"
        metadata["checks"] = dg.MetadataValue.md(_checks_table(findings))
    if with_cost:
        metadata.update({f"cost: {name}": value for name, value in sorted(item.cost.items())})
    return metadata


def resumed_week(datasets: tuple[RawDataset, ...], root: Root, window: DateWindow) -> Landed:
    """A week the attempt resumed had published, as its files are now."""
    item = Landed(window=window, published=True, resumed=True)
    for dataset in datasets:
        table = read_partition(root, dataset.name, window.start) if dataset.partitioned else None
        if table is not None:
            item.rows[dataset.name] = table.num_rows
            item.paths[dataset.name] = partition_file(root, dataset.name, window.start)
    return item


def resumed_run_start(context: dg.AssetExecutionContext) -> dt.datetime | None:
    """If this run re-executes a failed one, or this step retries a failed attempt, when
    the first attempt started: what was published since, it landed."""
    root = context.run.tags.get("dagster/root_run_id")
    if root and root != context.run.run_id:
        first = root
    elif context.retry_number > 0:
        first = context.run.run_id
    else:
        return None
    record = context.instance.get_run_record_by_id(first)
    if record is None or record.start_time is None:
        return None
    return dt.datetime.fromtimestamp(record.start_time, tz=dt.UTC)


def build_raw_asset(feed: FeedSpec) -> dg.AssetsDefinition:
    partitions = weekly_partitions if feed.span is None else None

    @dg.multi_asset(
        name=feed.asset_name,
        specs=[
            dg.AssetSpec(
                key=raw_key(dataset),
                description=dataset.description,
                group_name="raw",
                kinds={"python", "parquet"},
                metadata={
                    "dagster/column_schema": _column_schema(dataset),
                    "key": ", ".join(dataset.key),
                },
            )
            for dataset in feed.datasets
        ],
        check_specs=[
            dg.AssetCheckSpec(rule.name, asset=raw_key(dataset), description=rule.description)
            for dataset in feed.datasets
            for rule in rules_of(dataset)
        ],
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        required_resource_keys={
            feed.resource_key,
            "landing_zone",
            "quality_policy",
            "run_start",
        },
        retry_policy=pull_retry_policy(),
    )
    def raw_feed_asset(context: dg.AssetExecutionContext) -> Iterator:
        try:
            source = getattr(context.resources, feed.resource_key).build()
        except FeedConfigError as exc:  # a setting to fix: waiting will not help
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        root = context.resources.landing_zone.path()
        if not isinstance(root, Path):  # fail now, naming the bucket, not on the first write
            try:
                object_store.check_bucket(root, "landing zone")
            except object_store.ObjectStoreError as exc:
                raise dg.Failure(description=str(exc), allow_retries=False) from exc
        policy = context.resources.quality_policy.policy()
        windows: list[DateWindow] = (
            [WeekWindow.from_partition_key(key) for key in context.partition_keys]
            if partitions
            else [feed.span()]
        )
        landed: list[Landed] = []
        resumed = resumed_run_start(context) if partitions else None
        published_before = {
            window.key
            for window in windows
            if resumed is not None
            and (fetched := published_at(root, feed.datasets[0].name, window.start)) is not None
            and fetched >= resumed
        }
        lead_in = lead_in_windows(feed, root, windows[0]) if partitions and windows else []
        for window in lead_in:
            context.log.info(
                f"{feed.asset_name}: landing {window.key} too, the week before the run's "
                f"first, which its first days need"
            )
        plan = getattr(source, "plan", None)
        if plan is not None:  # a live feed then asks for the run's whole span at once
            plan([w for w in [*lead_in, *windows] if w.key not in published_before])
        responses = ResponseStore(root, feed.datasets[0].name)
        for index, window in enumerate([*lead_in, *windows]):
            if window.key in published_before:
                context.log.info(
                    f"{feed.asset_name} {window.key}: published by the attempt resumed"
                )
                landed.append(resumed_week(feed.datasets, root, window))
                continue
            try:
                item = ingest(
                    list(feed.datasets), source, window, root,
                    policy=policy, is_latest=index == len(lead_in) + len(windows) - 1,
                    responses=responses,
                )  # fmt: skip
            except Exception as exc:
                done = ", ".join(item.window.key for item in landed) or "none"
                raise dg.Failure(
                    description=f"{feed.asset_name} {window.start}..{window.end} not landed: {exc}",
                    metadata={"windows landed before the failure": done},
                    allow_retries=is_transient(exc),
                ) from exc
            for note in item.notes:
                context.log.warning(f"{feed.asset_name} {window.key}: {note}")
            for finding in item.rejected_by:
                context.log.error(
                    f"{finding.dataset} {window.key}: {finding.rule.name} failed on "
                    f"{len(finding.failing)} row(s); the week was not published"
                )
            landed.append(item)

        if partitions:  # each week's facts on its own partition, before the result
            run_weeks = {window.key for window in windows}
            for item in landed:
                for dataset in feed.datasets:
                    metadata = week_metadata(
                        dataset, item, source.kind, with_cost=dataset is feed.datasets[0]
                    )
                    if item.window.key in run_weeks:
                        context.add_asset_metadata(
                            metadata, asset_key=raw_key(dataset), partition_key=item.window.key
                        )
                    else:  # a lead-in week: not one of the run's partitions
                        yield dg.AssetMaterialization(
                            asset_key=raw_key(dataset), partition=item.window.key, metadata=metadata
                        )
            context.log.info(
                f"{feed.asset_name}, the run's windows:\n{run_summary(feed.datasets, landed)}"
            )
        for dataset in feed.datasets:
            provided = [item for item in landed if dataset.name in item.paths or item.resumed]
            yield dg.MaterializeResult(
                asset_key=raw_key(dataset),
                metadata=None
                if partitions
                else week_metadata(
                    dataset, landed[0], source.kind, with_cost=dataset is feed.datasets[0]
                ),
            )
            findings = [f for item in landed for f in item.findings if f.dataset == dataset.name]
            for rule in rules_of(dataset):
                mine = [f for f in findings if f.rule.name == rule.name]
                if mine:
                    yield report(raw_key(dataset), rule, mine)
                else:
                    reason = (
                        f"the {source.kind} feed gives no {dataset.name}"
                        if not provided
                        else "not evaluated: the pull broke the contract"
                    )
                    yield not_evaluated(raw_key(dataset), rule, reason)

    return raw_feed_asset


def raw_assets() -> list[dg.AssetsDefinition]:
    """The raw assets, built when the definitions are (their retry policy reads the
    environment then, not at import)."""
    return [build_raw_asset(feed) for feed in feed_specs()]
