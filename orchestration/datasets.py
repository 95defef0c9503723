"""The raw datasets compute-weekly lands: their names, columns, types and keys.

A dataset's schema is its contract with dbt (`dbt_project/models/sources.yml` reads the
same columns). Provenance columns (`source`, `source_ref`, `fetched_at`) are added by the
landing step, not by feeds, so every dataset carries them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

PROVENANCE_FIELDS = (
    pa.field("source", pa.string(), nullable=False),  # feed kind: demo, csv, yahoo, ...
    pa.field("source_ref", pa.string()),  # file name or endpoint, never a secret
    pa.field("fetched_at", pa.timestamp("us", tz="UTC"), nullable=False),
)


@dataclass(frozen=True)
class RawDataset:
    name: str  # asset key raw/<name>, folder raw/<name>/, dbt source raw.<name>
    description: str
    data_fields: tuple[pa.Field, ...]
    key: tuple[str, ...]  # one row per key per partition
    date_column: str = "date"  # the day a row belongs to; it decides the week
    partitioned: bool = True  # weekly partitions; False: one file for the whole span

    @property
    def data_schema(self) -> pa.Schema:
        return pa.schema(self.data_fields)

    @property
    def schema(self) -> pa.Schema:
        return pa.schema(self.data_fields + PROVENANCE_FIELDS)


MARKET_BARS = RawDataset(
    name="market_bars",
    description=(
        "Daily bars of every watchlist listing, one row per listing per trading day: "
        "open, high, low, close as traded (unadjusted), adjusted close where the feed gives "
        "one, volume, trading currency, and shares outstanding where the feed knows them."
    ),
    data_fields=(
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("open", pa.float64()),
        pa.field("high", pa.float64()),
        pa.field("low", pa.float64()),
        pa.field("close", pa.float64(), nullable=False),
        pa.field("adj_close", pa.float64()),
        pa.field("volume", pa.float64()),
        pa.field("currency", pa.string(), nullable=False),
        pa.field("shares_outstanding", pa.float64()),
    ),
    key=("symbol", "date"),
)

CORPORATE_ACTIONS = RawDataset(
    name="corporate_actions",
    description=(
        "Dividend and split events of the watchlist's listings, as the market feed reports "
        "them: a dividend's amount per share in the trading currency on its ex-date, a "
        "split's ratio (new shares per old) on its effective date. dbt derives adjustment "
        "factors from them."
    ),
    data_fields=(
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("action", pa.string(), nullable=False),  # dividend | split
        pa.field("value", pa.float64(), nullable=False),
    ),
    key=("symbol", "date", "action"),
)

FX_RATES = RawDataset(
    name="fx_rates",
    description="Daily FX: units of each currency per 1 USD, on the days the source quotes.",
    data_fields=(
        pa.field("date", pa.date32(), nullable=False),
        pa.field("currency", pa.string(), nullable=False),
        pa.field("units_per_usd", pa.float64(), nullable=False),
    ),
    key=("currency", "date"),
)

WEB_TRAFFIC = RawDataset(
    name="web_traffic",
    description=(
        "Estimated visits per tracked site per day (Similarweb-style, floats kept), with the "
        "domain measured and the site's category (text, image or video)."
    ),
    data_fields=(
        pa.field("site_id", pa.string(), nullable=False),
        pa.field("domain", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("visits", pa.float64(), nullable=False),
        pa.field("data_last_updated", pa.date32()),  # provider's meta.last_updated
    ),
    key=("site_id", "date"),
)

APP_DOWNLOADS = RawDataset(
    name="app_downloads",
    description="Estimated downloads per tracked app per day and platform (Qimai-style).",
    data_fields=(
        pa.field("app_id", pa.string(), nullable=False),
        pa.field("platform", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("downloads", pa.float64(), nullable=False),
    ),
    key=("app_id", "platform", "date"),
)

EXCHANGE_SESSIONS = RawDataset(
    name="exchange_sessions",
    description=(
        "Trading sessions of every exchange on the watchlist (from exchange_calendars), from "
        "the year before the first week to the week after today, landed whole on every run "
        "so no week's base session can be missing. `is_fallback` marks weekdays assumed "
        "past a calendar's horizon."
    ),
    partitioned=False,
    data_fields=(
        pa.field("exchange", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("calendar_code", pa.string(), nullable=False),
        pa.field("is_fallback", pa.bool_(), nullable=False),
    ),
    key=("exchange", "date"),
)

GPU_PRICES = RawDataset(
    name="gpu_prices",
    description=(
        "One price per GPU card (the gpu_products seed), condition (new, used), marketplace "
        "and day, in the marketplace's currency: the last price at which the card was "
        "offered that day (marketplace-local date). A feed of price-change events (Keepa) "
        "carries the last known price forward to days without a change and marks them "
        "`is_carried_forward`; `price_since` is the day the price was set. A day without "
        "any offer has no row."
    ),
    data_fields=(
        pa.field("product_id", pa.string(), nullable=False),
        pa.field("condition", pa.string(), nullable=False),  # new | used
        pa.field("marketplace", pa.string(), nullable=False),  # amazon.com, ...
        pa.field("date", pa.date32(), nullable=False),
        pa.field("price", pa.float64(), nullable=False),  # currency units, not cents
        pa.field("currency", pa.string(), nullable=False),
        pa.field("is_carried_forward", pa.bool_(), nullable=False),
        pa.field("price_since", pa.date32()),  # the day the price was set (None: unknown)
    ),
    key=("product_id", "condition", "marketplace", "date"),
)

RELEASE_EVENTS = RawDataset(
    name="release_events",
    description=(
        "AI product releases kept by analysts in data/release_events.csv: the local date "
        "and time as announced with its IANA time zone, vendor, product, highlight (English, "
        "and Chinese where the report has it) and a source URL. Landed whole on every run, "
        "so an edit to any event reaches the marts at the next run."
    ),
    partitioned=False,
    date_column="local_date",
    data_fields=(
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("vendor", pa.string(), nullable=False),
        pa.field("product", pa.string(), nullable=False),
        pa.field("product_zh", pa.string()),
        pa.field("highlight", pa.string(), nullable=False),
        pa.field("highlight_zh", pa.string()),
        pa.field("local_date", pa.date32(), nullable=False),
        pa.field("local_time", pa.string()),  # HH:MM as announced; None: time not known
        pa.field("time_zone", pa.string(), nullable=False),  # IANA, e.g. America/Los_Angeles
        pa.field("source_url", pa.string()),  # checked by the has_source rule
    ),
    key=("event_id",),
)

RAW_DATASETS = (
    MARKET_BARS,
    CORPORATE_ACTIONS,
    FX_RATES,
    WEB_TRAFFIC,
    APP_DOWNLOADS,
    EXCHANGE_SESSIONS,
    GPU_PRICES,
    RELEASE_EVENTS,
)
