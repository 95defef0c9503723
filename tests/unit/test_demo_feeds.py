"""The demo feeds: deterministic, realistic, calibrated to the report, provider-shaped."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from orchestration import calendars, seeds
from orchestration.feeds.downloads.demo import DemoDownloadsFeed
from orchestration.feeds.fx.demo import DemoFxFeed
from orchestration.feeds.lib.demo import fx_model
from orchestration.feeds.market import demo_model as market_model
from orchestration.feeds.market.demo import DemoMarketFeed, chart_payload, split_history_payload
from orchestration.feeds.traffic.demo import DemoTrafficFeed, visits_payload
from orchestration.partitions import WeekWindow

WEEK_OF_REPORT = WeekWindow.from_partition_key("2024-12-16")
WEEK_QUOTED = WeekWindow.from_partition_key("2024-12-09")  # the week the report's KPIs quote


def adj_close(symbol: str, day: dt.date) -> float:
    bars = market_model.window(symbol, day, day + dt.timedelta(days=1)).bars
    assert bars, f"{symbol} has no demo bar on {day}"
    return bars[0].adj_close


def last_session_before(symbol: str, day: dt.date) -> dt.date:
    exchange = seeds.exchanges()[
        next(listing.exchange for listing in seeds.watchlist() if listing.symbol == symbol)
    ]
    return calendars.sessions(exchange.calendar_code, day - dt.timedelta(days=20), day)[-1].day


@pytest.mark.parametrize("symbol", [listing.symbol for listing in seeds.watchlist()])
def test_demo_closes_give_the_reports_changes(symbol):
    calibration = market_model.calibrations()[symbol]
    as_of = adj_close(symbol, dt.date(2024, 12, 18))
    for base_day, expected in [
        (dt.date(2024, 12, 16), calibration.return_wtd),
        (dt.date(2024, 12, 1), calibration.return_mtd),
        (dt.date(2024, 1, 1), calibration.return_ytd),
    ]:
        base = adj_close(symbol, last_session_before(symbol, base_day))
        assert as_of / base - 1 == pytest.approx(expected, abs=1e-7), base_day


def test_sk_hynix_year_base_is_2023_12_28_because_krx_closed_on_the_29th():
    history = market_model.window("000660.KS", dt.date(2023, 12, 25), dt.date(2024, 1, 1))
    assert [bar.day for bar in history.bars][-1] == dt.date(2023, 12, 28)


def test_the_same_week_is_the_same_whether_fetched_alone_or_in_a_year():
    alone = market_model.window("NVDA.O", WEEK_OF_REPORT.start, WEEK_OF_REPORT.end).bars
    market_model.history.cache_clear()
    year = market_model.window("NVDA.O", dt.date(2023, 1, 2), dt.date(2024, 12, 23)).bars
    assert alone == tuple(bar for bar in year if bar.day in WEEK_OF_REPORT)


def test_the_demo_market_feed_is_deterministic_and_serves_the_whole_watchlist():
    first = DemoMarketFeed(today=dt.date(2026, 1, 1)).fetch(WEEK_OF_REPORT)
    market_model.history.cache_clear()
    second = DemoMarketFeed(today=dt.date(2026, 1, 1)).fetch(WEEK_OF_REPORT)
    assert first.rows == second.rows
    assert {row["symbol"] for row in first.rows} == {
        listing.symbol for listing in seeds.watchlist()
    }
    assert all(row["low"] <= row["close"] <= row["high"] for row in first.rows)
    assert all(row["low"] <= row["open"] <= row["high"] for row in first.rows)


def test_the_demo_serves_nothing_from_today_on():
    feed = DemoMarketFeed(today=dt.date(2024, 12, 18))
    days = {row["date"] for row in feed.fetch(WEEK_OF_REPORT).rows}
    assert max(days) == dt.date(2024, 12, 17)
    assert DemoMarketFeed(today=dt.date(2024, 12, 16)).fetch(WEEK_OF_REPORT).rows == []


def test_nvidia_splits_ten_for_one_on_2024_06_10_and_its_adjusted_close_does_not_jump():
    bars = market_model.window("NVDA.O", dt.date(2024, 6, 7), dt.date(2024, 6, 11)).bars
    before, after = bars
    assert (before.day, after.day) == (dt.date(2024, 6, 7), dt.date(2024, 6, 10))
    assert before.close / after.close == pytest.approx(
        10 * before.adj_close / after.adj_close, rel=1e-3
    )
    assert 0.8 < after.adj_close / before.adj_close < 1.25
    assert market_model.window("NVDA.O", dt.date(2024, 6, 1), dt.date(2024, 7, 1)).splits == (
        (dt.date(2024, 6, 10), 10.0),
    )


def test_dividends_make_the_close_drop_on_ex_dates_while_the_adjusted_close_holds():
    history = market_model.window("MSFT.O", dt.date(2024, 1, 1), dt.date(2025, 1, 1))
    assert len(history.dividends) == 4
    by_day = {bar.day: bar for bar in history.bars}
    days = [bar.day for bar in history.bars]
    for ex_date, amount in history.dividends:
        before, on = by_day[days[days.index(ex_date) - 1]], by_day[ex_date]
        # Yahoo's multiplicative adjustment: adj(t)/adj(t-1) = close(t)/(close(t-1) - amount)
        assert on.adj_close / before.adj_close == pytest.approx(
            on.close / (before.close - amount), rel=2e-4
        )
    assert by_day[dt.date(2024, 12, 18)].close == pytest.approx(
        by_day[dt.date(2024, 12, 18)].adj_close, rel=1e-4
    )


def test_fx_is_quoted_on_working_days_only_and_realistic():
    rows = (
        DemoFxFeed(today=dt.date(2026, 1, 1))
        .fetch(WeekWindow.from_partition_key("2024-12-23"))
        .rows
    )
    days = sorted({row["date"] for row in rows})
    assert days == [dt.date(2024, 12, 23), dt.date(2024, 12, 24), dt.date(2024, 12, 27)]
    assert {row["currency"] for row in rows} == {"CNY", "HKD", "KRW", "TWD"}
    assert fx_model.rates("CNY", dt.date(2024, 12, 18), dt.date(2024, 12, 19)) == {
        dt.date(2024, 12, 18): 7.285
    }
    for row in rows:
        assert (
            {"CNY": (6.5, 7.6), "HKD": (7.7, 7.9), "KRW": (1150, 1500), "TWD": (29, 34)}[
                row["currency"]
            ][0]
            < row["units_per_usd"]
            < {"CNY": 7.6, "HKD": 7.9, "KRW": 1500, "TWD": 34}[row["currency"]]
        )


def weekly_totals(rows, key, value):
    totals = defaultdict(float)
    for row in rows:
        totals[row[key]] += row[value]
    return totals


def test_traffic_has_twenty_sites_in_three_categories_and_chatgpt_above_900m():
    assert len({d.site_id for d in seeds.site_domains()}) >= 20
    rows = DemoTrafficFeed(today=dt.date(2026, 1, 1)).fetch(WEEK_QUOTED).rows
    assert {row["category"] for row in rows} == {"text", "image", "video"}
    assert weekly_totals(rows, "site_id", "visits")["chatgpt"] > 900_000_000
    assert all(isinstance(row["visits"], float) for row in rows)


def test_ideogram_and_minimax_are_tracked_only_from_their_report_dates():
    feed = DemoTrafficFeed(today=dt.date(2026, 1, 1))
    ideogram = [
        r["date"]
        for r in feed.fetch(WeekWindow.from_partition_key("2024-07-08")).rows
        if r["site_id"] == "ideogram"
    ]
    assert min(ideogram) == dt.date(2024, 7, 11)
    minimax = [
        r["date"]
        for r in feed.fetch(WeekWindow.from_partition_key("2024-09-16")).rows
        if r["site_id"] == "minimax"
    ]
    assert minimax == [dt.date(2024, 9, 22)]


def test_chatgpt_moves_from_chat_openai_com_to_chatgpt_com():
    rows = (
        DemoTrafficFeed(today=dt.date(2026, 1, 1))
        .fetch(WeekWindow.from_partition_key("2024-05-13"))
        .rows
    )
    domains = {row["date"]: row["domain"] for row in rows if row["site_id"] == "chatgpt"}
    assert domains[dt.date(2024, 5, 15)] == "chat.openai.com"
    assert domains[dt.date(2024, 5, 16)] == "chatgpt.com"
    assert len(domains) == 7, "one row a day: exactly one domain is valid on each day"


def test_ten_apps_and_doubao_above_14m_in_the_week_of_2024_12_09():
    rows = DemoDownloadsFeed(today=dt.date(2026, 1, 1)).fetch(WEEK_QUOTED).rows
    totals = weekly_totals(rows, "app_id", "downloads")
    assert len(totals) >= 10
    assert totals["doubao"] > 14_000_000
    assert {row["platform"] for row in rows} == {"ios"}
    assert max(totals, key=totals.get) == "doubao"


# --- split-adjusted payloads, restored to traded prices --------------------------------

SPLITTERS = [listing for listing in seeds.watchlist() if listing.symbol in ("NVDA.O", "SMCI.O")]


def weeks_of(year: int) -> list[WeekWindow]:
    week = WeekWindow.containing(dt.date(year, 1, 1))
    weeks = []
    while week.start <= dt.date(year, 12, 31):
        weeks.append(week)
        week = WeekWindow.from_partition_key((week.end).isoformat())
    return weeks


@pytest.mark.parametrize("today", [dt.date(2026, 1, 1), dt.date(2024, 12, 19)])
def test_every_landed_2024_bar_of_the_splitters_is_the_models_traded_bar_exactly(today):
    feed = DemoMarketFeed(today=today, listings=SPLITTERS)
    landed = {}
    for week in weeks_of(2024):
        for row in feed.fetch(week).rows:
            landed[row["symbol"], row["date"]] = row
    for listing in SPLITTERS:
        model = market_model.window(listing.symbol, dt.date(2024, 1, 1), dt.date(2025, 1, 1))
        days = [bar.day for bar in model.bars if bar.day < today]
        assert sorted(d for s, d in landed if s == listing.symbol and d.year == 2024) == days
        for bar in model.bars:
            if bar.day >= today:
                continue
            row = landed[listing.symbol, bar.day]
            assert row["close"] == bar.close, (listing.symbol, bar.day)
            assert (row["open"], row["high"], row["low"]) == (bar.open, bar.high, bar.low)
            assert (row["volume"], row["adj_close"]) == (bar.volume, bar.adj_close)


def test_every_landed_dividend_is_the_models_amount_as_paid():
    feed = DemoMarketFeed(today=dt.date(2026, 1, 1), listings=SPLITTERS[:1])
    landed = [
        (action["date"], action["value"])
        for week in weeks_of(2024)
        for action in feed.fetch(week).related["corporate_actions"]
        if action["action"] == "dividend"
    ]
    model = market_model.window("NVDA.O", dt.date(2024, 1, 1), dt.date(2025, 1, 1))
    assert landed == list(model.dividends)
    assert landed[0][0] < dt.date(2024, 6, 10)  # one paid before the split, restored


def chart_closes(payload):
    return payload["chart"]["result"][0]["indicators"]["quote"][0]["close"]


def test_the_demo_payload_is_split_adjusted_as_of_its_fetch_like_yahoos():
    nvda = SPLITTERS[0]
    week = WeekWindow.from_partition_key("2024-06-03")
    traded = [bar.close for bar in market_model.window("NVDA.O", week.start, week.end).bars]

    after = chart_payload(nvda, week.start, week.end, as_of=dt.date(2026, 1, 1))
    before = chart_payload(nvda, week.start, week.end, as_of=dt.date(2024, 6, 10))

    assert chart_closes(before) == traded
    assert chart_closes(after) == [float(f"{close / 10:.12g}") for close in traded]
    assert after["chart"]["result"][0]["events"]["splits"] == {}  # not in that week
    history = split_history_payload(nvda, as_of=dt.date(2026, 1, 1))
    [event] = history["chart"]["result"][0]["events"]["splits"].values()
    assert (event["numerator"], event["denominator"]) == (10.0, 1)
    assert (
        split_history_payload(nvda, as_of=dt.date(2024, 6, 10))["chart"]["result"][0]["events"][
            "splits"
        ]
        == {}
    )


def test_the_week_of_the_split_lands_the_split_event_and_the_traded_jump():
    nvda = SPLITTERS[0]
    batch = DemoMarketFeed(today=dt.date(2026, 1, 1), listings=[nvda]).fetch(
        WeekWindow.from_partition_key("2024-06-10")
    )
    assert {"symbol": "NVDA.O", "date": dt.date(2024, 6, 10), "action": "split", "value": 10.0} in (
        batch.related["corporate_actions"]
    )
    closes = {row["date"]: row["close"] for row in batch.rows}
    previous = market_model.window("NVDA.O", dt.date(2024, 6, 7), dt.date(2024, 6, 8)).bars[0]
    assert previous.close / closes[dt.date(2024, 6, 10)] > 5  # traded before, split after


def test_demo_traffic_says_its_data_was_updated_when_the_week_was_released():
    """Similarweb releases a day within 72 hours after it ends: the demo's last_updated is
    three days after the last day asked for, never after the day of the pull."""
    domain = next(d for d in seeds.site_domains() if d.site_id == "claude")
    week = (dt.date(2024, 12, 16), dt.date(2024, 12, 23))
    assert visits_payload(domain, *week)["meta"]["last_updated"] == "2024-12-25"
    pulled_monday = visits_payload(domain, *week, today=dt.date(2024, 12, 23))
    assert pulled_monday["meta"]["last_updated"] == "2024-12-23"
