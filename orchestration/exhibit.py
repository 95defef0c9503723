"""Print exhibit 1 (the weekly price review of the watchlist) from the warehouse.

    python -m orchestration.exhibit --as-of 2024-12-18

Runs `queries/exhibit_1_stock_performance.sql` read-only against the warehouse and prints
it in the report's layout: sector, code, company, market cap in 亿, unit, and the week,
month and year changes in percent. A listing whose exchange has not traded yet in the
as-of date's week, month or year shows 0.00 for that period, not the change its last
session had in an earlier one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import unicodedata
from pathlib import Path

import duckdb

from orchestration.published_builds import readable_warehouse
from orchestration.settings import PROJECT_ROOT

QUERY_FILE = PROJECT_ROOT / "queries" / "exhibit_1_stock_performance.sql"
HEADERS = ("板块", "代码", "公司", "市值", "单位", "本周", "本月", "本年")


def exhibit_1(as_of: dt.date, warehouse: Path | None = None) -> list[dict]:
    """Exhibit 1 rows as of `as_of`, one per watchlist listing (empty values for one
    without a bar on or before it)."""
    path = warehouse or readable_warehouse()
    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `make demo` (or a backfill) first")
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET VARIABLE as_of = ?", [as_of])
        result = con.execute(QUERY_FILE.read_text(encoding="utf-8"))
        names = [column[0] for column in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(width - _width(text), 0)
    return gap + text if right else text + gap


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}%"


def format_exhibit(rows: list[dict]) -> str:
    table = [
        (
            row["sector"],
            row["code"],
            row["company"],
            "" if row["market_cap"] is None else f"{row['market_cap']:,.0f}",
            row["unit"] or "",
            _pct(row["week_pct"]),
            _pct(row["month_pct"]),
            _pct(row["year_pct"]),
        )
        for row in rows
    ]
    widths = [
        max(_width(str(cells[i])) for cells in [HEADERS, *table]) for i in range(len(HEADERS))
    ]
    numeric = {3, 5, 6, 7}
    lines = []
    for cells in [HEADERS, *table]:
        lines.append("  ".join(_pad(str(c), widths[i], i in numeric) for i, c in enumerate(cells)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2024, 12, 18))
    args = parser.parse_args(argv)
    try:
        rows = exhibit_1(args.as_of)
    except (FileNotFoundError, duckdb.Error) as exc:
        print(f"exhibit 1: {exc}", file=sys.stderr)
        return 1
    print(f"图表 1: 算力股价本周复盘 as of {args.as_of} (each listing's last session on or before)")
    print(format_exhibit(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
