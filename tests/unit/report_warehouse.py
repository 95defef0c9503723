"""A small warehouse for the report's unit tests: the marts the report reads, created with
the columns and types of their dbt contracts (`_marts.yml`), and a few rows of each.

Written in DuckDB storage v1.0.0, as the pipeline publishes it, so the DuckDB 1.x CLI
opens it too. Numbers are chosen so the expected values are exact:

- sectors: CPU/GPU (NVDA.O, 688256.SH, 688047.SH) and 云计算 (0020.HK, no bar at all);
  as of Wednesday 2024-12-18, NVDA.O -4 % (week-base cap 300), 688256.SH +10 % (100),
  688047.SH -2 % (100, last bar 12-17: its exchange "closed" on 12-18). Rows before the
  week (12-13) and after the as-of date (12-19) must not count. The sector roll-up of
  these bars, as of each session, is given as the daily sector mart holds it;
- web traffic: ChatGPT and Kimi (text), Ideogram (image, tracked from 2024-07-11, a
  partial first week), Runway (video), weeks of 2024-12-02, 12-09 and 12-16 (the last
  not ended as of 12-18);
- app downloads: 豆包, Kimi智能助手 and 腾讯元宝 in 2024-10..12 (December in progress,
  through 12-17; 腾讯元宝's November has its last day but only 20 days). The daily
  staging table holds December's days, through 12-17 and then 12-19 and 12-20, after the
  as-of date, which the monthly mart's December counts (as a warehouse built later would)
  and a report as of 12-18 must not;
- GPU prices: the H100 PCIe card on amazon.com, new and used, weeks of 2024-12-02,
  12-09 and 12-16 (not ended as of 12-18: its price must not show), used 15 % below
  new in the week of 12-09; the A100 family has no price (its chart says so);
- release events (optional): three OpenAI days around the week of 2024-12-16;
- exchange sessions (optional, staging.stg_exchange_sessions): December 2024's sessions of
  the three exchanges, so the market data stops short of sessions it should have (XNAS
  traded on 12-20, XSHG on 12-19 and 12-20, with no bar landed).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import yaml

from orchestration.settings import DBT_PROJECT_DIR

MARTS_YAML = DBT_PROJECT_DIR / "models" / "marts" / "_marts.yml"
GPU_MARTS_YAML = DBT_PROJECT_DIR / "models" / "marts" / "_marts_gpu_releases.yml"
D = dt.date.fromisoformat


def mart_columns() -> dict[str, list[tuple[str, str]]]:
    """Each mart's (column, type) as its contract declares them."""
    models = [
        model
        for path in (MARTS_YAML, GPU_MARTS_YAML)
        for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]
        if "columns" in model and all("data_type" in column for column in model["columns"])
    ]
    return {
        model["name"]: [(column["name"], column["data_type"]) for column in model["columns"]]
        for model in models
    }


REFERENCE = {
    "watchlist": [
        ("symbol", "varchar"), ("display_order", "integer"), ("sector", "varchar"),
        ("sector_en", "varchar"), ("company_zh", "varchar"), ("company_en", "varchar"),
        ("exchange", "varchar"), ("currency", "varchar"), ("report_unit", "varchar"),
    ],
    "apps": [("app_id", "varchar"), ("display_name", "varchar")],
    "sites": [
        ("site_id", "varchar"), ("display_name", "varchar"), ("vendor", "varchar"),
        ("category", "varchar"), ("tracked_from", "date"),
    ],
}  # fmt: skip

# The columns of marts.release_events being added (exhibit 9), as far as the report reads.
RELEASE_EVENTS = [
    ("event_id", "varchar"), ("vendor", "varchar"), ("product", "varchar"),
    ("product_zh", "varchar"), ("highlight", "varchar"), ("highlight_zh", "varchar"),
    ("source_url", "varchar"), ("time_zone", "varchar"), ("local_date", "date"),
    ("local_time", "varchar"), ("event_at", "timestamp with time zone"),
    ("pacific_date", "date"), ("beijing_date", "date"), ("week_start", "date"),
    ("is_time_known", "boolean"),
]  # fmt: skip

WATCHLIST = [
    {"symbol": "NVDA.O", "display_order": 1, "sector": "CPU/GPU", "company_zh": "英伟达",
     "exchange": "XNAS", "report_unit": "USD"},
    {"symbol": "688256.SH", "display_order": 2, "sector": "CPU/GPU", "company_zh": "寒武纪",
     "exchange": "XSHG", "report_unit": "CNY"},
    {"symbol": "688047.SH", "display_order": 3, "sector": "CPU/GPU", "company_zh": "龙芯中科",
     "exchange": "XSHG", "report_unit": "CNY"},
    {"symbol": "0020.HK", "display_order": 4, "sector": "云计算", "company_zh": "商汤科技",
     "exchange": "XHKG", "report_unit": "USD"},
]  # fmt: skip


def _bar(symbol: str, day: str, wtd: float, base_cap: float, cap_usd: float, **more) -> dict:
    listing = next(row for row in WATCHLIST if row["symbol"] == symbol)
    as_of = D(day)
    return {
        "symbol": symbol, "company": listing["company_zh"], "sector": listing["sector"],
        "exchange": listing["exchange"], "display_order": listing["display_order"],
        "as_of_date": as_of, "market_cap_100m": cap_usd * (7 if symbol != "NVDA.O" else 1),
        "market_cap_unit": listing["report_unit"], "market_cap_usd_100m": cap_usd,
        "return_wtd": wtd, "return_mtd": wtd / 2, "return_ytd": wtd * 3,
        "week_start": as_of - dt.timedelta(days=as_of.weekday()),
        "week_base_market_cap_usd_100m": base_cap, **more,
    }  # fmt: skip


STOCK_PERFORMANCE = [
    _bar("NVDA.O", "2024-12-13", 0.30, 250.0, 330.0),  # the week before
    _bar("NVDA.O", "2024-12-16", 0.01, 300.0, 303.0),
    _bar("NVDA.O", "2024-12-17", -0.02, 300.0, 294.0),
    _bar("NVDA.O", "2024-12-18", -0.04, 300.0, 288.0),
    _bar("NVDA.O", "2024-12-19", 0.50, 300.0, 450.0),  # after the as-of date
    _bar("688256.SH", "2024-12-16", 0.05, 100.0, 105.0),
    _bar("688256.SH", "2024-12-18", 0.10, 100.0, 110.0),
    _bar("688047.SH", "2024-12-17", -0.02, 100.0, 98.0),  # no bar on 12-16 or 12-18
]


def _sector_day(
    day: str,
    listings: int,
    cap_weighted: float,
    equal: float,
    cap: float,
    best: tuple[str, str, float],
    worst: tuple[str, str, float],
) -> dict:
    as_of = D(day)
    return {
        "sector": "CPU/GPU", "week_start": as_of - dt.timedelta(days=as_of.weekday()),
        "as_of_date": as_of, "listings": listings, "listings_with_return": listings,
        "return_cap_weighted": cap_weighted, "return_equal_weighted": equal,
        "market_cap_usd_100m": cap,
        "best_symbol": best[0], "best_company": best[1], "best_return_wtd": best[2],
        "worst_symbol": worst[0], "worst_company": worst[1], "worst_return_wtd": worst[2],
    }  # fmt: skip


NVDA, CAMBRICON, LOONGSON = ("NVDA.O", "英伟达"), ("688256.SH", "寒武纪"), ("688047.SH", "龙芯中科")
# marts.sector_performance_daily for the bars above, as the dbt model rolls them up (its
# dbt unit test pins that arithmetic): as of each session of the week, each listing at its
# last bar on or before it.
SECTOR_PERFORMANCE_DAILY = [
    _sector_day("2024-12-13", 1, 0.30, 0.30, 330.0, (*NVDA, 0.30), (*NVDA, 0.30)),  # week before
    # (1 % x 300 + 5 % x 100) / 400; 303 + 105
    _sector_day("2024-12-16", 2, 0.02, 0.03, 408.0, (*CAMBRICON, 0.05), (*NVDA, 0.01)),
    _sector_day("2024-12-17", 3, -0.006, 0.01 / 3, 497.0, (*CAMBRICON, 0.05), (*NVDA, -0.02)),
    # (-4 % x 300 + 10 % x 100 - 2 % x 100) / 500 and (-4 + 10 - 2) / 3; 288 + 110 + 98
    _sector_day("2024-12-18", 3, -0.008, 0.04 / 3, 496.0, (*CAMBRICON, 0.10), (*NVDA, -0.04)),
    _sector_day("2024-12-19", 3, 0.28, 0.58 / 3, 658.0, (*NVDA, 0.50), (*LOONGSON, -0.02)),  # after
]


def _week(site: str, name: str, category: str, week: str, visits: float, days: int = 7) -> dict:
    return {
        "site_id": site, "display_name": name, "category": category, "week_start": D(week),
        "visits": visits, "visits_10k": visits / 1e4, "days_with_data": days,
        "is_complete_week": days == 7, "is_final": False,
    }  # fmt: skip


WEB_TRAFFIC_WEEKLY = [
    _week("chatgpt", "ChatGPT", "text", "2024-12-02", 900_000_000.0),
    _week("chatgpt", "ChatGPT", "text", "2024-12-09", 920_000_000.0),
    _week("chatgpt", "ChatGPT", "text", "2024-12-16", 990_000_000.0),  # not ended by 12-18
    _week("kimi", "Kimi", "text", "2024-12-02", 12_000_000.0),
    _week("kimi", "Kimi", "text", "2024-12-09", 10_000_000.0),
    _week("kimi", "Kimi", "text", "2024-12-16", 99_000_000.0),
    _week("ideogram", "Ideogram", "image", "2024-12-02", 3_000_000.0, days=5),
    _week("ideogram", "Ideogram", "image", "2024-12-09", 5_000_000.0),
    _week("runway", "Runway", "video", "2024-12-09", 2_500_000.0),
]
SITES = [
    {"site_id": "chatgpt", "display_name": "ChatGPT", "category": "text",
     "tracked_from": D("2023-01-02")},
    {"site_id": "kimi", "display_name": "Kimi", "category": "text",
     "tracked_from": D("2023-10-09")},
    {"site_id": "ideogram", "display_name": "Ideogram", "category": "image",
     "tracked_from": D("2024-12-04")},
    {"site_id": "runway", "display_name": "Runway", "category": "video",
     "tracked_from": D("2023-01-02")},
]  # fmt: skip


def _month(app: str, name: str, month: str, downloads: float, days: int, last: str) -> dict:
    start = D(month)
    return {
        "app_id": app, "display_name": name, "platform": "ios", "month_start": start,
        "downloads": downloads, "downloads_10k": downloads / 1e4, "days_with_data": days,
        "last_download_date": D(last),
        "is_complete_period": D(last).month != (D(last) + dt.timedelta(days=1)).month,
    }  # fmt: skip


DECEMBER_SO_FAR = {"doubao": 7_000_000.0, "kimi": 3_000_000.0, "yuanbao": 2_000_000.0}
AFTER_AS_OF = 50_000_000.0  # each of 12-19 and 12-20: no report as of 12-18 may count it
APPS = [
    {"app_id": "doubao", "display_name": "豆包"},
    {"app_id": "kimi", "display_name": "Kimi智能助手"},
    {"app_id": "yuanbao", "display_name": "腾讯元宝"},
]
APP_DOWNLOADS_MONTHLY = [
    _month("doubao", "豆包", "2024-10-01", 10_000_000.0, 31, "2024-10-31"),
    _month("doubao", "豆包", "2024-11-01", 12_000_000.0, 30, "2024-11-30"),
    _month("doubao", "豆包", "2024-12-01", 7_000_000.0 + 2 * AFTER_AS_OF, 19, "2024-12-20"),
    _month("kimi", "Kimi智能助手", "2024-10-01", 4_000_000.0, 31, "2024-10-31"),
    _month("kimi", "Kimi智能助手", "2024-11-01", 6_000_000.0, 30, "2024-11-30"),
    _month("kimi", "Kimi智能助手", "2024-12-01", 3_000_000.0 + 2 * AFTER_AS_OF, 19, "2024-12-20"),
    _month("yuanbao", "腾讯元宝", "2024-10-01", 1_000_000.0, 31, "2024-10-31"),
    _month("yuanbao", "腾讯元宝", "2024-11-01", 5_000_000.0, 20, "2024-11-30"),  # 10 days lost
    _month("yuanbao", "腾讯元宝", "2024-12-01", 2_000_000.0 + 2 * AFTER_AS_OF, 19, "2024-12-20"),
]
STG_APP_DOWNLOADS_COLUMNS = [
    ("app_id", "varchar"), ("platform", "varchar"), ("download_date", "date"),
    ("downloads", "double"),
]  # fmt: skip
STG_APP_DOWNLOADS = [
    {"app_id": app, "platform": "ios", "download_date": dt.date(2024, 12, day),
     "downloads": total / 17}
    for app, total in DECEMBER_SO_FAR.items()
    for day in range(1, 18)
] + [
    {"app_id": app, "platform": "ios", "download_date": dt.date(2024, 12, day),
     "downloads": AFTER_AS_OF}
    for app in DECEMBER_SO_FAR
    for day in (19, 20)
] + [
    {"app_id": "doubao", "platform": "ios", "download_date": dt.date(2024, 11, day),
     "downloads": 12_000_000.0 / 30}
    for day in range(1, 31)
]  # fmt: skip


def _gpu(condition: str, week: str, price: float, discount: float) -> dict:
    start = D(week)
    return {
        "product_id": "h100_pcie_80gb", "display_name": "NVIDIA H100 80GB PCIe",
        "family": "H100", "condition": condition, "marketplace": "amazon.com",
        "week_start": start, "currency": "USD", "last_price": price,
        "last_price_date": start + dt.timedelta(days=6), "last_price_usd": price,
        "min_price_usd": price, "max_price_usd": price, "new_to_used_discount": discount,
        "days_with_price": 7,
    }  # fmt: skip


GPU_PRICES_WEEKLY = [
    _gpu("new", "2024-12-02", 31_000.0, 0.2),
    _gpu("used", "2024-12-02", 24_800.0, 0.2),
    _gpu("new", "2024-12-09", 30_000.0, 0.15),
    _gpu("used", "2024-12-09", 25_500.0, 0.15),
    _gpu("new", "2024-12-16", 99_000.0, 0.5),  # the week in progress on 12-18
    _gpu("used", "2024-12-16", 49_500.0, 0.5),
]


def _release(event: str, pacific: str, beijing: str, product: str, zh: str | None) -> dict:
    return {
        "event_id": event, "vendor": "OpenAI", "product": product, "product_zh": zh,
        "highlight": f"{product} highlight", "highlight_zh": None if zh is None else f"{zh}亮点",
        "source_url": "https://example.com", "time_zone": "America/Los_Angeles",
        "local_date": D(pacific), "local_time": "10:00",
        "event_at": dt.datetime.fromisoformat(f"{pacific}T18:00:00+00:00"),
        "pacific_date": D(pacific), "beijing_date": D(beijing),
        "week_start": D(beijing) - dt.timedelta(days=D(beijing).weekday()),
        "is_time_known": True,
    }  # fmt: skip


RELEASES = [
    _release("openai-12-days-07", "2024-12-13", "2024-12-14", "ChatGPT Projects", None),
    _release("openai-12-days-08", "2024-12-16", "2024-12-17", "ChatGPT search", "ChatGPT 搜索"),
    _release("openai-12-days-09", "2024-12-17", "2024-12-18", "DevDay", "DevDay"),
    _release("openai-12-days-10", "2024-12-18", "2024-12-19", "1-800-ChatGPT", None),
]


STG_EXCHANGE_SESSIONS_COLUMNS = [
    ("exchange", "varchar"), ("session_date", "date"), ("calendar_code", "varchar"),
    ("is_fallback", "boolean"),
]  # fmt: skip
HOLIDAYS = {"XNAS": {25}, "XSHG": set(), "XHKG": {25, 26}}  # days of December 2024
STG_EXCHANGE_SESSIONS = [
    {"exchange": exchange, "session_date": dt.date(2024, 12, day), "calendar_code": exchange,
     "is_fallback": False}
    for exchange, closed in HOLIDAYS.items()
    for day in range(1, 32)
    if dt.date(2024, 12, day).weekday() < 5 and day not in closed
]  # fmt: skip


def _create(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[tuple[str, str]],
    rows: list[dict[str, Any]],
) -> None:
    names = [name for name, _ in columns]
    unknown = {key for row in rows for key in row} - set(names)
    assert not unknown, f"{table} has no column {sorted(unknown)}"
    con.execute(f"create table {table} ({', '.join(f'{n} {t}' for n, t in columns)})")
    if rows:
        marks = ", ".join("?" for _ in names)
        con.executemany(
            f"insert into {table} values ({marks})", [[row.get(n) for n in names] for row in rows]
        )


def build_warehouse(path: Path, *, releases: bool = False, sessions: bool = False) -> Path:
    """The small warehouse at `path` (storage v1.0.0); with `releases`, marts.release_events;
    with `sessions`, staging.stg_exchange_sessions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    marts = mart_columns()
    rows = {
        "stock_performance": STOCK_PERFORMANCE,
        "sector_performance_daily": SECTOR_PERFORMANCE_DAILY,
        "sector_performance_weekly": [],
        "web_traffic_weekly": WEB_TRAFFIC_WEEKLY,
        "app_downloads_weekly": [],
        "app_downloads_monthly": APP_DOWNLOADS_MONTHLY,
        "gpu_prices_weekly": GPU_PRICES_WEEKLY,
    }
    with duckdb.connect() as con:
        con.execute(f"attach '{path}' as wh (storage_version 'v1.0.0')")
        con.execute("use wh")
        con.execute("create schema marts")
        con.execute("create schema reference")
        con.execute("create schema staging")
        _create(con, "staging.stg_app_downloads", STG_APP_DOWNLOADS_COLUMNS, STG_APP_DOWNLOADS)
        _create(con, "reference.apps", REFERENCE["apps"], APPS)
        for name, mart_rows in rows.items():
            _create(con, f"marts.{name}", marts[name], mart_rows)
        _create(con, "reference.watchlist", REFERENCE["watchlist"], WATCHLIST)
        _create(con, "reference.sites", REFERENCE["sites"], SITES)
        if releases:
            _create(con, "marts.release_events", RELEASE_EVENTS, RELEASES)
        if sessions:
            _create(
                con,
                "staging.stg_exchange_sessions",
                STG_EXCHANGE_SESSIONS_COLUMNS,
                STG_EXCHANGE_SESSIONS,
            )
        con.execute("use memory")
        con.execute("detach wh")
    return path
