"""Exhibit 1 as of 2024-12-18, from the demo feed and from real reference closes."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from orchestration.exhibit import exhibit_1
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.integration

AS_OF = dt.date(2024, 12, 18)
REPORT = {
    row["code"]: row
    for row in csv.DictReader(
        (PROJECT_ROOT / "tests" / "fixtures" / "exhibit_1_2024-12-18.csv").open(encoding="utf-8")
    )
}
# ../shared/reference/README.md: the year-to-date column is reproduced by the 11 US
# listings, 000660.KS and the A-shares that paid no dividend in 2024.
YTD_REPRODUCED = {
    "NVDA.O", "INTC.O", "AMD.O", "MU.O", "TSM.N", "MSFT.O", "AMZN.O", "GOOGL.O", "META.O",
    "ORCL.N", "SMCI.O", "000660.KS", "688047.SH", "688256.SH", "603986.SH", "688981.SH",
    "688362.SH",
}  # fmt: skip


def _by_code(rows: list[dict]) -> dict[str, dict]:
    return {row["code"]: row for row in rows}


def test_demo_reproduces_every_row_of_exhibit_1(demo_year):
    rows = _by_code(exhibit_1(AS_OF, demo_year.warehouse))
    assert list(rows) == list(REPORT), "every listing, in the report's order"
    for code, printed in REPORT.items():
        ours = rows[code]
        assert ours["as_of_date"] == AS_OF, code
        assert (ours["sector"], ours["company"], ours["unit"]) == (
            printed["sector"], printed["company"], printed["unit"],
        ), code  # fmt: skip
        for column in ("week_pct", "month_pct", "year_pct"):
            assert abs(ours[column] - float(printed[column])) <= 0.005, (code, column)
        cap = float(printed["market_cap"])
        assert abs(ours["market_cap"] - cap) <= 0.005 * cap, (code, ours["market_cap"], cap)


def test_reference_closes_reproduce_the_week_month_and_year_columns(reference_csv_year):
    rows = _by_code(exhibit_1(AS_OF, reference_csv_year.warehouse))
    missing = set(REPORT) - {code for code, row in rows.items() if row["week_pct"] is not None}
    assert missing == {"0020.HK", "2382.TW", "6669.TW", "2356.TW"}, "no public series for these"
    for code in set(REPORT) - missing:
        ours, printed = rows[code], REPORT[code]
        assert ours["as_of_date"] == AS_OF, code
        assert abs(ours["week_pct"] - float(printed["week_pct"])) <= 0.015, (code, "week")
        assert abs(ours["month_pct"] - float(printed["month_pct"])) <= 0.015, (code, "month")
        if code in YTD_REPRODUCED:
            assert abs(ours["year_pct"] - float(printed["year_pct"])) <= 0.015, (code, "year")
