"""The report as one self-contained HTML page: inline CSS, charts as base64 data URIs, no
script and no external resource, so it opens (and mails) as a single file.

Layout follows the seed report: headline facts (投资要点), exhibit 1 (算力股价本周复盘)
with its sector column spanning each sector's rows, the sector roll-up, the web-traffic
and download charts, and exhibit 9 when the warehouse has release events. Changes are red
for a rise and green for a fall, as Chinese reports colour them.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from orchestration.report import formatting
from orchestration.report.data import ReportData
from orchestration.report.facts import HeadlineFacts, app_line, site_line
from orchestration.report.fonts import embedded_font_css
from orchestration.report.sql import Row

CSS = """
body { font-family: "ComputeWeeklyCJK", "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC",
  "Microsoft YaHei", sans-serif; color: #1d1d1f; max-width: 1040px; margin: 2em auto;
  padding: 0 1em; line-height: 1.5; }
h1 { font-size: 1.6em; border-bottom: 3px solid #b22222; padding-bottom: .3em; }
h2 { font-size: 1.2em; margin-top: 2em; border-left: 4px solid #b22222; padding-left: .5em; }
.meta, .source, .note { color: #666; font-size: .85em; }
.note { margin: .2em 0; }
table { border-collapse: collapse; font-size: .9em; margin: .5em 0; }
th, td { border-bottom: 1px solid #ddd; padding: .25em .7em; }
th { background: #f3f3f3; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.sector { font-weight: 600; vertical-align: top; }
.up { color: #d61f1f; }
.down { color: #138a36; }
figure { margin: 1em 0 2em; }
figure img { width: 100%; height: auto; border: 1px solid #eee; }
ul.facts li { margin: .3em 0; }
"""

SOURCE_MARKET = "来源：compute-weekly（marts.stock_performance：行情，Wind 代码）"
SOURCE_TRAFFIC = "来源：compute-weekly（marts.web_traffic_weekly：Similarweb 口径）"
SOURCE_DOWNLOADS = "来源：compute-weekly（marts.app_downloads_monthly：七麦数据口径，App Store）"
SOURCE_GPU = "来源：compute-weekly（marts.gpu_prices_weekly：Keepa 口径，Amazon 价格历史）"
SOURCE_RELEASES = "来源：compute-weekly（marts.release_events：分析师维护的发布记录）"
# The feeds besides market data the header dates, by their names in `sql.NEWEST`.
FEED_NAMES = {
    "FX": "汇率",
    "web traffic": "网站访问量",
    "app downloads": "App 下载量",
    "GPU prices": "GPU 价格",
}


@dataclass(frozen=True)
class Chart:
    """A chart of the page: its title, PNG bytes and the notes under it."""

    title: str
    png: bytes
    source: str
    notes: Sequence[str] = ()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _change(value: float | None, *, signed: bool = False) -> str:
    css = formatting.change_class(value)
    text = escape(formatting.pct(value, signed=signed))
    return f'<span class="{css}">{text}</span>' if css in (formatting.UP, formatting.DOWN) else text


def _pct_cell(value: float | None) -> str:
    css = formatting.change_class(value)
    return f'<td class="num {css}">{escape(formatting.pct(value))}</td>'


def facts_html(facts: HeadlineFacts) -> str:
    items = []
    for movers in facts.movers:
        best = f"{escape(movers.best_company)} {_change(movers.best_pct, signed=True)}"
        text = f"<b>{escape(movers.sector)}</b>：{best}"
        if movers.worst_symbol != movers.best_symbol:
            text += f"，{escape(movers.worst_company)} {_change(movers.worst_pct, signed=True)}"
        items.append(text)
    if facts.largest_site is not None:
        items.append(escape(site_line(facts.largest_site)))
    if facts.fastest_app is not None:
        items.append(escape(app_line(facts.fastest_app)))
    if not items:
        items.append("暂无数据")
    return '<ul class="facts">' + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def exhibit_1_html(rows: Sequence[Row], as_of: dt.date) -> str:
    """Exhibit 1 in the report's layout; a listing without data has blank cells. A listing
    whose last session is before the newest any listing had (its exchange was closed) is
    marked † with the session it shows; an as-of date no listing traded on (a weekend) is
    one note, not a † on every line."""
    head = (
        "<thead><tr><th rowspan=2>板块</th><th rowspan=2>代码</th><th rowspan=2>公司</th>"
        "<th rowspan=2>市值</th><th rowspan=2>单位</th><th colspan=3>股价涨跌幅</th></tr>"
        "<tr><th>本周</th><th>本月</th><th>本年</th></tr></thead>"
    )
    body = []
    earlier = []
    latest = max((row["as_of_date"] for row in rows if row["as_of_date"]), default=as_of)
    for sector, group in itertools.groupby(rows, key=lambda row: row["sector"]):
        group = list(group)
        for i, row in enumerate(group):
            cells = []
            if i == 0:
                cells.append(f'<td class="sector" rowspan={len(group)}>{escape(sector)}</td>')
            code = escape(row["code"])
            session = row["as_of_date"]
            if session is not None and session < latest:
                code += "†"
                earlier.append(f"{row['code']} {formatting.month_day(session)}")
            cells += [
                f"<td>{code}</td>",
                f"<td>{escape(row['company'])}</td>",
                f'<td class="num">{formatting.whole(row["market_cap"])}</td>',
                f"<td>{escape(row['unit'] or '')}</td>",
                _pct_cell(row["week_pct"]),
                _pct_cell(row["month_pct"]),
                _pct_cell(row["year_pct"]),
            ]
            body.append("<tr>" + "".join(cells) + "</tr>")
    notes = [f"注：以上市值、涨跌幅信息截至各地时间 {formatting.chinese_date(as_of)}"]
    if latest < as_of:
        notes.append(
            f"{formatting.chinese_date(as_of)}为非交易日，取此前最近交易日"
            f"（{formatting.chinese_date(latest)}）收盘"
        )
    if earlier:
        notes.append("† 当日休市，取此前最近交易日收盘：" + "，".join(earlier))
    return (
        f"<table>{head}<tbody>{''.join(body)}</tbody></table>"
        f'<p class="source">{escape(SOURCE_MARKET)}</p>'
        + "".join(f'<p class="note">{escape(note)}</p>' for note in notes)
    )


def sectors_html(rows: Sequence[Row]) -> str:
    head = (
        "<thead><tr><th>板块</th><th>本周涨跌幅（市值加权）</th><th>本周涨跌幅（等权）</th>"
        "<th>总市值（亿美元）</th><th>领涨</th><th>领跌</th><th>有涨跌幅/成分股</th></tr></thead>"
    )
    body = []
    for row in rows:
        best = worst = ""
        if row["best_symbol"] is not None:
            best = f"{escape(row['best_company'])} {_change(row['best_pct'], signed=True)}"
            worst = f"{escape(row['worst_company'])} {_change(row['worst_pct'], signed=True)}"
        body.append(
            "<tr>"
            f'<td class="sector">{escape(row["sector"])}</td>'
            f"{_pct_cell(row['cap_weighted_pct'])}{_pct_cell(row['equal_weighted_pct'])}"
            f'<td class="num">{formatting.whole(row["market_cap_usd_100m"])}</td>'
            f"<td>{best}</td><td>{worst}</td>"
            f'<td class="num">{row["listings_with_return"]}/{row["listings"]}</td>'
            "</tr>"
        )
    return (
        f"<table>{head}<tbody>{''.join(body)}</tbody></table>"
        f'<p class="source">{escape(SOURCE_MARKET)}</p>'
        '<p class="note">注：本周涨跌幅自本周一前最后一个交易日收盘起算；市值加权以周初市值'
        "（亿美元）为权重；总市值为各成分股最近交易日市值之和，A 股按当日汇率折算为美元</p>"
    )


def chart_html(chart: Chart) -> str:
    notes = "".join(f'<p class="note">{escape(note)}</p>' for note in chart.notes)
    return (
        f"<figure><h3>{escape(chart.title)}</h3>"
        f'<img alt="{escape(chart.title)}" src="{data_uri(chart.png)}">'
        f'<figcaption><p class="source">{escape(chart.source)}</p>{notes}</figcaption></figure>'
    )


def releases_html(rows: Sequence[Row], as_of: dt.date) -> str:
    """Exhibit 9's columns: event (a season's day, `day8`, else the vendor), Pacific date,
    Beijing date, product, highlight."""
    if not rows:
        return f'<p class="note">北京时间本周（截至 {formatting.month_day(as_of)}）暂无发布记录</p>'
    head = (
        "<thead><tr><th>发布季日程</th><th>太平洋时间</th><th>北京时间</th><th>新产品</th>"
        "<th>亮点</th></tr></thead>"
    )
    body = []
    for row in rows:
        body.append(
            "<tr>"
            f"<td>{escape(row['event'])}</td>"
            f"<td>{formatting.month_day(row['pacific_date'])}</td>"
            f"<td>{formatting.month_day(row['beijing_date'])}</td>"
            f"<td>{escape(row['product'] or '')}</td><td>{escape(row['highlight'] or '')}</td>"
            "</tr>"
        )
    return (
        f"<table>{head}<tbody>{''.join(body)}</tbody></table>"
        f'<p class="source">{escape(SOURCE_RELEASES)}</p>'
    )


def feeds_through_html(feeds_through: Mapping[str, dt.date | None], as_of: dt.date) -> str:
    """The newest day of each feed besides market data that the report counts, so a reader
    sees how far each exhibit's data reaches; empty when the warehouse dates none."""
    days = [
        f"{name} {day.isoformat()}"
        for feed, name in FEED_NAMES.items()
        if (day := feeds_through.get(feed)) is not None
    ]
    if not days:
        return ""
    return (
        f'<p class="meta">其余数据截至：{"，".join(days)}；'
        f"均不含 {as_of.isoformat()} 之后的数据</p>"
    )


def render_page(data: ReportData, facts: HeadlineFacts, charts: Mapping[str, Chart]) -> str:
    """The whole page as a string (UTF-8 HTML5)."""
    as_of = data.as_of
    title = f"算力周跟踪 · 截至 {as_of.isoformat()}"
    span = formatting.week_span(as_of)
    parts = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">本周：{span}（{as_of:%Y-%m-%d} {_weekday(as_of)}）；'
        f"行情数据截至 {data.data_through.isoformat()}；"
        "数据取自 compute-weekly 数据仓库，各项均截至该日或此前最近的完整周期</p>",
        feeds_through_html(data.feeds_through, as_of),
        "<h2>投资要点</h2>",
        facts_html(facts),
        f"<h2>图表 1：算力股价本周复盘（{span}）</h2>",
        exhibit_1_html(data.exhibit_1, as_of),
        f"<h2>板块表现（{span}）</h2>",
        sectors_html(data.sectors),
        "<h2>大模型跟踪</h2>",
        *(chart_html(chart) for chart in charts.values()),
    ]
    if data.releases is not None:
        parts += [
            f"<h2>图表 9：AI 产品发布汇总（本周及其发布季，"
            f"截至 {formatting.month_day(as_of)}）</h2>",
            releases_html(data.releases, as_of),
        ]
    body = "\n".join(parts)
    head = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{embedded_font_css(title + body)}\n{CSS}</style></head><body>",
    ]
    return "\n".join([*head, body, "</body></html>"]) + "\n"


def _weekday(day: dt.date) -> str:
    return "周" + "一二三四五六日"[day.weekday()]
