"""What the report's data reaches, on the small warehouse: an as-of date past a session the
market data does not have fails naming what landed, a day no exchange traded still
renders, and the header dates every feed up to the as-of date, never past it."""

from __future__ import annotations

import datetime as dt

import pytest

from orchestration.report import sql
from orchestration.report.__main__ import main
from orchestration.report.build import build_report
from tests.unit.report_warehouse import build_warehouse

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def with_sessions(tmp_path_factory):
    """Bars up to NVDA.O's 12-19 (XNAS) and 寒武纪's 12-18 (XSHG), and December's sessions."""
    return build_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb", sessions=True)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return build_warehouse(tmp_path_factory.mktemp("plain") / "warehouse.duckdb")


def test_the_sessions_each_exchange_traded_after_its_newest_bar(with_sessions, plain):
    with sql.open_warehouse(with_sessions) as con:
        assert sql.sessions_without_data(con, D("2024-12-20")) == {
            "XNAS": (D("2024-12-19"), D("2024-12-20")),
            "XSHG": (D("2024-12-18"), D("2024-12-19")),
        }
        assert sql.sessions_without_data(con, D("2024-12-18")) == {}
        # Sunday: XNAS's newest bar by then is Friday 12-13, no session since
        assert sql.sessions_without_data(con, D("2024-12-15")) == {}
    with sql.open_warehouse(plain) as con:
        assert sql.sessions_without_data(con, D("2024-12-20")) == {}, "no calendar, no claim"


def test_an_as_of_date_past_a_session_without_market_data_fails_naming_it(
    with_sessions, tmp_path, capsys
):
    """As of Friday 12-20 the warehouse has no bar of that day (nor XSHG's 12-19): the
    report would call the 20th a non-trading day and show Thursday's numbers as the week
    to Friday. It fails, naming the sessions missing and what landed."""
    out = tmp_path / "out"
    args = ["--out", str(out), "--warehouse", str(with_sessions)]
    assert main(["--as-of", "2024-12-20", *args]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "the as-of date 2024-12-20 is past the newest market data" in error
    assert "XNAS has a session on 2024-12-20 (newest bar 2024-12-19)" in error
    assert "XSHG has a session on 2024-12-19 (newest bar 2024-12-18)" in error
    assert "the newest data landed is market 2024-12-19, app downloads 2024-12-20" in error
    assert "Choose an as-of date on or before 2024-12-18" in error
    assert not out.exists() or not list(out.glob("*.html"))


def test_an_as_of_date_the_market_data_reaches_renders(with_sessions, tmp_path):
    """The 18th has every exchange's bar; Sunday 15th is no exchange's session: the
    report shows Friday's close and says so once."""
    weekday = build_report(D("2024-12-18"), tmp_path, with_sessions).html.read_text("utf-8")
    assert "为非交易日" not in weekday
    sunday = build_report(D("2024-12-15"), tmp_path, with_sessions).html.read_text("utf-8")
    note = "2024 年 12 月 15 日为非交易日，取此前最近交易日（2024 年 12 月 13 日）收盘"
    assert sunday.count(note) == 1


def test_the_header_dates_each_feed_up_to_the_as_of_date(plain, tmp_path):
    """The daily downloads run to 12-20; as of 12-18 the newest day counted is the 17th."""
    html = build_report(D("2024-12-18"), tmp_path, plain).html.read_text("utf-8")
    assert "行情数据截至 2024-12-18" in html
    assert (
        '<p class="meta">其余数据截至：App 下载量 2024-12-17；均不含 2024-12-18 之后的数据</p>'
    ) in html
    later = build_report(D("2024-12-21"), tmp_path, plain).html.read_text("utf-8")
    assert "其余数据截至：App 下载量 2024-12-20；" in later
    with sql.open_warehouse(plain) as con:
        assert sql.newest_dates(con)["app downloads"] == D("2024-12-20")
        assert sql.newest_dates(con, D("2024-12-18"))["app downloads"] == D("2024-12-17")
        assert sql.newest_dates(con, D("2024-12-18"))["web traffic"] is None  # no table


def test_a_week_s_report_is_as_of_the_last_day_every_exchange_reached(with_sessions, plain):
    """NVDA.O's Thursday bar landed, 寒武纪's (XSHG) did not: the week's report (the Dagster
    asset's) is as of Wednesday, when both had landed, not Thursday."""
    with sql.open_warehouse(with_sessions) as con:
        assert sql.last_session_in(con, D("2024-12-16"), D("2024-12-23")) == D("2024-12-18")
        assert sql.last_session_in(con, D("2024-12-09"), D("2024-12-16")) == D("2024-12-13")
        assert sql.last_session_in(con, D("2024-12-23"), D("2024-12-30")) is None
    with sql.open_warehouse(plain) as con:  # no calendar: the last landed day
        assert sql.last_session_in(con, D("2024-12-16"), D("2024-12-23")) == D("2024-12-19")
