"""Parsing Keepa `product` answers (`history=1`) into one price per card, condition and day.

camelcamelcamel has no API (docs/providers.md, Keepa); Keepa is the API-grade source of the same
Amazon price histories. Its answer, as this module reads it:

    {"timestamp": ..., "tokensLeft": 1199, "tokensConsumed": 1, ...,
     "products": [{"asin": "B0...", "domainId": 1, "productType": 0,
                   "lastUpdate": 7377840, "csv": [null, [7370000, 2849999, ...], [...]]}]}

- Times are "Keepa minutes": `unix_ms = (keepa_minutes + 21564000) * 60000` (minutes since
  2011-01-01 00:00 UTC).
- `csv` holds one price history per series, by index: 0 AMAZON (Amazon itself selling),
  1 NEW (the lowest new offer on the marketplace, Amazon included), 2 USED (the lowest
  used offer), then others this project does not read. Each history is a flat array of
  `[time, price, time, price, ...]`: a price change at that time, in the currency's minor
  unit (cents; yen on amazon.co.jp), -1 meaning no offer from then on. A series with no
  history is null (or the array is shorter). `new` comes from NEW, `used` from USED.
- `lastUpdate` is when Keepa last refreshed the product: prices are known up to then.
- `productType` 0 is a normal product; 3 (UNACCESSIBLE: prices hidden, e.g. minimum
  advertised price) has no price data; 4 (INVALID: invalid or deprecated ASIN) and
  5 (VARIATION_PARENT: a parent, not a card) cannot be priced at all.

From the irregular change events to one price per day (`daily_prices`), in the
marketplace's own time zone (amazon.com: America/Los_Angeles): a day's price is the last
price at which the card was offered at any moment of the day, i.e. the last valid change
made that day, else the price in force when the day began. A day on which no change was
made carries the earlier price forward and is marked `is_carried_forward`, with
`price_since` the day it was set; a day on which there was no offer at all has no row. Days
after the day of `lastUpdate` are not landed: nothing is known about them yet.

Anything else is a `FeedDataError` naming the product and the field: a series of odd
length, a time or price that is not an integer, times going backwards, a price below -1.
A price of 0 is passed on for the `positive_prices` check to reject.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from orchestration import seeds
from orchestration.feeds.lib.base import FeedDataError
from orchestration.partitions import DateWindow

KEEPA_EPOCH_OFFSET_MINUTES = 21_564_000  # 2011-01-01 00:00 UTC in Unix minutes
NO_OFFER = -1
# The csv series each condition is read from.
CONDITION_SERIES = {"new": 1, "used": 2}
UNACCESSIBLE, INVALID, VARIATION_PARENT = 3, 4, 5
PRODUCT_TYPES = {
    UNACCESSIBLE: "UNACCESSIBLE: Keepa has no price data (prices hidden, e.g. a minimum "
    "advertised price)",
    INVALID: "INVALID: an invalid or deprecated ASIN",
    VARIATION_PARENT: "VARIATION_PARENT: a parent ASIN of variations, not a card; pin the "
    "ASIN of the card itself",
}


class KeepaError(FeedDataError):
    """Keepa answered with an error, or about a product that cannot be priced."""


@dataclass(frozen=True)
class Marketplace:
    """An Amazon marketplace as Keepa knows it."""

    name: str  # as in the gpu_listings seed
    domain_id: int  # Keepa's `domain`
    currency: str
    time_zone: str  # the marketplace's days
    minor_units: int  # Keepa's integer prices per unit of currency


# Keepa domain ids (1 com, 2 co.uk, 3 de, 4 fr, 5 co.jp, 6 ca, 8 it, 9 es); prices are in
# cents except on amazon.co.jp, where they are in yen (Keepa's Product.csv documentation).
MARKETPLACES = {
    market.name: market
    for market in (
        Marketplace("amazon.com", 1, "USD", "America/Los_Angeles", 100),
        Marketplace("amazon.co.uk", 2, "GBP", "Europe/London", 100),
        Marketplace("amazon.de", 3, "EUR", "Europe/Berlin", 100),
        Marketplace("amazon.fr", 4, "EUR", "Europe/Paris", 100),
        Marketplace("amazon.co.jp", 5, "JPY", "Asia/Tokyo", 1),
        Marketplace("amazon.ca", 6, "CAD", "America/Toronto", 100),
        Marketplace("amazon.it", 8, "EUR", "Europe/Rome", 100),
        Marketplace("amazon.es", 9, "EUR", "Europe/Madrid", 100),
    )
}


def marketplace(name: str) -> Marketplace:
    """The Keepa marketplace of a listing, or `KeyError` naming the ones known."""
    try:
        return MARKETPLACES[name]
    except KeyError:
        raise KeyError(
            f"{name!r} is not an Amazon marketplace Keepa serves here; "
            f"use one of {', '.join(MARKETPLACES)}"
        ) from None


def keepa_time(minutes: int) -> dt.datetime:
    """A Keepa minute as an aware UTC datetime."""
    return dt.datetime.fromtimestamp((minutes + KEEPA_EPOCH_OFFSET_MINUTES) * 60, tz=dt.UTC)


def keepa_minutes(moment: dt.datetime) -> int:
    """An aware datetime as Keepa minutes (whole minutes, rounded down)."""
    return int(moment.timestamp() // 60) - KEEPA_EPOCH_OFFSET_MINUTES


@dataclass(frozen=True)
class PriceEvent:
    at: dt.datetime  # UTC
    price: float | None  # in currency units; None: no offer from then on


@dataclass(frozen=True)
class DailyPrice:
    day: dt.date
    price: float
    is_carried_forward: bool
    price_since: dt.date


def _integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FeedDataError(f"{where}: {value!r} is not an integer")
    return value


def price_events(series: Any, where: str, *, minor_units: int) -> list[PriceEvent]:
    """The change events of one `csv` series, oldest first; [] for a null series."""
    if series is None:
        return []
    if not isinstance(series, list):
        raise FeedDataError(f"{where}: expected an array of [time, price, ...], got {series!r:.60}")
    if len(series) % 2:
        raise FeedDataError(f"{where}: {len(series)} values, not [time, price] pairs")
    events: list[PriceEvent] = []
    previous = None
    for i in range(0, len(series), 2):
        minutes = _integer(series[i], f"{where} value {i} (Keepa minutes)")
        price = _integer(series[i + 1], f"{where} value {i + 1} (price)")
        if previous is not None and minutes < previous:
            raise FeedDataError(f"{where} value {i}: time {minutes} goes back from {previous}")
        if price < NO_OFFER:
            raise FeedDataError(f"{where} value {i + 1}: price {price} is not a price or -1")
        previous = minutes
        events.append(
            PriceEvent(keepa_time(minutes), None if price == NO_OFFER else price / minor_units)
        )
    return events


def daily_prices(
    events: Sequence[PriceEvent], days: Sequence[dt.date], zone: ZoneInfo
) -> list[DailyPrice]:
    """One price per day of `days` (ascending) with an offer, from change events (oldest
    first): the last valid change made that day, else the price in force when the day
    began (carried forward). See the module docstring."""
    result = []
    index = 0
    in_force: PriceEvent | None = None
    for day in days:
        start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        while index < len(events) and events[index].at < start:
            in_force = events[index]
            index += 1
        at_start = in_force
        changed = None
        while index < len(events) and events[index].at < end:
            in_force = events[index]
            if in_force.price is not None:
                changed = in_force
            index += 1
        if changed is not None:
            assert changed.price is not None
            result.append(DailyPrice(day, changed.price, False, day))
        elif at_start is not None and at_start.price is not None:
            since = at_start.at.astimezone(zone).date()
            result.append(DailyPrice(day, at_start.price, True, since))
    return result


def keepa_error(payload: Any) -> str | None:
    """The `error` Keepa put in an answer ('type: message'), or None if there is none."""
    if not isinstance(payload, dict) or not payload.get("error"):
        return None
    error = payload["error"]
    if isinstance(error, dict):
        parts = [str(error[name]) for name in ("type", "message", "details") if error.get(name)]
        return ": ".join(parts) or repr(error)
    return str(error)


def find_product(payload: Any, asin: str) -> dict[str, Any] | None:
    """The product object for `asin` in a `product` answer, None if it is not there."""
    if not isinstance(payload, dict):
        raise FeedDataError(f"Keepa: expected a JSON object, got {type(payload).__name__}")
    error = keepa_error(payload)
    if error:
        raise KeepaError(f"Keepa: error in the answer: {error}")
    products = payload.get("products")
    if not isinstance(products, list):
        raise FeedDataError("Keepa: 'products' is missing or not an array")
    for i, product in enumerate(products):
        if not isinstance(product, dict):
            raise FeedDataError(f"Keepa: products[{i}] is not an object")
        if product.get("asin") == asin:
            return product
    return None


def parse_prices(
    product: dict[str, Any], *, listing: seeds.GpuListing, window: DateWindow
) -> tuple[list[dict[str, Any]], list[str]]:
    """gpu_prices rows of one listing for the days of `window` (those before its
    `tracked_from` excluded), and notes, from its Keepa product object."""
    where = f"Keepa {listing.marketplace} {product.get('asin')} ({listing.product_id})"
    try:
        market = marketplace(listing.marketplace)
    except KeyError as exc:
        raise FeedDataError(f"{where}: {exc.args[0]}") from None
    domain = product.get("domainId", market.domain_id)
    if domain != market.domain_id:
        raise FeedDataError(f"{where}: domainId {domain!r}, not {market.domain_id}")
    product_type = _integer(product.get("productType", 0), f"{where} productType")
    if product_type in (INVALID, VARIATION_PARENT):
        raise KeepaError(f"{where}: productType {product_type} ({PRODUCT_TYPES[product_type]})")
    if product_type == UNACCESSIBLE:
        return [], [f"{where}: productType 3 ({PRODUCT_TYPES[UNACCESSIBLE]}); no prices"]
    zone = ZoneInfo(market.time_zone)
    last_update = keepa_time(_integer(product.get("lastUpdate"), f"{where} lastUpdate"))
    known_through = last_update.astimezone(zone).date()
    first = max(window.start, listing.tracked_from)
    days = [day for day in window.days() if first <= day <= known_through]
    notes = []
    if any(day > known_through for day in window.days()):
        notes.append(
            f"{where}: Keepa last updated the product on {known_through}; later days of "
            f"{window.start}..{window.end - dt.timedelta(days=1)} are not landed"
        )
    history = product.get("csv")
    if history is None:
        return [], [*notes, f"{where}: Keepa has no price history for it (csv is null)"]
    if not isinstance(history, list):
        raise FeedDataError(f"{where}: csv is not an array")
    rows = []
    for condition, index in CONDITION_SERIES.items():
        series = history[index] if index < len(history) else None
        events = price_events(
            series, f"{where} csv[{index}] ({condition})", minor_units=market.minor_units
        )
        for price in daily_prices(events, days, zone):
            rows.append(
                {
                    "product_id": listing.product_id,
                    "condition": condition,
                    "marketplace": listing.marketplace,
                    "date": price.day,
                    "price": price.price,
                    "currency": market.currency,
                    "is_carried_forward": price.is_carried_forward,
                    "price_since": price.price_since,
                }
            )
    return rows, notes
