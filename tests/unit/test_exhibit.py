"""Exhibit 1's text layout: CJK-aware columns, percentages, blanks for a missing listing."""

from __future__ import annotations

import datetime as dt

import pytest

from orchestration.exhibit import _width, exhibit_1, format_exhibit

ROWS = [
    {"sector": "CPU/GPU", "code": "NVDA.O", "company": "英伟达", "market_cap": 31570.0,
     "unit": "亿美元", "week_pct": -3.98, "month_pct": -6.75, "year_pct": 160.38},
    {"sector": "云计算", "code": "0020.HK", "company": "商汤科技", "market_cap": None,
     "unit": "亿美元", "week_pct": None, "month_pct": None, "year_pct": None},
]  # fmt: skip


def test_rows_are_aligned_by_display_width():
    lines = format_exhibit(ROWS).splitlines()
    assert len(lines) == 3
    assert len({_width(line.rstrip()) for line in lines[:2]}) == 1
    assert "31,570" in lines[1] and "-3.98%" in lines[1] and "160.38%" in lines[1]
    assert lines[2].split()[:4] == ["云计算", "0020.HK", "商汤科技", "亿美元"]


def test_a_missing_warehouse_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `make demo`"):
        exhibit_1(dt.date(2024, 12, 18), tmp_path / "none.duckdb")
