"""Query rows shaped into what a chart draws: lines of weekly visits, bars of monthly
downloads with their incomplete (非完全统计) bars marked, and the charts' footnotes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from orchestration.report import formatting
from orchestration.report.sql import Row


@dataclass(frozen=True)
class Line:
    """One site's weekly visits (万次), in week order; `partial` marks a week with fewer
    than seven days of data (a site's first week, a week not fully published)."""

    name: str
    weeks: list[dt.date]
    visits_10k: list[float]
    partial: list[bool]


@dataclass(frozen=True)
class Bars:
    """One app's monthly downloads (万次) over the grid's months; None where it has no row."""

    name: str
    downloads_10k: list[float | None]
    complete: list[bool]


@dataclass(frozen=True)
class DownloadsGrid:
    months: list[dt.date]  # month starts, in order
    apps: list[Bars]  # in rank order
    notes: list[str]

    @property
    def incomplete_months(self) -> list[dt.date]:
        """Months in which at least one bar is not complete."""
        return [
            month
            for i, month in enumerate(self.months)
            if any(not bars.complete[i] for bars in self.apps if bars.downloads_10k[i] is not None)
        ]


def traffic_lines(rows: Iterable[Row], top_n: int) -> list[Line]:
    """The `top_n` sites by rank (the query's site_rank), each as a line over its weeks."""
    by_site: dict[int, list[Row]] = {}
    for row in rows:
        if row["site_rank"] <= top_n:
            by_site.setdefault(row["site_rank"], []).append(row)
    lines = []
    for _, site_rows in sorted(by_site.items()):
        site_rows.sort(key=lambda row: row["week_start"])
        lines.append(
            Line(
                name=site_rows[0]["display_name"],
                weeks=[row["week_start"] for row in site_rows],
                visits_10k=[row["visits_10k"] for row in site_rows],
                partial=[not row["is_complete_week"] for row in site_rows],
            )
        )
    return lines


def tracked_from_notes(rows: Iterable[Row], top_n: int) -> list[str]:
    """A note for every charted site tracked from a day inside the window, as the report
    writes it: '注：Ideogram 访问量数据从 2024 年 7 月 11 日开始统计'."""
    rows = list(rows)
    if not rows:
        return []
    first_week = min(row["week_start"] for row in rows)
    tracked: dict[int, tuple[str, dt.date]] = {}
    for row in rows:
        since = row["tracked_from"]
        if row["site_rank"] <= top_n and since is not None and since > first_week:
            tracked[row["site_rank"]] = (row["display_name"], since)
    return [
        f"注：{name} 访问量数据从 {formatting.chinese_date(since)}开始统计"
        for _, (name, since) in sorted(tracked.items())
    ]


def downloads_grid(rows: Iterable[Row], top_n: int) -> DownloadsGrid:
    """The `top_n` apps by rank over every month of the rows; bars of an incomplete month
    (the month in progress, an app's partial first month) are marked, with a note saying
    through which day it counts."""
    rows = list(rows)
    months = sorted({row["month_start"] for row in rows})
    by_app: dict[int, dict[dt.date, Row]] = {}
    for row in rows:
        if row["app_rank"] <= top_n:
            by_app.setdefault(row["app_rank"], {})[row["month_start"]] = row
    apps = []
    for _, app_rows in sorted(by_app.items()):
        name = next(iter(app_rows.values()))["display_name"]
        cells = [app_rows.get(month) for month in months]
        apps.append(
            Bars(
                name=name,
                downloads_10k=[None if cell is None else cell["downloads_10k"] for cell in cells],
                complete=[cell is None or cell["is_complete"] for cell in cells],
            )
        )
    notes = _incomplete_notes(rows, top_n, months)
    return DownloadsGrid(months=months, apps=apps, notes=notes)


def _incomplete_notes(rows: list[Row], top_n: int, months: list[dt.date]) -> list[str]:
    """'注：12月数据为非完全统计（统计至 12/17）' for a month incomplete for every charted
    app; '注：腾讯元宝 2024-05 数据为非完全统计' for a single app's incomplete month. The
    query counts no day after the as-of date."""
    shown = [row for row in rows if row["app_rank"] <= top_n]
    notes = []
    for month in months:
        in_month = [row for row in shown if row["month_start"] == month]
        incomplete = [row for row in in_month if not row["is_complete"]]
        if not incomplete:
            continue
        if len(incomplete) == len(in_month):
            through = max(row["last_download_date"] for row in incomplete)
            notes.append(
                f"注：{month.month}月数据为非完全统计（统计至 {formatting.month_day(through)}）"
            )
        else:
            for row in sorted(incomplete, key=lambda row: row["app_rank"]):
                notes.append(f"注：{row['display_name']} {month:%Y-%m} 数据为非完全统计")
    return notes


@dataclass(frozen=True)
class PriceLine:
    """One card's weekly last price in USD in one condition (new, used), in week order."""

    product: str
    condition: str
    weeks: list[dt.date]
    prices_usd: list[float]


def gpu_lines(rows: Iterable[Row]) -> list[PriceLine]:
    """A line per card and condition, cards in id order, new before used."""
    lines: dict[tuple[str, str], PriceLine] = {}
    for row in sorted(
        rows, key=lambda r: (r["product_id"], r["condition"] != "new", r["week_start"])
    ):
        if row["price_usd"] is None:
            continue
        key = (row["display_name"], row["condition"])
        line = lines.setdefault(key, PriceLine(row["display_name"], row["condition"], [], []))
        line.weeks.append(row["week_start"])
        line.prices_usd.append(row["price_usd"])
    return list(lines.values())


def gpu_notes(rows: Iterable[Row]) -> list[str]:
    """The colours, and the latest week's discount of the used card to the new, per card."""
    latest = {
        row["display_name"]: row
        for row in sorted(rows, key=lambda r: r["product_id"])
        if row["is_latest"] and row["discount_pct"] is not None
    }
    notes = ["注：蓝色代表新品售卖价格，红色代表二手商品价格（每周最后报价，美元）"]
    if latest:
        week = next(iter(latest.values()))["week_start"]
        discounts = "，".join(f"{name} {row['discount_pct']:.2f}%" for name, row in latest.items())
        span = formatting.week_span(week + dt.timedelta(days=6))
        notes.append(f"注：最近一周（{span}）二手较新品折价：{discounts}")
    return notes
