"""Parsing the Yahoo Finance v8 chart payload into daily bars and corporate actions.

The live Yahoo client and the demo feed both produce this payload, so both go through
this one parser. Pitfalls it handles (see ../shared/providers/CONTRACTS.md, 3.1):
`chart.error` inside a 200, an empty `result`, nulls inside the arrays, an absent
`adjclose`, arrays whose length differs from `timestamp`, and timestamps that must be
read in the exchange's time zone, not UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from orchestration.feeds.base import FeedDataError
from orchestration.feeds.parsing import json_number


class YahooChartError(FeedDataError):
    """The payload reports an error, or is not a chart payload."""


@dataclass
class ChartSeries:
    bars: list[dict[str, Any]] = field(default_factory=list)
    dividends: list[tuple[dt.date, float]] = field(default_factory=list)
    splits: list[tuple[dt.date, float, float]] = field(default_factory=list)  # date, num, den
    notes: list[str] = field(default_factory=list)
    currency: str | None = None


# Errors that mean "nothing in this window", not a failure (CONTRACTS.md 3.1).
_EMPTY_ERROR_MARKERS = ("Data doesn't exist",)


def _number(value: Any, what: str) -> float | None:
    return json_number(value, what, error=YahooChartError)


def _event_day(event: Any, zone: ZoneInfo, what: str) -> tuple[dt.date, dict[str, Any]]:
    if not isinstance(event, dict):
        raise YahooChartError(f"{what}: event is not an object: {event!r}")
    stamp = event.get("date")
    if isinstance(stamp, bool) or not isinstance(stamp, int):
        raise YahooChartError(f"{what}: event date {stamp!r} is not epoch seconds")
    return dt.datetime.fromtimestamp(stamp, tz=zone).date(), event


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
    results = chart.get("result")
    if not results:
        return ChartSeries(notes=[f"{symbol}: empty chart result"])
    result = results[0]
    if not isinstance(result, dict):
        raise YahooChartError(f"{symbol}: chart.result[0] is not an object")
    meta = result.get("meta") or {}
    zone_name = meta.get("exchangeTimezoneName")
    if not zone_name:
        raise YahooChartError(f"{symbol}: meta.exchangeTimezoneName is missing")
    zone = ZoneInfo(zone_name)
    currency = meta.get("currency")
    series = ChartSeries(currency=currency)

    timestamps = result.get("timestamp") or []
    indicators = result.get("indicators") or {}
    quotes = (indicators.get("quote") or [{}])[0] or {}
    adjclose_blocks = indicators.get("adjclose") or []
    adjclose = adjclose_blocks[0].get("adjclose") if adjclose_blocks else None
    columns = {name: quotes.get(name) for name in ("open", "high", "low", "close", "volume")}
    columns["adj_close"] = adjclose
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
        if isinstance(stamp, bool) or not isinstance(stamp, int):
            raise YahooChartError(f"{symbol}: timestamp {i} is not an integer: {stamp!r}")
        day = dt.datetime.fromtimestamp(stamp, tz=zone).date()
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

    events = result.get("events") or {}
    for raw_event in (events.get("dividends") or {}).values():
        day, event = _event_day(raw_event, zone, f"{symbol} dividend")
        series.dividends.append((day, _number(event.get("amount"), f"{symbol} dividend")))
    for raw_event in (events.get("splits") or {}).values():
        day, event = _event_day(raw_event, zone, f"{symbol} split")
        series.splits.append(
            (
                day,
                _number(event.get("numerator"), f"{symbol} split"),
                _number(event.get("denominator"), f"{symbol} split"),
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
