"""The dbt seeds that Python needs too: watchlist, exchanges, sites, apps and GPU cards.

The seed CSVs under `dbt_project/seeds/` are the one place these lists live. dbt loads
them into the warehouse; the feeds read them here to know what to fetch.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from orchestration.settings import SEEDS_DIR


def _read(name: str, seeds_dir: Path = SEEDS_DIR) -> list[dict[str, str]]:
    with (seeds_dir / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Exchange:
    exchange: str  # MIC-style code, e.g. XSHE
    wind_suffix: str  # e.g. SZ
    calendar_code: str  # exchange_calendars name; Shenzhen trades on the XSHG calendar
    timezone: str
    currency: str


@dataclass(frozen=True)
class Listing:
    symbol: str  # Wind code, e.g. 688256.SH
    sector: str
    company_zh: str
    company_en: str
    exchange: str
    currency: str  # trading currency
    report_unit: str  # currency exhibit 1 reports the market cap in


@dataclass(frozen=True)
class SiteDomain:
    site_id: str
    domain: str
    category: str
    valid_from: dt.date
    valid_to: dt.date | None  # exclusive; None = still current


@dataclass(frozen=True)
class App:
    app_id: str
    display_name: str
    platform: str
    store_app_id: str | None
    tracked_from: dt.date


@cache
def exchanges() -> dict[str, Exchange]:
    return {
        row["exchange"]: Exchange(
            exchange=row["exchange"],
            wind_suffix=row["wind_suffix"],
            calendar_code=row["calendar_code"],
            timezone=row["timezone"],
            currency=row["currency"],
        )
        for row in _read("exchanges")
    }


@cache
def watchlist() -> tuple[Listing, ...]:
    rows = sorted(_read("watchlist"), key=lambda row: int(row["display_order"]))
    return tuple(
        Listing(
            symbol=row["symbol"],
            sector=row["sector"],
            company_zh=row["company_zh"],
            company_en=row["company_en"],
            exchange=row["exchange"],
            currency=row["currency"],
            report_unit=row["report_unit"],
        )
        for row in rows
    )


def watchlist_currencies() -> list[str]:
    """Every non-USD currency a watchlist listing trades or reports in: the FX the marts need."""
    found = {listing.currency for listing in watchlist()}
    found |= {listing.report_unit for listing in watchlist()}
    return sorted(found - {"USD"})


@cache
def site_domains() -> tuple[SiteDomain, ...]:
    """Each tracked site's domains with their validity, clipped to when tracking starts."""
    sites = {row["site_id"]: row for row in _read("sites")}
    result = []
    for row in _read("site_domains"):
        site = sites[row["site_id"]]
        tracked_from = dt.date.fromisoformat(site["tracked_from"])
        valid_from = max(dt.date.fromisoformat(row["valid_from"]), tracked_from)
        result.append(
            SiteDomain(
                site_id=row["site_id"],
                domain=row["domain"],
                category=site["category"],
                valid_from=valid_from,
                valid_to=_date(row["valid_to"]),
            )
        )
    return tuple(result)


@cache
def apps() -> tuple[App, ...]:
    return tuple(
        App(
            app_id=row["app_id"],
            display_name=row["display_name"],
            platform=row["platform"],
            store_app_id=row["store_app_id"] or None,
            tracked_from=dt.date.fromisoformat(row["tracked_from"]),
        )
        for row in _read("apps")
    )


@cache
def listing_shares() -> dict[str, tuple[tuple[dt.date, float], ...]]:
    """Shares outstanding per listing as (effective_date, shares) steps, oldest first."""
    steps: dict[str, list[tuple[dt.date, float]]] = {}
    for row in _read("listing_shares"):
        steps.setdefault(row["symbol"], []).append(
            (dt.date.fromisoformat(row["effective_date"]), float(row["shares_outstanding"]))
        )
    return {symbol: tuple(sorted(values)) for symbol, values in steps.items()}


def shares_on(symbol: str, day: dt.date) -> float | None:
    """Shares outstanding in force on `day`: the latest step effective on or before it."""
    in_force = [
        shares for effective, shares in listing_shares().get(symbol, ()) if effective <= day
    ]
    return in_force[-1] if in_force else None


@dataclass(frozen=True)
class GpuProduct:
    product_id: str
    display_name: str
    vendor: str
    family: str  # H100, A100, ...
    memory_gb: int
    form_factor: str  # PCIe, SXM


@dataclass(frozen=True)
class GpuListing:
    """Where one card's price is observed: a marketplace, and its ASIN there (if pinned)."""

    product_id: str
    marketplace: str  # amazon.com, amazon.de, ... (any name for a csv export)
    asin: str | None  # the Amazon ASIN a live Keepa feed asks for; never guessed
    tracked_from: dt.date


@cache
def gpu_products() -> dict[str, GpuProduct]:
    return {
        row["product_id"]: GpuProduct(
            product_id=row["product_id"],
            display_name=row["display_name"],
            vendor=row["vendor"],
            family=row["family"],
            memory_gb=int(row["memory_gb"]),
            form_factor=row["form_factor"],
        )
        for row in _read("gpu_products")
    }


@cache
def gpu_listings() -> tuple[GpuListing, ...]:
    return tuple(
        GpuListing(
            product_id=row["product_id"],
            marketplace=row["marketplace"],
            asin=row["asin"].strip() or None,
            tracked_from=dt.date.fromisoformat(row["tracked_from"]),
        )
        for row in _read("gpu_listings")
    )
