"""The report's data shaping, on hand-made rows: the colour of a change, the numbers as
printed, the headline facts, chart series and the incomplete-month marking."""

from __future__ import annotations

import datetime as dt

import pytest

from orchestration.report import facts, formatting, series

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("value", "css"),
    [(8.72, "up"), (0.01, "up"), (-8.69, "down"), (0.0, "flat"), (None, "none")],
)
def test_a_rise_is_red_and_a_fall_green(value, css):
    assert formatting.change_class(value) == css


def test_numbers_as_the_report_prints_them():
    assert formatting.pct(-3.98) == "-3.98%"
    assert formatting.pct(160.38) == "160.38%"
    assert formatting.pct(8.7, signed=True) == "+8.70%"
    assert formatting.pct(None) == ""
    assert formatting.whole(31570.4) == "31,570"
    assert formatting.whole(None) == ""
    assert formatting.week_span(D("2024-12-18")) == "1216-1218"
    assert formatting.month_day(D("2024-12-06")) == "12/6"
    assert formatting.chinese_date(D("2024-07-11")) == "2024 年 7 月 11 日"


SECTORS = [
    {"sector": "CPU/GPU", "best_symbol": "688256.SH", "best_company": "寒武纪",
     "best_pct": 8.72, "worst_symbol": "688047.SH", "worst_company": "龙芯中科",
     "worst_pct": -8.69},
    {"sector": "晶圆代工", "best_symbol": "TSM.N", "best_company": "台积电", "best_pct": -2.7,
     "worst_symbol": "TSM.N", "worst_company": "台积电", "worst_pct": -2.7},
    {"sector": "云计算", "best_symbol": None, "best_company": None, "best_pct": None,
     "worst_symbol": None, "worst_company": None, "worst_pct": None},
]  # fmt: skip


def test_best_and_worst_mover_per_sector():
    movers = facts.sector_movers(SECTORS)
    assert [m.sector for m in movers] == ["CPU/GPU", "晶圆代工"], "no line without a change"
    assert facts.mover_line(movers[0]) == "CPU/GPU：寒武纪 +8.72%，龙芯中科 -8.69%"
    assert facts.mover_line(movers[1]) == "晶圆代工：台积电 -2.70%", "one listing: one name"


def _site(site, category, week, visits, complete=True):
    start = D(week)
    return {
        "site_id": site, "display_name": site.title(), "category": category,
        "week_start": start, "week_end": start + dt.timedelta(days=6),
        "visits_10k": visits, "is_complete_week": complete,
    }  # fmt: skip


def test_the_largest_site_of_the_latest_complete_week_across_categories():
    traffic = {
        "text": [
            _site("chatgpt", "text", "2024-12-02", 93152.6),
            _site("chatgpt", "text", "2024-12-09", 95776.1),
            _site("kimi", "text", "2024-12-16", 99999.0, complete=False),  # partial: ignored
        ],
        "image": [_site("civitai", "image", "2024-12-09", 595.9)],
        "video": [],
    }
    site = facts.largest_site(traffic)
    assert site == facts.LargestSite("Chatgpt", "text", D("2024-12-09"), D("2024-12-15"), 95776.1)
    assert facts.site_line(site) == "Chatgpt 周访问量 95,776 万次（12/9-12/15），居各类网站之首"
    assert facts.largest_site({"text": [], "image": [], "video": []}) is None


def _app(app, month, mom, complete=True, downloads=1000.0):
    return {
        "app_id": app, "display_name": app, "month_start": D(month), "mom_pct": mom,
        "is_complete": complete, "downloads_10k": downloads,
    }  # fmt: skip


def test_the_fastest_growing_app_of_the_latest_complete_month():
    rows = [
        _app("doubao", "2024-10-01", 17.03),
        _app("hailuo", "2024-10-01", 40.0),  # an older month: not this one
        _app("doubao", "2024-11-01", 9.93, downloads=5555.45),
        _app("tongyi", "2024-11-01", 7.3),
        _app("kimi", "2024-12-01", None, complete=False),
    ]
    app = facts.fastest_app(rows)
    assert app == facts.FastestApp("doubao", D("2024-11-01"), 5555.45, 9.93)
    assert facts.app_line(app) == "doubao 11月下载量 5,555 万次，环比 +9.93%，完整月份中增速最快"
    assert facts.fastest_app([_app("kimi", "2024-12-01", None, complete=False)]) is None


def test_the_facts_preview_is_markdown():
    headline = facts.headline_facts(SECTORS[:1], {"text": []}, [])
    assert facts.facts_markdown(D("2024-12-18"), headline) == (
        "**算力周跟踪 截至 2024-12-18**\n\n- CPU/GPU：寒武纪 +8.72%，龙芯中科 -8.69%"
    )


def _month(app, rank, month, downloads, complete, last=None):
    return {
        "app_id": app, "display_name": app, "app_rank": rank, "month_start": D(month),
        "downloads_10k": downloads, "is_complete": complete,
        "last_download_date": D(last) if last else None,
    }  # fmt: skip


DOWNLOADS = [
    _month("doubao", 1, "2024-11-01", 5555.45, True, "2024-11-30"),
    _month("doubao", 1, "2024-12-01", 4636.61, False, "2024-12-17"),
    _month("kimi", 2, "2024-11-01", 1091.89, True, "2024-11-30"),
    _month("kimi", 2, "2024-12-01", 844.04, False, "2024-12-17"),
    _month("yuanbao", 3, "2024-11-01", 471.12, False, "2024-11-30"),
    _month("yuanbao", 3, "2024-12-01", 383.98, False, "2024-12-17"),
    _month("tongyi", 4, "2024-12-01", 321.94, False, "2024-12-17"),
]


def test_the_month_in_progress_is_marked_incomplete_with_the_last_day_counted():
    grid = series.downloads_grid(DOWNLOADS, top_n=2)
    assert grid.months == [D("2024-11-01"), D("2024-12-01")]
    assert [(b.name, b.downloads_10k, b.complete) for b in grid.apps] == [
        ("doubao", [5555.45, 4636.61], [True, False]),
        ("kimi", [1091.89, 844.04], [True, False]),
    ]
    assert grid.incomplete_months == [D("2024-12-01")]
    assert grid.notes == ["注：12月数据为非完全统计（统计至 12/17）"]


def test_an_app_s_own_incomplete_month_is_marked_for_that_app_only():
    grid = series.downloads_grid(DOWNLOADS, top_n=4)
    assert [b.complete for b in grid.apps] == [
        [True, False], [True, False], [False, False], [True, False],
    ], "tongyi has no November: nothing to mark"  # fmt: skip
    assert grid.apps[3].downloads_10k == [None, 321.94]
    assert grid.incomplete_months == [D("2024-11-01"), D("2024-12-01")]
    assert grid.notes == [
        "注：yuanbao 2024-11 数据为非完全统计",
        "注：12月数据为非完全统计（统计至 12/17）",
    ]


def _week(site, rank, week, visits, complete=True, tracked_from="2023-01-02"):
    return {
        "site_id": site, "display_name": site.title(), "site_rank": rank,
        "week_start": D(week), "visits_10k": visits, "is_complete_week": complete,
        "tracked_from": D(tracked_from),
    }  # fmt: skip


TRAFFIC = [
    _week("ideogram", 2, "2024-07-08", 14.0, complete=False, tracked_from="2024-07-11"),
    _week("civitai", 1, "2024-07-08", 500.0),
    _week("civitai", 1, "2024-07-01", 480.0),
    _week("ideogram", 2, "2024-07-15", 60.0, tracked_from="2024-07-11"),
    _week("krea", 3, "2024-07-15", 150.0),
]


def test_traffic_lines_of_the_top_sites_in_rank_and_week_order():
    lines = series.traffic_lines(TRAFFIC, top_n=2)
    assert [(line.name, line.weeks, line.visits_10k, line.partial) for line in lines] == [
        ("Civitai", [D("2024-07-01"), D("2024-07-08")], [480.0, 500.0], [False, False]),
        ("Ideogram", [D("2024-07-08"), D("2024-07-15")], [14.0, 60.0], [True, False]),
    ]
    assert series.tracked_from_notes(TRAFFIC, top_n=2) == [
        "注：Ideogram 访问量数据从 2024 年 7 月 11 日开始统计"
    ]
    assert series.tracked_from_notes(TRAFFIC, top_n=1) == []


def test_a_dwarfing_leader_gets_a_panel_of_its_own():
    from orchestration.report.charts import split_leader

    chatgpt = series.Line("ChatGPT", [D("2024-12-09")], [95776.0], [False])
    gemini = series.Line("Gemini", [D("2024-12-09")], [7803.0], [False])
    kling = series.Line("Kling", [D("2024-12-09")], [321.0], [False])
    runway = series.Line("Runway", [D("2024-12-09")], [245.0], [False])
    assert split_leader([chatgpt, gemini]) == ([gemini], chatgpt)
    assert split_leader([kling, runway]) == ([kling, runway], None)
    assert split_leader([kling]) == ([kling], None)


def test_no_site_is_drawn_the_size_of_one_ten_times_larger():
    """ChatGPT (95,776 万) and Gemini (7,803 万): not two scales over one plot, where they
    look alike, but ChatGPT's own panel above, each panel with its own labelled scale."""
    from orchestration.report.charts import traffic_figure

    weeks = [D("2024-12-02"), D("2024-12-09")]
    chatgpt = series.Line("ChatGPT", weeks, [90000.0, 95776.0], [False, False])
    gemini = series.Line("Gemini", weeks, [7000.0, 7803.0], [False, False])
    kimi = series.Line("Kimi", weeks, [3000.0, 3100.0], [False, False])
    figure = traffic_figure([chatgpt, gemini, kimi])
    panels = figure.get_axes()
    assert len(panels) == 2
    positions = [tuple(panel.get_position().bounds) for panel in panels]
    assert len(set(positions)) == 2  # no axis drawn over another (twinx)
    drawn = [[line.get_label() for line in panel.get_lines()] for panel in panels]
    assert drawn == [["ChatGPT"], ["Gemini", "Kimi"]]
    assert [panel.get_ylabel() for panel in panels] == ["万次（ChatGPT）", "万次（其余网站）"]
    together = traffic_figure([gemini, kimi])
    assert len(together.get_axes()) == 1
