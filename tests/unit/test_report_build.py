"""The report's files from a small warehouse: a self-contained page with exhibit 1, the
sector roll-up and four embedded charts, PNG files of a fixed size, the same bytes every
time; the command line and the Dagster asset."""

from __future__ import annotations

import base64
import datetime as dt
import re
import struct

import dagster as dg
import duckdb
import pytest

from orchestration.assets.report import report_dependencies, weekly_report
from orchestration.dead_runs import RunStart
from orchestration.partitions import weekly_partitions
from orchestration.report import charts
from orchestration.report.__main__ import main
from orchestration.report.build import build_report
from orchestration.settings import WAREHOUSE_ENV
from tests.unit.report_warehouse import build_warehouse

AS_OF = dt.date(2024, 12, 18)
CHARTS = [
    "web_traffic_text", "web_traffic_image", "web_traffic_video", "app_downloads_monthly",
    "gpu_prices_h100", "gpu_prices_a100",
]  # fmt: skip


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb")


@pytest.fixture(scope="module")
def report(warehouse, tmp_path_factory):
    return build_report(AS_OF, tmp_path_factory.mktemp("out"), warehouse)


def test_the_report_is_one_page_and_six_charts(report):
    out = report.html.parent
    assert report.html == out / "weekly-report-2024-12-18.html"
    assert list(report.charts) == CHARTS
    for name, path in report.charts.items():
        assert path == out / "2024-12-18" / f"{name}.png"
        # the chart, with its title above and its source below
        assert png_size(path.read_bytes()) == (1200, 600 + charts.TITLE_BAND + charts.SOURCE_BAND)
    page = report.html.read_text(encoding="utf-8")
    for src in re.findall(r'<img [^>]*src="data:image/png;base64,([^"]*)"', page):
        assert png_size(base64.b64decode(src)) == charts.PIXELS == (1200, 600)


def test_a_standalone_chart_carries_its_exhibit_title_and_source(report):
    """Each PNG under reports/<date>/ names its exhibit (its Title text) and shows its title
    above the chart and its source below, as the page does around the embedded one."""
    from PIL import Image

    titles = {}
    for name, path in report.charts.items():
        with Image.open(path) as image:
            titles[name] = image.text.get("Title")
    assert titles == {
        "web_traffic_text": "图表 2-3：文本大模型网站访问量周度数据（单位：万次）",
        "web_traffic_image": "图表 4：图片大模型网站访问量周度数据（单位：万次）",
        "web_traffic_video": "图表 5：视频大模型网站访问量周度数据（单位：万次）",
        "app_downloads_monthly": "图表 6：国内头部大模型 App 下载量月度数据（单位：万次）",
        "gpu_prices_h100": "图表 7：NVIDIA H100 GPU 价格图（单位：美元）",
        "gpu_prices_a100": "图表 8：NVIDIA A100 GPU 价格图（单位：美元）",
    }
    for name, path in report.charts.items():
        with Image.open(path) as image:
            band = image.crop((0, 0, 1200, charts.TITLE_BAND)).convert("L")
            source = image.crop((0, image.height - charts.SOURCE_BAND, 1200, image.height))
        assert band.getextrema()[0] < 100, name  # dark title text drawn in the band above
        assert source.convert("L").getextrema()[0] < 160, name  # and the source below


def test_the_page_is_self_contained(report):
    page = report.html.read_text(encoding="utf-8")
    images = re.findall(r'<img [^>]*src="([^"]*)"', page)
    assert len(images) == 6 and all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r"<(script|link|iframe)\b", page)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "@import" not in page
    # The only url() is the font, inline: nothing is fetched from elsewhere.
    assert re.findall(r"url\(([^)]{0,20})", page) == ["data:font/otf;base64"]


def test_the_page_leads_with_the_headline_facts(report):
    page = report.html.read_text(encoding="utf-8")
    assert "<h1>算力周跟踪 · 截至 2024-12-18</h1>" in page
    assert (
        '<b>CPU/GPU</b>：寒武纪 <span class="up">+10.00%</span>，'
        '英伟达 <span class="down">-4.00%</span>'
    ) in page
    assert "ChatGPT 周访问量 92,000 万次（12/9-12/15），居各类网站之首" in page
    assert "Kimi智能助手 11月下载量 600 万次，环比 +50.00%，完整月份中增速最快" in page


def test_exhibit_1_in_the_report_layout_red_up_green_down_blank_without_data(report):
    page = report.html.read_text(encoding="utf-8")
    assert '<td class="sector" rowspan=3>CPU/GPU</td><td>NVDA.O</td><td>英伟达</td>' in page
    assert (
        '<td class="num">288</td><td>亿美元</td><td class="num down">-4.00%</td>'
        '<td class="num down">-2.00%</td><td class="num down">-12.00%</td>'
    ) in page
    assert '<td>688256.SH</td><td>寒武纪</td><td class="num">770</td>' in page
    assert '<td class="num up">10.00%</td>' in page
    assert (
        '<td>0020.HK</td><td>商汤科技</td><td class="num"></td><td>亿美元</td>'
        '<td class="num none"></td><td class="num none"></td><td class="num none"></td>'
    ) in page
    assert (
        "<td>688047.SH†</td>" in page
        and "† 当日休市，取此前最近交易日收盘：688047.SH 12/17" in page
    )


def test_the_sector_rollup_and_the_incomplete_month_note(report):
    page = report.html.read_text(encoding="utf-8")
    assert (
        '<td class="sector">CPU/GPU</td><td class="num down">-0.80%</td>'
        '<td class="num up">1.33%</td><td class="num">496</td>'
    ) in page
    assert (
        '<p class="note">注：腾讯元宝 2024-11 数据为非完全统计</p>'
        '<p class="note">注：12月数据为非完全统计（统计至 12/17）</p>'
    ) in page


def test_exhibit_9_only_with_release_events(report, tmp_path):
    assert "图表 9" not in report.html.read_text(encoding="utf-8")
    with_releases = build_warehouse(tmp_path / "wh" / "warehouse.duckdb", releases=True)
    page = build_report(AS_OF, tmp_path / "out", with_releases).html.read_text(encoding="utf-8")
    assert "图表 9：AI 产品发布汇总（本周及其发布季，截至 12/18）" in page
    assert (
        "<tr><td>day8</td><td>12/16</td><td>12/17</td><td>ChatGPT 搜索</td>"
        "<td>ChatGPT 搜索亮点</td></tr>"
    ) in page
    # The season from its first landed day (day7, the week before), up to the as-of date;
    # day labels, not ids.
    assert "<td>day7</td>" in page and "<td>day10</td>" not in page
    assert "openai-12-days" not in page


def test_the_same_warehouse_gives_the_same_bytes(report, warehouse, tmp_path):
    again = build_report(AS_OF, tmp_path, warehouse)
    assert again.html.read_bytes() == report.html.read_bytes()
    for name, path in again.charts.items():
        assert path.read_bytes() == report.charts[name].read_bytes(), name
    assert b"Software" not in report.charts["web_traffic_text"].read_bytes()


def test_the_command_line_prints_what_it_wrote(warehouse, tmp_path, capsys):
    assert (
        main(["--as-of", "2024-12-18", "--out", str(tmp_path), "--warehouse", str(warehouse)]) == 0
    )
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == str(tmp_path / "weekly-report-2024-12-18.html")
    assert printed[1:] == [str(tmp_path / "2024-12-18" / f"{name}.png") for name in CHARTS]


def test_the_command_line_fails_in_one_line_without_a_warehouse(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(WAREHOUSE_ENV, str(tmp_path / "none.duckdb"))
    assert main(["--as-of", "2024-12-18", "--out", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("weekly report: no warehouse at ")
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert main(["--as-of", "2024-12-18", "--warehouse", str(empty)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "the warehouse is empty" in error
    assert not list(tmp_path.glob("*.html"))


def test_the_asset_is_weekly_single_run_and_built_on_the_marts():
    spec = weekly_report.specs_by_key[dg.AssetKey(["reports", "weekly_report"])]
    assert weekly_report.partitions_def == weekly_partitions
    assert weekly_report.backfill_policy == dg.BackfillPolicy.single_run()
    # what its query files read: the marts, the reference tables as their seeds, and the
    # daily downloads the month in progress is counted from up to the as-of date
    assert {dep.asset_key for dep in spec.deps} == {
        dg.AssetKey(["staging", "stg_app_downloads"]),
        dg.AssetKey(["seeds", "apps"]),
        dg.AssetKey(["marts", "stock_performance"]),
        dg.AssetKey(["marts", "sector_performance_daily"]),
        dg.AssetKey(["marts", "web_traffic_weekly"]),
        dg.AssetKey(["marts", "app_downloads_monthly"]),
        dg.AssetKey(["marts", "gpu_prices_weekly"]),
        dg.AssetKey(["marts", "release_events"]),
        dg.AssetKey(["seeds", "watchlist"]),
        dg.AssetKey(["seeds", "sites"]),
    }
    assert spec.kinds == {"html"}


def test_the_asset_renders_each_week_and_reports_weeks_without_data(
    warehouse, tmp_path, monkeypatch
):
    monkeypatch.setenv(WAREHOUSE_ENV, str(warehouse))
    result = dg.materialize(
        [weekly_report],
        instance=dg.DagsterInstance.ephemeral(),
        resources={"run_start": RunStart()},
        run_config={"ops": {"reports__weekly_report": {"config": {"out_dir": str(tmp_path)}}}},
        tags={
            "dagster/asset_partition_range_start": "2024-12-16",
            "dagster/asset_partition_range_end": "2024-12-23",
        },
    )
    assert result.success, "a week without data does not fail the run"
    events = result.get_asset_materialization_events()
    assert {event.materialization.partition for event in events} == {"2024-12-16", "2024-12-23"}
    metadata = events[0].materialization.metadata
    assert metadata["reports_written"].value == 1
    assert metadata["weeks_without_data"].value == {
        "2024-12-23": "no market data landed in this week yet"
    }
    # The week of 2024-12-16 as of its last landed session, Thursday 12-19.
    assert (tmp_path / "weekly-report-2024-12-19.html").is_file()
    assert "CPU/GPU：" in metadata["preview"].value


def test_the_asset_joins_the_project_definitions_downstream_of_the_dbt_marts():
    from orchestration.definitions import build_definitions

    defs = dg.Definitions.merge(build_definitions(), dg.Definitions(assets=[weekly_report]))
    graph = defs.resolve_asset_graph()
    node = graph.get(dg.AssetKey(["reports", "weekly_report"]))
    assert node.parent_keys == set(report_dependencies())
    assert all(graph.get(key).is_materializable for key in node.parent_keys), "dbt builds them"


def test_the_page_embeds_its_glyphs_and_the_seeds_names_only():
    import base64
    import io
    import re

    from fontTools.ttLib import TTFont

    from orchestration.report.fonts import embedded_font_css

    css = embedded_font_css("寒武纪 +8.72%")
    data = re.search(r"base64,([A-Za-z0-9+/=]+)\)", css).group(1)
    font = TTFont(io.BytesIO(base64.b64decode(data)))
    cmap = font.getBestCmap()
    assert {ord(ch) for ch in "寒武纪+8.72%"} <= set(cmap)
    assert ord("豆") in cmap  # 豆包, an app of the seeds: kept for the weeks it is shown
    assert ord("龘") not in cmap  # in neither the page, the seeds nor the report's wording
    assert len(data) < 400_000  # a few hundred glyphs, not the font's 65,000
    # The same characters in another order: the font is cut once, not again.
    assert embedded_font_css("%27.8+ 纪武寒") == css


def test_every_week_shares_one_cut_of_the_font_kept_on_disk(monkeypatch, tmp_path):
    from orchestration.feeds.releases.events_file import events_file
    from orchestration.report import fonts

    monkeypatch.setenv("COMPUTE_WEEKLY_CACHE_DIR", str(tmp_path))
    fonts._font_css_for.cache_clear()
    kept = fonts._always_kept_characters()
    # Names of the release-events file and the queries' headers are kept, so the weeks
    # that show them do not cut the font again.
    assert set("人民币") <= kept  # exhibit 1's unit, from queries/
    assert set("豆包") <= kept  # an app of the seeds
    assert set(events_file().read_text(encoding="utf-8")) - {"\n", "\r"} <= kept
    week_a = fonts.embedded_font_css("英伟达 -3.98% 人民币")
    (cached,) = tmp_path.joinpath("fonts").iterdir()
    assert cached.read_text(encoding="ascii") == week_a

    # Another process (the cache in memory gone) reads it from disk, cutting nothing.
    fonts._font_css_for.cache_clear()

    def refuse(*args):
        raise AssertionError("the font was cut again")

    monkeypatch.setattr(fonts, "_cut_font_css", refuse)
    assert fonts.embedded_font_css("寒武纪 +8.72%") == week_a
    fonts._font_css_for.cache_clear()


def test_how_many_processes_render_a_range_of_weeks(monkeypatch):
    from orchestration.report import batch

    monkeypatch.setattr(batch, "available_cpus", lambda: 2)
    assert [batch.worker_count(n) for n in (0, 1, 4, 7, 8, 52)] == [1, 1, 1, 1, 2, 2]
    assert batch.worker_count(52, requested=1) == 1
    assert batch.worker_count(3, requested=8) == 3  # never more processes than reports
    monkeypatch.setattr(batch, "available_cpus", lambda: 64)
    assert [batch.worker_count(n) for n in (12, 52, 520)] == [3, 8, 8]  # at most MAX_WORKERS
    monkeypatch.setattr(batch, "available_cpus", lambda: 1)
    assert batch.worker_count(52) == 1


def _worker_count_here(results) -> None:
    from orchestration.report import batch

    results.put((batch.worker_count(52, requested=4), batch.worker_count(52)))


def test_a_daemonic_process_renders_alone():
    """A Celery worker's process is daemonic: it may not start processes of its own."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_worker_count_here, args=(results,), daemon=True)
    process.start()
    assert results.get(timeout=60) == (1, 1)
    process.join(timeout=60)


def test_worker_processes_write_the_same_reports_and_keep_each_weeks_error(
    report, warehouse, tmp_path
):
    from orchestration.report.batch import render_reports
    from orchestration.report.sql import ReportError

    weeks = {
        "2024-12-16": AS_OF,
        "2024-12-09": dt.date(2024, 12, 13),
        "2020-01-06": dt.date(2020, 1, 10),
    }
    in_workers = render_reports(weeks, tmp_path / "workers", warehouse, workers=2)
    alone = render_reports(weeks, tmp_path / "alone", warehouse, workers=1)
    assert list(in_workers) == ["2020-01-06", "2024-12-09", "2024-12-16"]
    assert isinstance(in_workers["2020-01-06"], ReportError)  # before the warehouse's data
    assert str(in_workers["2020-01-06"]) == str(alone["2020-01-06"])
    for week in ("2024-12-09", "2024-12-16"):
        assert in_workers[week].facts == alone[week].facts
        for built, other in zip(in_workers[week].paths, alone[week].paths, strict=True):
            assert built.read_bytes() == other.read_bytes(), built.name
    assert in_workers["2024-12-16"].html.read_bytes() == report.html.read_bytes()


def test_the_header_states_the_last_day_of_data(report):
    html = report.html.read_text(encoding="utf-8")
    assert "行情数据截至 2024-12-18" in html


def test_an_as_of_date_that_is_not_a_date_names_the_format(capsys):
    with pytest.raises(SystemExit):
        main(["--as-of", "garbage"])
    assert "'garbage' is not a date: expected YYYY-MM-DD" in capsys.readouterr().err


def test_an_as_of_date_past_the_newest_data_fails_naming_it(warehouse, tmp_path, capsys):
    """A report as of 2030 would print 2024's numbers under 2030's week labels: it fails,
    saying what the newest data is."""
    out = tmp_path / "out"
    assert main(["--as-of", "2030-01-01", "--out", str(out), "--warehouse", str(warehouse)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "no market data in the week of 2030-01-01" in error
    assert "the newest data landed is market 2024-12-19" in error
    assert "on or before 2024-12-19" in error
    assert not out.exists() or not list(out.glob("*.html"))
    # The week after the newest data still renders: its Monday's week has data.
    assert main(["--as-of", "2024-12-22", "--out", str(out), "--warehouse", str(warehouse)]) == 0


def test_a_weekend_as_of_date_is_one_note_not_a_dagger_on_every_line(warehouse, tmp_path):
    """As of Saturday 21 December: no listing traded; the newest session (NVDA.O's, Thursday
    19th) is unmarked, the listings whose exchange had no later session are marked."""
    html = build_report(dt.date(2024, 12, 21), tmp_path, warehouse).html.read_text("utf-8")
    exhibit = html.split("<h2>图表 1")[1].split("<h2>")[0]
    assert "NVDA.O†" not in exhibit and exhibit.count("†</td>") == 2
    assert exhibit.count("为非交易日") == 1
    weekday = build_report(AS_OF, tmp_path, warehouse).html.read_text("utf-8")
    assert "为非交易日" not in weekday


def test_a_report_holds_nothing_from_after_its_as_of_date(tmp_path):
    """The warehouse holds a bar, a release and downloads from after 2024-12-18: the
    report as of that day is what could have been written on it."""
    warehouse = build_warehouse(tmp_path / "later.duckdb", releases=True)
    page = build_report(AS_OF, tmp_path / "out", warehouse).html.read_text("utf-8")
    # the text, without the embedded images and font (base64 may hold any digits)
    html = re.sub(r"data:[^\")]*", "", page)
    for later in ("2024-12-19", "2024-12-20", "12/19", "12/20", "12 月 19 日", "12 月 20 日"):
        assert later not in html, later
    assert "1-800-ChatGPT" not in html  # released on the 19th, Beijing time
    exhibit_1 = html.split("<h2>图表 1")[1].split("<h2>")[0]
    assert "-4.00%" in exhibit_1 and "50.00%" not in exhibit_1  # NVDA.O's week on the 19th
    assert "含报告日后" not in html and "统计至 12/17" in html


def test_the_exhibits_come_in_the_seeds_order_with_exhibits_7_and_8(tmp_path):
    warehouse = build_warehouse(tmp_path / "wh.duckdb", releases=True)
    html = build_report(AS_OF, tmp_path / "out", warehouse).html.read_text("utf-8")
    headings = re.findall(r"<h[23]>(图表 [0-9-]+|板块表现)", html)
    assert headings == [
        "图表 1", "板块表现", "图表 2-3", "图表 4", "图表 5", "图表 6", "图表 7", "图表 8", "图表 9"
    ]  # fmt: skip
    exhibit_7 = html.split("<h3>图表 7")[1].split("<h3>")[0]
    # the last week ended by 12-18 (12-09..15), not the week in progress
    assert "最近一周（1209-1215）二手较新品折价：NVIDIA H100 80GB PCIe 15.00%" in exhibit_7
    assert "蓝色代表新品售卖价格，红色代表二手商品价格" in exhibit_7
    assert "Keepa" in exhibit_7
    exhibit_8 = html.split("<h3>图表 8")[1].split("<h3>")[0]
    assert "折价" not in exhibit_8  # no A100 price: the chart says 暂无数据
