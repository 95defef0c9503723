"""Build the weekly report as of a date and write its files.

    <out>/weekly-report-<YYYY-MM-DD>.html   the report, self-contained
    <out>/<YYYY-MM-DD>/<chart>.png          each chart, as embedded in the page

`out` is `reports/` at the project root unless given (or `COMPUTE_WEEKLY_REPORTS_DIR`),
a local folder or an `s3://` prefix. Every file is written whole (beside its final path
and renamed over it, or as one object), charts before the page, so a reader never sees
half a report. The same warehouse gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from upath import UPath

from orchestration import object_store
from orchestration.files import put_whole
from orchestration.report import charts, series
from orchestration.report.data import DOWNLOAD_MONTHS, TRAFFIC_WEEKS, ReportData, load_report_data
from orchestration.report.facts import HeadlineFacts, headline_facts
from orchestration.report.page import (
    SOURCE_DOWNLOADS,
    SOURCE_GPU,
    SOURCE_TRAFFIC,
    Chart,
    render_page,
)
from orchestration.report.sql import open_warehouse
from orchestration.settings import reports_dir

TOP_SITES = 6
TOP_APPS = 5
TRAFFIC_TITLES = {
    "text": "图表 2-3：文本大模型网站访问量周度数据（单位：万次）",
    "image": "图表 4：图片大模型网站访问量周度数据（单位：万次）",
    "video": "图表 5：视频大模型网站访问量周度数据（单位：万次）",
}
DOWNLOADS_TITLE = "图表 6：国内头部大模型 App 下载量月度数据（单位：万次）"
GPU_TITLES = {
    "H100": "图表 7：NVIDIA H100 GPU 价格图（单位：美元）",
    "A100": "图表 8：NVIDIA A100 GPU 价格图（单位：美元）",
}


@dataclass(frozen=True)
class ReportFiles:
    """What `build_report` wrote, and the facts it led with."""

    as_of: dt.date
    html: Path | UPath
    charts: dict[str, Path | UPath]  # chart name -> PNG file
    facts: HeadlineFacts

    @property
    def paths(self) -> list[Path | UPath]:
        return [self.html, *self.charts.values()]


def report_charts(data: ReportData) -> dict[str, Chart]:
    """Every chart of the report, by file name (without .png), in page order."""
    result = {}
    for category, title in TRAFFIC_TITLES.items():
        rows = data.traffic[category]
        notes = [
            f"注：最近 {TRAFFIC_WEEKS} 周（周一至周日）中截至该日已结束的各周；前 {TOP_SITES} 名"
        ]
        result[f"web_traffic_{category}"] = Chart(
            title=title,
            png=charts.traffic_chart(series.traffic_lines(rows, TOP_SITES)),
            source=SOURCE_TRAFFIC,
            notes=notes + series.tracked_from_notes(rows, TOP_SITES),
        )
    grid = series.downloads_grid(data.downloads, TOP_APPS)
    result["app_downloads_monthly"] = Chart(
        title=DOWNLOADS_TITLE,
        png=charts.downloads_chart(grid),
        source=SOURCE_DOWNLOADS,
        notes=[f"注：最近 {DOWNLOAD_MONTHS} 个月；前 {TOP_APPS} 名", *grid.notes],
    )
    for family, title in GPU_TITLES.items():
        rows = data.gpu[family]
        result[f"gpu_prices_{family.lower()}"] = Chart(
            title=title,
            png=charts.gpu_chart(series.gpu_lines(rows)),
            source=SOURCE_GPU,
            notes=series.gpu_notes(rows),
        )
    return result


def build_report(
    as_of: dt.date, out_dir: Path | UPath | None = None, warehouse: Path | None = None
) -> ReportFiles:
    """Render the report as of `as_of` from the warehouse (read-only) into `out_dir`."""
    out = out_dir if out_dir is not None else reports_dir()
    if isinstance(out, Path):
        out = out.resolve()
    else:  # before anything is drawn; some servers would create a missing bucket on write
        object_store.check_bucket(out, "weekly reports")
    with open_warehouse(warehouse) as con:
        data = load_report_data(con, as_of)
    facts = headline_facts(data.sectors, data.traffic, data.downloads)
    chart_set = report_charts(data)
    chart_dir = out / as_of.isoformat()
    written = {}
    for name, chart in chart_set.items():
        png = charts.standalone_png(chart.png, chart.title, chart.source)
        written[name] = put_whole(chart_dir / f"{name}.png", png, "writing a report's chart")
    page = render_page(data, facts, chart_set)
    html = put_whole(
        out / f"weekly-report-{as_of.isoformat()}.html", page.encode("utf-8"), "writing a report"
    )
    return ReportFiles(as_of=as_of, html=html, charts=written, facts=facts)
