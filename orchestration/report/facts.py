"""The headline facts (投资要点) of a report, from the exhibit rows.

- per sector, its best and worst mover of the week to date (寒武纪 +8.72 %, 龙芯中科 -8.69 %);
- the largest website of the latest complete week, across categories, with its visits in 万;
- the app that grew fastest month over month, in the latest complete month with a change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from orchestration.report import formatting
from orchestration.report.sql import Row


@dataclass(frozen=True)
class SectorMovers:
    sector: str
    best_company: str
    best_symbol: str
    best_pct: float
    worst_company: str
    worst_symbol: str
    worst_pct: float


@dataclass(frozen=True)
class LargestSite:
    display_name: str
    category: str
    week_start: dt.date
    week_end: dt.date
    visits_10k: float


@dataclass(frozen=True)
class FastestApp:
    display_name: str
    month_start: dt.date
    downloads_10k: float
    mom_pct: float


@dataclass(frozen=True)
class HeadlineFacts:
    movers: list[SectorMovers]
    largest_site: LargestSite | None
    fastest_app: FastestApp | None


def sector_movers(sectors: Iterable[Row]) -> list[SectorMovers]:
    """Best and worst mover of every sector with a week-to-date change, in sector order."""
    return [
        SectorMovers(
            sector=row["sector"],
            best_company=row["best_company"],
            best_symbol=row["best_symbol"],
            best_pct=row["best_pct"],
            worst_company=row["worst_company"],
            worst_symbol=row["worst_symbol"],
            worst_pct=row["worst_pct"],
        )
        for row in sectors
        if row["best_symbol"] is not None
    ]


def largest_site(traffic: Mapping[str, Iterable[Row]]) -> LargestSite | None:
    """The site with the most visits in the latest complete week of any category
    (ties: the first site by id). None without a complete week."""
    complete = [row for rows in traffic.values() for row in rows if row["is_complete_week"]]
    if not complete:
        return None
    latest = max(row["week_start"] for row in complete)
    in_week = [row for row in complete if row["week_start"] == latest]
    top = min(in_week, key=lambda row: (-row["visits_10k"], row["site_id"]))
    return LargestSite(
        display_name=top["display_name"],
        category=top["category"],
        week_start=top["week_start"],
        week_end=top["week_end"],
        visits_10k=top["visits_10k"],
    )


def fastest_app(downloads: Iterable[Row]) -> FastestApp | None:
    """The app with the highest month-over-month change in the latest complete month that
    has changes (ties: the first app by id). None without such a month."""
    changed = [row for row in downloads if row["is_complete"] and row["mom_pct"] is not None]
    if not changed:
        return None
    latest = max(row["month_start"] for row in changed)
    in_month = [row for row in changed if row["month_start"] == latest]
    top = min(in_month, key=lambda row: (-row["mom_pct"], row["app_id"]))
    return FastestApp(
        display_name=top["display_name"],
        month_start=top["month_start"],
        downloads_10k=top["downloads_10k"],
        mom_pct=top["mom_pct"],
    )


def headline_facts(
    sectors: Iterable[Row], traffic: Mapping[str, Iterable[Row]], downloads: Iterable[Row]
) -> HeadlineFacts:
    return HeadlineFacts(
        movers=sector_movers(sectors),
        largest_site=largest_site(traffic),
        fastest_app=fastest_app(downloads),
    )


def mover_line(movers: SectorMovers) -> str:
    """'CPU/GPU：寒武纪 +8.72%，龙芯中科 -8.69%'."""
    best = f"{movers.best_company} {formatting.pct(movers.best_pct, signed=True)}"
    if movers.best_symbol == movers.worst_symbol:
        return f"{movers.sector}：{best}"
    worst = f"{movers.worst_company} {formatting.pct(movers.worst_pct, signed=True)}"
    return f"{movers.sector}：{best}，{worst}"


def site_line(site: LargestSite) -> str:
    """'ChatGPT 周访问量 95,776 万次（12/9-12/15），居各类网站之首'."""
    span = f"{formatting.month_day(site.week_start)}-{formatting.month_day(site.week_end)}"
    return (
        f"{site.display_name} 周访问量 {formatting.whole(site.visits_10k)} 万次"
        f"（{span}），居各类网站之首"
    )


def app_line(app: FastestApp) -> str:
    """'豆包 11月下载量 5,555 万次，环比 +9.93%，完整月份中增速最快'."""
    return (
        f"{app.display_name} {app.month_start.month}月下载量 "
        f"{formatting.whole(app.downloads_10k)} 万次，环比 "
        f"{formatting.pct(app.mom_pct, signed=True)}，完整月份中增速最快"
    )


def fact_lines(facts: HeadlineFacts) -> list[str]:
    """The headline facts as sentences, in the report's order."""
    lines = [mover_line(movers) for movers in facts.movers]
    if facts.largest_site is not None:
        lines.append(site_line(facts.largest_site))
    if facts.fastest_app is not None:
        lines.append(app_line(facts.fastest_app))
    return lines


def facts_markdown(as_of: dt.date, facts: HeadlineFacts) -> str:
    """A short markdown preview (Dagster metadata): the title and the headline facts."""
    lines = [f"**算力周跟踪 截至 {as_of.isoformat()}**", ""]
    lines += [f"- {line}" for line in fact_lines(facts)] or ["- (no data)"]
    return "\n".join(lines)
