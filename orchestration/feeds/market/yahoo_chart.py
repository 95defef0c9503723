"""Parsing the Yahoo Finance v8 chart payload into daily bars and corporate actions, and
restoring the prices as traded from Yahoo's split-adjusted ones.

The live Yahoo client and the demo feed both produce this payload, so both go through
this one parser. Pitfalls it handles (docs/providers.md, Yahoo):
`chart.error` inside a 200, an empty `result`, nulls inside the arrays, an absent
`adjclose`, arrays whose length differs from `timestamp`, fields of the wrong JSON type
(each a `YahooChartError` naming it, never a bare `TypeError`), and timestamps that must
be read in the exchange's time zone, not UTC.

Yahoo's `open`, `high`, `low` and `close` (and the dividend amounts) are split-adjusted
as of the fetch: a bar before a split effective later, up to the day of the fetch, comes
divided by the split's ratio, and its volume multiplied by it. This project lands prices
as traded (the close makes the market cap with the shares in force that day), so
`restore_traded` (and `traded_series` for a whole parsed chart) multiply them back by the
ratios of the splits effective after the bar, given every split known at the fetch.
`adj_close` is left as Yahoo gives it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orchestration.feeds.lib.base import FeedDataError
from orchestration.feeds.lib.parsing import json_number

# A split: effective date, numerator, denominator (numerator / denominator new shares
# per old share, e.g. 10:1).
Split = tuple[dt.date, float, float]

# Decimals a traded price is quoted in, per trading currency: what a restored price is
# rounded to, so that Yahoo's x / ratio (often with float32 noise) times ratio is x again.
PRICE_DECIMALS = {"USD": 2, "CNY": 2, "HKD": 3, "KRW": 0, "TWD": 2}
PRICE_FIELDS = ("open", "high", "low", "close")


class YahooChartError(FeedDataError):
    """The payload reports an error, or is not a chart payload."""


@dataclass
class ChartSeries:
    bars: list[dict[str, Any]] = field(default_factory=list)
    dividends: list[tuple[dt.date, float]] = field(default_factory=list)
    splits: list[Split] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    currency: str | None = None


# Errors that mean "nothing in this window", not a failure (docs/providers.md, Yahoo).
_EMPTY_ERROR_MARKERS = ("Data doesn't exist",)


def _number(value: Any, what: str) -> float | None:
    return json_number(value, what, error=YahooChartError)


def _object(value: Any, what: str, *, default: Any = None) -> Any:
    """`value` if a JSON object; `default` if null or absent; else a `YahooChartError`."""
    if value is None and default is not None:
        return default
    if not isinstance(value, dict):
        raise YahooChartError(f"{what} is not an object: {value!r:.80}")
    return value


def _array(value: Any, what: str) -> list[Any] | None:
    """`value` if a JSON array, None if null or absent; else a `YahooChartError`."""
    if value is None or isinstance(value, list):
        return value
    raise YahooChartError(f"{what} is not an array: {value!r:.80}")


def _first_block(value: Any, what: str) -> dict[str, Any]:
    """The first object of an array of blocks (`indicators.quote`, `.adjclose`), or {}."""
    blocks = _array(value, what)
    if not blocks or blocks[0] is None:
        return {}
    return _object(blocks[0], f"{what}[0]")


def _day(stamp: Any, zone: ZoneInfo, what: str) -> dt.date:
    if isinstance(stamp, bool) or not isinstance(stamp, int):
        raise YahooChartError(f"{what} is not an integer: {stamp!r}")
    try:
        return dt.datetime.fromtimestamp(stamp, tz=zone).date()
    except (OverflowError, OSError, ValueError):
        raise YahooChartError(f"{what} {stamp} is not a plausible epoch second") from None


def _event_day(event: Any, zone: ZoneInfo, what: str) -> tuple[dt.date, dict[str, Any]]:
    if not isinstance(event, dict):
        raise YahooChartError(f"{what}: event is not an object: {event!r}")
    stamp = event.get("date")
    if isinstance(stamp, bool) or not isinstance(stamp, int):
        raise YahooChartError(f"{what}: event date {stamp!r} is not epoch seconds")
    return _day(stamp, zone, f"{what}: event date"), event


def _positive(value: Any, what: str) -> float:
    number = _number(value, what)
    if number is None or number <= 0:
        raise YahooChartError(f"{what}: {value!r} is not a positive number")
    return number


def _zone(meta: dict[str, Any], symbol: str) -> ZoneInfo:
    name = meta.get("exchangeTimezoneName")
    if not name:
        raise YahooChartError(f"{symbol}: meta.exchangeTimezoneName is missing")
    if not isinstance(name, str):
        raise YahooChartError(f"{symbol}: meta.exchangeTimezoneName {name!r} is not a string")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise YahooChartError(
            f"{symbol}: meta.exchangeTimezoneName {name!r} is not a time zone"
        ) from None


def parse_chart(payload: Any, symbol: str) -> ChartSeries:
    """Bars (keyed by the Wind `symbol`) and events from one chart payload."""
    if not isinstance(payload, dict):
        raise YahooChartError(f"{symbol}: chart payload is not a JSON object")
    if "chart" not in payload and "code" in payload:  # bare 400 error body
        payload = {"chart": {"result": None, "error": payload}}
    chart = payload.get("chart")
    if not isinstance(chart, dict):
        raise YahooChartError(f"{symbol}: payload has no 'chart' object")
    error = chart.get("error")
    if error:
        description = (
            str(error.get("description", error)) if isinstance(error, dict) else str(error)
        )
        if any(marker in description for marker in _EMPTY_ERROR_MARKERS):
            return ChartSeries(notes=[f"{symbol}: no data in the window ({description})"])
        raise YahooChartError(f"{symbol}: Yahoo chart error: {description}")
    results = _array(chart.get("result"), f"{symbol}: chart.result")
    if not results:
        return ChartSeries(notes=[f"{symbol}: empty chart result"])
    result = results[0]
    if not isinstance(result, dict):
        raise YahooChartError(f"{symbol}: chart.result[0] is not an object")
    meta = _object(result.get("meta"), f"{symbol}: meta", default={})
    zone = _zone(meta, symbol)
    currency = meta.get("currency")
    if currency is not None and not isinstance(currency, str):
        raise YahooChartError(f"{symbol}: meta.currency {currency!r} is not a string")
    series = ChartSeries(currency=currency)

    timestamps = _array(result.get("timestamp"), f"{symbol}: timestamp") or []
    indicators = _object(result.get("indicators"), f"{symbol}: indicators", default={})
    quotes = _first_block(indicators.get("quote"), f"{symbol}: indicators.quote")
    adjclose = _first_block(indicators.get("adjclose"), f"{symbol}: indicators.adjclose")
    columns = {
        name: _array(quotes.get(name), f"{symbol}: indicators.quote[0].{name}")
        for name in ("open", "high", "low", "close", "volume")
    }
    columns["adj_close"] = _array(adjclose.get("adjclose"), f"{symbol}: adjclose")
    for name, values in columns.items():
        if values is None:
            if name == "close" and timestamps:
                raise YahooChartError(f"{symbol}: indicators.quote has no 'close' array")
            continue
        if len(values) != len(timestamps):
            raise YahooChartError(
                f"{symbol}: {name} has {len(values)} values for {len(timestamps)} timestamps"
            )

    skipped = 0
    for i, stamp in enumerate(timestamps):
        day = _day(stamp, zone, f"{symbol}: timestamp {i}")
        values = {
            name: (_number(vals[i], f"{symbol} {day} {name}") if vals is not None else None)
            for name, vals in columns.items()
        }
        if values["close"] is None:
            skipped += 1
            continue
        series.bars.append({"symbol": symbol, "date": day, "currency": currency, **values})
    if skipped:
        series.notes.append(f"{symbol}: {skipped} bar(s) without a close skipped")

    events = _object(result.get("events"), f"{symbol}: events", default={})
    dividends = _object(events.get("dividends"), f"{symbol}: events.dividends", default={})
    for raw_event in dividends.values():
        day, event = _event_day(raw_event, zone, f"{symbol} dividend")
        amount = _positive(event.get("amount"), f"{symbol} dividend on {day}: amount")
        series.dividends.append((day, amount))
    splits = _object(events.get("splits"), f"{symbol}: events.splits", default={})
    for raw_event in splits.values():
        day, event = _event_day(raw_event, zone, f"{symbol} split")
        what = f"{symbol} split on {day}"
        series.splits.append(
            (
                day,
                _positive(event.get("numerator"), f"{what}: numerator"),
                _positive(event.get("denominator"), f"{what}: denominator"),
            )
        )
    series.dividends.sort()
    series.splits.sort()
    return series


def corporate_action_rows(series: ChartSeries, symbol: str) -> list[dict[str, Any]]:
    """The chart's events as raw/corporate_actions rows (split value: new shares per old)."""
    rows = [
        {"symbol": symbol, "date": day, "action": "dividend", "value": amount}
        for day, amount in series.dividends
    ]
    for day, numerator, denominator in series.splits:
        if not numerator or not denominator:
            raise YahooChartError(f"{symbol} split on {day}: {numerator}:{denominator}")
        rows.append(
            {"symbol": symbol, "date": day, "action": "split", "value": numerator / denominator}
        )
    return rows


# --- prices as traded -------------------------------------------------------------------


def merge_splits(*sources: Iterable[Split]) -> list[Split]:
    """The splits of several sources (a week's chart, a split history), one per date,
    oldest first; the first source to give a date wins."""
    merged: dict[dt.date, Split] = {}
    for source in sources:
        for split in source:
            merged.setdefault(split[0], split)
    return sorted(merged.values())


def split_factor(day: dt.date, splits: Iterable[Split]) -> float:
    """The product of the ratios (numerator / denominator) of the splits effective after
    `day`: what Yahoo divided that day's prices by. 1.0 if none."""
    factor = 1.0
    for effective, numerator, denominator in sorted(splits):
        if not (numerator > 0 and denominator > 0 and math.isfinite(numerator / denominator)):
            raise YahooChartError(f"split on {effective}: {numerator}:{denominator}")
        if effective > day:
            factor *= numerator / denominator
    return factor


def _clean(value: float, decimals: int | None) -> float:
    """A restored number without the float noise of x / r * r: rounded to `decimals`, or
    to 12 significant digits when they are not known."""
    if decimals is not None:
        return round(value, decimals)
    return float(f"{value:.12g}")


def restore_traded(
    bars: Iterable[Mapping[str, Any]], splits: Iterable[Split], *, decimals: int | None = None
) -> list[dict[str, Any]]:
    """Bars as traded from Yahoo's split-adjusted ones, given every split known at the
    fetch (effective date up to the fetch).

    Each bar's open, high, low and close are multiplied by the product of the ratios of
    the splits effective after the bar's date and rounded (`_clean`: to `decimals`, the
    price's decimals in its currency, else to 12 significant digits); its volume is
    divided by that product and rounded to whole shares. `adj_close` is left as Yahoo
    gives it. With `decimals`, every bar's prices are rounded, split or not (Yahoo's
    float32 noise: 243.6999969482422 is 243.7), so a price lands the same whether or not
    a split was restored; without, a bar with no later split comes back unchanged (as a
    new dict).
    """
    known = sorted(splits)
    restored = []
    for bar in bars:
        row = dict(bar)
        factor = split_factor(row["date"], known)
        if factor != 1.0 or decimals is not None:
            for name in PRICE_FIELDS:
                if row.get(name) is not None:
                    row[name] = _clean(row[name] * factor, decimals)
        if factor != 1.0 and row.get("volume") is not None:
            row["volume"] = float(round(row["volume"] / factor))
        restored.append(row)
    return restored


def restore_dividends(
    dividends: Iterable[tuple[dt.date, float]], splits: Iterable[Split]
) -> list[tuple[dt.date, float]]:
    """Dividend amounts as paid per share at the time, from Yahoo's split-adjusted ones:
    each multiplied by the ratios of the splits effective after its ex-date."""
    known = sorted(splits)
    result = []
    for day, amount in dividends:
        factor = split_factor(day, known)
        result.append((day, amount if factor == 1.0 else _clean(amount * factor, None)))
    return result


def traded_series(
    series: ChartSeries, known_splits: Iterable[Split], *, decimals: int | None = None
) -> ChartSeries:
    """`series` with its bars and dividends as traded (`restore_traded`,
    `restore_dividends`), given the splits known at the fetch; the series' own splits
    are counted too. Events keep their dates; `splits` stay the week's own."""
    known = merge_splits(series.splits, known_splits)
    return dataclasses.replace(
        series,
        bars=restore_traded(series.bars, known, decimals=decimals),
        dividends=restore_dividends(series.dividends, known),
    )


def price_decimals(currency: str | None) -> int | None:
    """The decimals a price in `currency` is quoted in, None if this project has none."""
    return PRICE_DECIMALS.get(currency or "")
