"""The raw assets: one asset per raw dataset, all built by one factory.

A weekly asset lands every week of its run's partition range (a single run covers a whole
backfill) through `ingest.ingest`, then reports rows, notes and paths per week. A dataset
landed whole (exchange sessions) lands its span in one piece on every run.
"""

from collections.abc import Callable

import dagster as dg

from orchestration.datasets import (
    APP_DOWNLOADS,
    EXCHANGE_SESSIONS,
    FX_RATES,
    MARKET_BARS,
    WEB_TRAFFIC,
    RawDataset,
)
from orchestration.feeds.sessions import session_span
from orchestration.ingest import Landed, ingest
from orchestration.partitions import DateWindow, WeekWindow, weekly_partitions


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


def _summary(landed: list[Landed]) -> str:
    lines = ["| window | rows | notes |", "|---|---:|---|"]
    for item in landed:
        notes = "<br>".join(item.notes) if item.notes else ""
        lines.append(f"| {item.window.start}..{item.window.end} | {item.rows} | {notes} |")
    return "\n".join(lines)


def build_raw_asset(
    dataset: RawDataset,
    feed_resource_key: str,
    span: Callable[[], DateWindow] | None = None,
) -> dg.AssetsDefinition:
    """A raw asset landing `dataset` from the feed behind `feed_resource_key`.

    Weekly-partitioned if the dataset is partitioned; otherwise landed whole over `span()`.
    """
    if dataset.partitioned == (span is not None):
        raise ValueError(f"{dataset.name}: a span is for, and only for, unpartitioned datasets")

    @dg.asset(
        key=dg.AssetKey(["raw", dataset.name]),
        description=dataset.description,
        partitions_def=weekly_partitions if dataset.partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name="raw",
        kinds={"python", "parquet"},
        required_resource_keys={feed_resource_key, "landing_zone"},
        metadata={"dagster/column_schema": _column_schema(dataset), "key": ", ".join(dataset.key)},
    )
    def raw_asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        feed = getattr(context.resources, feed_resource_key).build()
        root = context.resources.landing_zone.path()
        windows: list[DateWindow] = (
            [WeekWindow.from_partition_key(key) for key in context.partition_keys]
            if dataset.partitioned
            else [span()]
        )
        landed: list[Landed] = []
        for window in windows:
            try:
                result = ingest(dataset, feed, window, root)
            except Exception as exc:
                done = ", ".join(item.window.key for item in landed) or "none"
                raise dg.Failure(
                    description=f"{dataset.name} {window.start}..{window.end} not landed: {exc}",
                    metadata={"weeks landed before the failure": done},
                ) from exc
            for note in result.notes:
                context.log.warning(f"{dataset.name} {window.key}: {note}")
            landed.append(result)
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": sum(item.rows for item in landed),
                "windows": len(landed),
                "feed": feed.kind,
                "location": dg.MetadataValue.path(str(root / dataset.name)),
                "landed": dg.MetadataValue.md(_summary(landed)),
                "notes": sum(len(item.notes) for item in landed),
            }
        )

    return raw_asset


RAW_ASSETS = [
    build_raw_asset(MARKET_BARS, "market_feed"),
    build_raw_asset(FX_RATES, "fx_feed"),
    build_raw_asset(WEB_TRAFFIC, "traffic_feed"),
    build_raw_asset(APP_DOWNLOADS, "downloads_feed"),
    build_raw_asset(EXCHANGE_SESSIONS, "sessions_feed", span=session_span),
]
