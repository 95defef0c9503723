"""The market feed's data-quality rules (`raw/market_bars`, `raw/corporate_actions`), and
the last session its newest week is expected to hold (freshness)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from orchestration import calendars, seeds
from orchestration.partitions import DateWindow
from orchestration.quality.rules import WARN, AuditContext, Row, Rule, pick

PRICE_COLUMNS = ("open", "high", "low", "close", "adj_close")


def positive_prices(rows: list[Row], ctx: AuditContext) -> list[Row]:
    return [
        {"symbol": row["symbol"], "date": row["date"], "column": column, "value": row[column]}
        for row in rows
        for column in PRICE_COLUMNS
        if row[column] is not None and row[column] <= 0
    ]


def consistent_range(rows: list[Row], ctx: AuditContext) -> list[Row]:
    failing = []
    for row in rows:
        high, low = row["high"], row["low"]
        if high is None or low is None:
            continue
        problems = []
        if high < low:  # the range itself is wrong; nothing can be inside it
            problems.append("high < low")
        else:
            for column in ("open", "close"):
                value = row[column]
                if value is not None and not low <= value <= high:
                    problems.append(f"{column} outside [low, high]")
        if problems:
            failing.append(
                {**pick(row, ctx, "open", "high", "low", "close"), "problem": "; ".join(problems)}
            )
    return failing


def _listing_calendar() -> dict[str, str]:
    exchanges = seeds.exchanges()
    return {
        listing.symbol: exchanges[listing.exchange].calendar_code for listing in seeds.watchlist()
    }


def sessions_complete(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """Every watchlist listing has a bar on every past session of its exchange."""
    have = {(row["symbol"], row["date"]) for row in rows}
    end = min(ctx.window.end, ctx.today)
    failing = []
    for symbol, calendar_code in _listing_calendar().items():
        for session in calendars.sessions(calendar_code, ctx.window.start, end):
            if (symbol, session.day) not in have:
                failing.append(
                    {"symbol": symbol, "date": session.day, "problem": "no bar on a session"}
                )
    return failing


def _events(ctx: AuditContext) -> set[tuple[str, dt.date]] | None:
    """(symbol, date) of the dividends and splits in this pull; None if the feed gives none."""
    actions = ctx.related.get("corporate_actions")
    return None if actions is None else {(r["symbol"], r["date"]) for r in actions.to_pylist()}


def _ordered_bars(
    rows: list[Row], ctx: AuditContext, *, across_weeks: bool = True
) -> dict[str, list[Row]]:
    """Bars per listing by date, led by the listing's last bar of the previous week.

    A feed that restates adjusted closes on every pull (Yahoo) puts last week's bar on an
    older basis: for a listing with a dividend or split in this pull, that bar is left
    out, as it is with `across_weeks=False`.
    """
    by_symbol: dict[str, list[Row]] = defaultdict(list)
    events = _events(ctx)
    restated = {symbol for symbol, _ in events} if events else set()
    if across_weeks and ctx.previous is not None and ctx.previous.num_rows:
        last: dict[str, Row] = {}
        for row in ctx.previous.to_pylist():
            if row["symbol"] not in last or row["date"] > last[row["symbol"]]["date"]:
                last[row["symbol"]] = row
        for symbol, row in last.items():
            if symbol not in restated:
                by_symbol[symbol].append(row)
    for row in sorted(rows, key=lambda r: (r["symbol"], r["date"])):
        by_symbol[row["symbol"]].append(row)
    return by_symbol


def daily_move(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """Day-on-day moves beyond the policy's threshold (adjusted closes where both have one)."""
    failing = []
    for symbol, bars in _ordered_bars(rows, ctx).items():
        for before, bar in zip(bars, bars[1:], strict=False):
            both_adjusted = before["adj_close"] is not None and bar["adj_close"] is not None
            column = "adj_close" if both_adjusted else "close"
            if not before[column]:
                continue
            move = bar[column] / before[column] - 1
            if abs(move) > ctx.policy.max_daily_move:
                failing.append(
                    {"symbol": symbol, "date": bar["date"], "previous_date": before["date"],
                     "move": round(move, 4), "on": column}
                )  # fmt: skip
    return failing


def _rounding(price: float) -> float:
    """Half a unit of the price's last quoted decimal, relative to the price."""
    text = repr(price)
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 10
    return 0.5 * 10.0**-decimals / abs(price)


def adjustment_jumps(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """adj_close / close may change only on a dividend or split day the feed reported.

    A change within the rounding of the two closes (a 9.87 close is known to +/-0.005)
    plus the policy's tolerance is not a jump.
    """
    events = _events(ctx)
    if events is None:  # the feed gives no events: nothing to hold the ratio against
        return []
    failing = []
    # Within one pull only: each pull of a restating feed has its own basis.
    for symbol, bars in _ordered_bars(rows, ctx, across_weeks=False).items():
        for before, bar in zip(bars, bars[1:], strict=False):
            if (
                None in (before["adj_close"], bar["adj_close"])
                or not before["close"]
                or not bar["close"]
            ):
                continue
            change = (bar["adj_close"] / bar["close"]) / (before["adj_close"] / before["close"]) - 1
            allowed = (
                ctx.policy.adjustment_tolerance
                + _rounding(bar["close"])
                + _rounding(before["close"])
            )
            if abs(change) > allowed and (symbol, bar["date"]) not in events:
                failing.append(
                    {"symbol": symbol, "date": bar["date"], "ratio_change": round(change, 6)}
                )
    return failing


def known_actions(rows: list[Row], ctx: AuditContext) -> list[Row]:
    return [
        {**pick(row, ctx, "value"), "problem": problem}
        for row in rows
        for problem in [
            "unknown action" if row["action"] not in ("dividend", "split") else None,
            "value must be > 0" if row["value"] <= 0 else None,
        ]
        if problem
    ]


def last_session_through(window: DateWindow, through: dt.date) -> dt.date | None:
    """The last session, on any watchlist exchange, from the window's start to `through`."""
    codes = set(_listing_calendar().values())
    sessions = [
        s.day
        for code in codes
        for s in calendars.sessions(code, window.start, through + dt.timedelta(days=1))
    ]
    return max(sessions, default=None)


POSITIVE_PRICES = Rule(
    "positive_prices", "Open, high, low, close and adjusted close are > 0.", positive_prices
)
CONSISTENT_RANGE = Rule(
    "consistent_range", "high >= low, and open and close within [low, high].", consistent_range
)
SESSIONS_COMPLETE = Rule(
    "sessions_complete",
    "Every watchlist listing has a bar on every past session of its exchange in the "
    "week (missing sessions listed). WARN by default; ERROR by configuration.",
    sessions_complete,
    lambda policy: policy.completeness_severity,
)
DAILY_MOVE = Rule(
    "daily_move",
    "No day-on-day move of the adjusted close (else close) beyond the threshold.",
    daily_move,
    lambda _: WARN,
)
ADJUSTMENT_JUMPS = Rule(
    "adjustment_jumps",
    "Where the feed gives dividend and split events, adj_close / close changes only on those days.",
    adjustment_jumps,
    lambda _: WARN,
)
KNOWN_ACTIONS = Rule(
    "known_actions", "Actions are dividend or split, with a value > 0.", known_actions
)
