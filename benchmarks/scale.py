"""Scale data for figure 3: N listings x Y years of daily bars, straight to Parquet.

Writes the project's landing layout (`orchestration/landing.py`) with each dataset's exact
Arrow schema, provenance columns included (`orchestration/datasets.py`):

- `raw/market_bars/week=<Monday>/data.parquet`: one bar per listing and session of its
  exchange (real calendars from `orchestration.calendars`: XNAS, XNYS, XSHG, XSHE on XSHG's,
  XHKG), a random walk per listing; about 10 % of listings list later than the first day,
  1 bar in 2,000 is missing (a suspension: the next period's change is then NULL), 5 % of
  listings have no adjusted close (as a vendor csv), 10 % carry shares outstanding in the
  feed. Adjusted closes are Yahoo's as of the week's fetch (the Saturday after it), so dbt's
  rebasing (`int_adjusted_closes`) has work to do.
- `raw/corporate_actions/week=<Monday>/...`: an annual dividend for a quarter of the
  listings and one split (2, 3, 4 or 10 for 1) for 2 %.
- `raw/fx_rates/week=<Monday>/...`: CNY and HKD per USD on weekdays (not 25-26 December
  and 1 January, so rates are carried).
- `raw/web_traffic/...` and `raw/app_downloads/...`: M sites and K apps, daily.
- `raw/exchange_sessions/data.parquet`: every session of those exchanges, from 1 January
  of the year before the first bar to two weeks after the last.

Columns are built as numpy/pyarrow arrays, one week at a time: no Python object per row.
It also writes the reference seeds for those listings, sites and apps (watchlist.csv,
listing_shares.csv, exchanges.csv, sites.csv, site_domains.csv, apps.csv, with the
columns of the project's own seeds) into `--seeds-dir`, which must be a COPY of
`dbt_project/seeds` (the benchmark makes one); the project's seeds are never written.

    python -m benchmarks.scale --raw-dir /tmp/x/raw --seeds-dir /tmp/x/dbt_project/seeds \\
        --listings 5000 --sites 26 --apps 12 --years 10

The last line printed is a JSON summary (rows and files per dataset, seconds).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.datasets import RawDataset
from orchestration.feeds.downloads.datasets import APP_DOWNLOADS
from orchestration.feeds.fx.datasets import FX_RATES
from orchestration.feeds.market.datasets import CORPORATE_ACTIONS, MARKET_BARS
from orchestration.feeds.sessions.datasets import EXCHANGE_SESSIONS
from orchestration.feeds.traffic.datasets import WEB_TRAFFIC
from orchestration.landing import partition_file, unpartitioned_file
from orchestration.partitions import FIRST_WEEK_ENV
from orchestration.settings import SEEDS_DIR

EPOCH = dt.date(1970, 1, 1)
SOURCE = "benchmark"
SOURCE_REF = "benchmarks.scale"


@dataclass(frozen=True)
class Venue:
    exchange: str  # a row of the project's exchanges.csv
    share: float  # fraction of the listings
    report_unit: str  # as the real watchlist: USD but for A-shares
    start_price: float


VENUES = (
    Venue("XNAS", 0.35, "USD", 40.0),
    Venue("XNYS", 0.10, "USD", 50.0),
    Venue("XSHG", 0.20, "CNY", 20.0),
    Venue("XSHE", 0.20, "CNY", 15.0),
    Venue("XHKG", 0.15, "USD", 10.0),
)
FX_LEVELS = {"CNY": 7.0, "HKD": 7.8}
SECTORS = (
    ("CPU/GPU", "CPU/GPU"),
    ("存储", "Memory"),
    ("晶圆代工", "Foundry"),
    ("云计算", "Cloud"),
    ("数据中心硬件", "Data-centre hardware"),
    ("先进封装", "Advanced packaging"),
)
CATEGORIES = ("text", "image", "video")


@dataclass(frozen=True)
class Span:
    """Bars on sessions in [start, end); sessions landed from a year earlier."""

    start: dt.date
    end: dt.date

    @property
    def sessions_start(self) -> dt.date:
        return dt.date(self.start.year - 1, 1, 1)

    @property
    def sessions_end(self) -> dt.date:
        return self.end + dt.timedelta(days=14)


def span_of(years: int, end: dt.date) -> Span:
    """`years` calendar years ending the day before `end` (2015-01-01..2024-12-31 for 10)."""
    return Span(dt.date(end.year - years, end.month, end.day), end)


def days(values: Sequence[dt.date]) -> np.ndarray:
    return np.array([(value - EPOCH).days for value in values], dtype=np.int32)


def monday_of(day_numbers: np.ndarray) -> np.ndarray:
    """The Monday of each day (1970-01-01, day 0, was a Thursday)."""
    return day_numbers - (day_numbers + 3) % 7


def iso(day_number: int) -> str:
    return (EPOCH + dt.timedelta(days=int(day_number))).isoformat()


def constant(value: object, type_: pa.DataType, n: int) -> pa.Array:
    return pc.take(pa.array([value], type=type_), pa.array(np.zeros(n, dtype=np.int32)))


def nullable(values: np.ndarray) -> pa.Array:
    return pa.array(values, mask=np.isnan(values))


def fetch_micros(week_monday: int) -> int:
    """Each week is fetched the Saturday after it began, 10:00 UTC (a date in every zone)."""
    return ((week_monday + 5) * 86_400 + 10 * 3_600) * 1_000_000


def with_provenance(dataset: RawDataset, arrays: list[pa.Array], week_monday: int) -> pa.Table:
    n = len(arrays[0])
    arrays = [
        *arrays,
        constant(SOURCE, pa.string(), n),
        constant(SOURCE_REF, pa.string(), n),
        pa.array(np.full(n, fetch_micros(week_monday), dtype=np.int64), pa.timestamp("us", "UTC")),
    ]
    return pa.Table.from_arrays(arrays, schema=dataset.schema)


class Writer:
    """Writes tables in the landing layout, counting rows and files per dataset."""

    def __init__(self, raw_dir: Path) -> None:
        self.raw_dir = raw_dir
        self.rows: dict[str, int] = {}
        self.files: dict[str, int] = {}

    def week(self, dataset: RawDataset, week_monday: int, table: pa.Table) -> None:
        week = EPOCH + dt.timedelta(days=int(week_monday))
        self._write(dataset, partition_file(self.raw_dir, dataset.name, week), table)

    def whole(self, dataset: RawDataset, table: pa.Table) -> None:
        self._write(dataset, unpartitioned_file(self.raw_dir, dataset.name), table)

    def _write(self, dataset: RawDataset, path: Path, table: pa.Table) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path, compression="zstd")
        self.rows[dataset.name] = self.rows.get(dataset.name, 0) + table.num_rows
        self.files[dataset.name] = self.files.get(dataset.name, 0) + 1


@dataclass
class Group:
    """The listings of one exchange, as (listing, session) matrices."""

    exchange: dict[str, str]  # the exchanges.csv row
    venue: Venue
    symbols: list[str]
    sessions: np.ndarray  # day numbers of the exchange's sessions within the span
    valid: np.ndarray  # (listings, sessions): a bar exists
    close: np.ndarray
    adj_close: np.ndarray  # NaN where the listing has no adjusted close
    shares_feed: np.ndarray  # NaN where the feed gives no shares
    global_index: np.ndarray | None = None  # rank of each symbol among all listings


def read_seed(name: str, seeds_dir: Path = SEEDS_DIR) -> tuple[list[str], list[dict[str, str]]]:
    with (seeds_dir / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_seed(seeds_dir: Path, name: str, rows: list[dict[str, object]]) -> None:
    """Write a seed with exactly the columns (and order) of the project's own seed."""
    columns, _ = read_seed(name)
    for row in rows[:1]:
        if sorted(row) != sorted(columns):
            raise RuntimeError(
                f"benchmarks.scale: generated {name}.csv columns {sorted(row)} differ from the "
                f"project's {sorted(columns)}; update benchmarks/scale.py"
            )
    with (seeds_dir / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def exchange_sessions(span: Span, exchanges: list[dict[str, str]]) -> dict[str, tuple]:
    """Per exchange: (day numbers, is_fallback) of its sessions over the landed span."""
    # orchestration.calendars knows the sessions from 1 January of the year before the first
    # partition: start the partitions in the year after the landed span begins, so the real
    # calendars cover the whole span instead of the weekday fallback.
    new_year = dt.date(span.sessions_start.year + 1, 1, 1)
    os.environ[FIRST_WEEK_ENV] = (
        new_year + dt.timedelta(days=(7 - new_year.weekday()) % 7)
    ).isoformat()
    from orchestration import calendars  # after the environment is set

    found = {}
    for row in exchanges:
        sessions = calendars.sessions(row["calendar_code"], span.sessions_start, span.sessions_end)
        found[row["exchange"]] = (
            days([s.day for s in sessions]),
            np.array([s.is_fallback for s in sessions], dtype=bool),
        )
    return found


def symbols_for(venue: Venue, suffix: str, count: int) -> list[str]:
    if suffix in ("SH",):
        return [f"{600000 + i:06d}.SH" for i in range(count)]
    if suffix in ("SZ",):
        return [f"{1 + i:06d}.SZ" for i in range(count)]
    if suffix == "HK":
        width = max(4, len(str(count)))
        return [f"{1 + i:0{width}d}.HK" for i in range(count)]
    return [f"{venue.exchange[1:3]}{i:05d}.{suffix}" for i in range(count)]


def make_group(
    rng: np.random.Generator,
    exchange: dict[str, str],
    venue: Venue,
    count: int,
    all_sessions: np.ndarray,
    span: Span,
    events: list[tuple[str, int, str, float]],
    share_rows: list[dict[str, object]],
) -> Group:
    lo, hi = np.searchsorted(all_sessions, days([span.start, span.end]))
    sessions = all_sessions[lo:hi]
    n_l, n_s = count, len(sessions)
    symbols = symbols_for(venue, exchange["wind_suffix"], count)

    start = np.where(rng.random(n_l) < 0.10, rng.integers(0, int(n_s * 0.9), n_l), 0)
    valid = np.arange(n_s)[None, :] >= start[:, None]
    valid &= rng.random((n_l, n_s)) >= 0.0005  # suspensions
    valid[np.arange(n_l), start] = True  # a listing's first day always has its bar

    # Value per original share: a random walk (about 2 % a day), then the close as traded.
    level = venue.start_price * rng.lognormal(0.0, 0.8, n_l)
    walk = rng.normal(0.0002, 0.02, (n_l, n_s)).cumsum(axis=1)
    value = level[:, None] * np.exp(walk)
    value[:, :] = np.maximum(value, 0.05)
    split_multiple = np.ones((n_l, n_s))
    split_at = np.full(n_l, -1)
    for j in np.flatnonzero(rng.random(n_l) < 0.02):
        if n_s - 1 - (start[j] + 20) < 1:
            continue
        at = int(rng.integers(start[j] + 20, n_s - 1))
        valid[j, at] = True
        ratio = float(rng.choice([2.0, 3.0, 4.0, 10.0]))
        split_multiple[j, at:] = ratio
        split_at[j] = at
        events.append((symbols[j], int(sessions[at]), "split", ratio))
    close = np.maximum(np.round(value / split_multiple, 2), 0.01)

    shares = np.round(rng.lognormal(np.log(8e8), 1.0, n_l), -3)
    for j, symbol in enumerate(symbols):
        share_rows.append(
            {
                "symbol": symbol,
                "effective_date": "2000-01-01",
                "shares_outstanding": f"{shares[j]:.0f}",
            }
        )
        if split_at[j] >= 0:
            ratio = split_multiple[j, -1]
            share_rows.append(
                {
                    "symbol": symbol,
                    "effective_date": iso(sessions[split_at[j]]),
                    "shares_outstanding": f"{shares[j] * ratio:.0f}",
                    "note": f"{ratio:g}-for-1 split",
                }
            )
    shares_feed = np.full((n_l, n_s), np.nan)
    in_feed = rng.random(n_l) < 0.10
    shares_feed[in_feed] = shares[in_feed, None] * split_multiple[in_feed]

    # Annual dividends for a quarter of the listings; Yahoo-style factors.
    index = np.arange(n_s)
    last_valid = np.maximum.accumulate(np.where(valid, index[None, :], -1), axis=1)
    factors: list[tuple[int, int, float]] = [
        (j, int(split_at[j]), 1.0 / split_multiple[j, -1]) for j in np.flatnonzero(split_at >= 0)
    ]
    for j in np.flatnonzero(rng.random(n_l) < 0.25):
        at = int(start[j] + rng.integers(5, 250))
        while at < n_s:
            if valid[j, at] and last_valid[j, at - 1] >= 0:
                previous = close[j, last_valid[j, at - 1]]
                amount = round(float(previous * rng.uniform(0.005, 0.03)), 4)
                if amount > 0:
                    events.append((symbols[j], int(sessions[at]), "dividend", amount))
                    factors.append((j, at, 1.0 - amount / previous))
            at += int(rng.integers(240, 262))

    # Yahoo's adjusted close as of each week's fetch: the events that went ex after the
    # bar and on or before the fetch are in it, later ones are not (dbt rebases those).
    fetched = monday_of(sessions) + 5
    adjustment = np.ones((n_l, n_s))
    for j, at, factor in factors:
        known_by = int(np.searchsorted(fetched, sessions[at], side="left"))
        adjustment[j, known_by:at] *= factor  # bars before ex, fetched on or after it
    adj_close = close * adjustment
    adj_close[rng.random(n_l) < 0.05] = np.nan

    return Group(exchange, venue, symbols, sessions, valid, close, adj_close, shares_feed)


def write_market(writer: Writer, rng: np.random.Generator, groups: list[Group]) -> None:
    symbols = [s for g in groups for s in g.symbols]
    order = np.argsort(np.array(symbols, dtype=object), kind="stable")
    rank = np.empty(len(symbols), dtype=np.int32)
    rank[order] = np.arange(len(symbols), dtype=np.int32)
    symbol_array = pa.array([symbols[i] for i in order], pa.string())
    currencies = sorted({g.exchange["currency"] for g in groups})
    currency_array = pa.array(currencies, pa.string())
    offset = 0
    for g in groups:
        g.global_index = rank[offset : offset + len(g.symbols)]
        offset += len(g.symbols)

    mondays = np.unique(np.concatenate([monday_of(g.sessions) for g in groups]))
    bounds = [np.searchsorted(monday_of(g.sessions), [mondays, mondays + 7]) for g in groups]
    for w, monday in enumerate(mondays):
        parts = []
        for g, (starts, ends) in zip(groups, bounds, strict=True):
            a, b = int(starts[w]), int(ends[w])
            jj, tt = np.nonzero(g.valid[:, a:b])
            tt = tt + a
            parts.append(
                (
                    g.global_index[jj],
                    g.sessions[tt],
                    g.close[jj, tt],
                    g.adj_close[jj, tt],
                    g.shares_feed[jj, tt],
                    np.full(len(jj), currencies.index(g.exchange["currency"]), dtype=np.int32),
                )
            )
        sym, day, close, adj, shares, currency = (
            np.concatenate(c) for c in zip(*parts, strict=True)
        )
        order = np.lexsort((day, sym))
        sym, day, close, adj, shares, currency = (
            a[order] for a in (sym, day, close, adj, shares, currency)
        )
        n = len(sym)
        open_ = np.round(close * (1 + rng.normal(0, 0.006, n)), 2)
        high = np.round(np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.006, n))), 2)
        low = np.maximum(
            np.round(np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.006, n))), 2), 0.01
        )
        volume = np.round(rng.lognormal(13, 1, n))
        arrays = [
            pc.take(symbol_array, pa.array(sym)),
            pa.array(day, pa.date32()),
            pa.array(open_),
            pa.array(high),
            pa.array(low),
            pa.array(close),
            nullable(adj),
            pa.array(volume),
            pc.take(currency_array, pa.array(currency)),
            nullable(shares),
        ]
        writer.week(MARKET_BARS, int(monday), with_provenance(MARKET_BARS, arrays, int(monday)))


def write_actions(writer: Writer, events: list[tuple[str, int, str, float]]) -> None:
    by_week: dict[int, list[tuple[str, int, str, float]]] = {}
    for event in sorted(events, key=lambda e: (e[0], e[1], e[2])):  # the key's order
        by_week.setdefault(event[1] - (event[1] + 3) % 7, []).append(event)
    for monday, rows in sorted(by_week.items()):
        symbol, day, action, value = zip(*rows, strict=True)
        arrays = [
            pa.array(symbol, pa.string()),
            pa.array(np.array(day, dtype=np.int32), pa.date32()),
            pa.array(action, pa.string()),
            pa.array(value, pa.float64()),
        ]
        writer.week(CORPORATE_ACTIONS, monday, with_provenance(CORPORATE_ACTIONS, arrays, monday))


def calendar_days(start: dt.date, end: dt.date) -> np.ndarray:
    return np.arange((start - EPOCH).days, (end - EPOCH).days, dtype=np.int32)


def write_weekly(
    writer: Writer, dataset: RawDataset, day: np.ndarray, columns: list[np.ndarray], make
) -> None:
    """Rows already sorted by key within a week; `make` turns a week's slices into arrays."""
    week = monday_of(day)
    order = np.lexsort((day, columns[0], week))  # week, entity (codes in name order), day
    day, week = day[order], week[order]
    columns = [c[order] for c in columns]
    mondays, starts = np.unique(week, return_index=True)
    ends = [*starts[1:], len(week)]
    for monday, a, b in zip(mondays, starts, ends, strict=True):
        arrays = make(day[a:b], *(c[a:b] for c in columns))
        writer.week(dataset, int(monday), with_provenance(dataset, arrays, int(monday)))


def write_fx(writer: Writer, rng: np.random.Generator, span: Span, currencies: list[str]) -> None:
    every_day = calendar_days(span.sessions_start, span.end + dt.timedelta(days=7))
    dates = [EPOCH + dt.timedelta(days=int(d)) for d in every_day]
    quoted = np.array(
        [d.weekday() < 5 and (d.month, d.day) not in ((12, 25), (12, 26), (1, 1)) for d in dates]
    )
    quote_days = every_day[quoted]
    codes = np.repeat(np.arange(len(currencies)), len(quote_days))
    day = np.tile(quote_days, len(currencies))
    rate = np.concatenate(
        [FX_LEVELS[c] * np.exp(rng.normal(0, 0.002, len(quote_days)).cumsum()) for c in currencies]
    )
    names = pa.array(currencies, pa.string())

    def make(day_slice, code_slice, rate_slice):
        return [
            pa.array(day_slice, pa.date32()),
            pc.take(names, pa.array(code_slice)),
            pa.array(np.round(rate_slice, 6)),
        ]

    write_weekly(writer, FX_RATES, day, [codes, rate], make)


def daily_walks(
    rng: np.random.Generator, every_day: np.ndarray, count: int, level: float, spread: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`count` daily series over `every_day`, one after another: each starts at a
    log-normal level and drifts by a random walk of 5 % a day, rounded to whole units.
    Returns each row's series index, day and value."""
    n_d = len(every_day)
    index = np.repeat(np.arange(count, dtype=np.int32), n_d)
    day = np.tile(every_day, count)
    values = np.concatenate(
        [
            np.round(rng.lognormal(level, spread) * np.exp(rng.normal(0, 0.05, n_d).cumsum()))
            for _ in range(count)
        ]
    )
    return index, day, values


def write_traffic(
    writer: Writer, rng: np.random.Generator, span: Span, sites: int, apps: int, seeds_dir: Path
) -> None:
    every_day = calendar_days(span.start, span.end)
    site_ids = [f"site_{i:03d}" for i in range(sites)]
    domains = [f"site{i:03d}.example.com" for i in range(sites)]
    categories = [CATEGORIES[i % 3] for i in range(sites)]
    start = span.start.isoformat()
    write_seed(
        seeds_dir,
        "sites",
        [
            {
                "site_id": s,
                "display_name": f"Site {i:03d}",
                "vendor": f"Vendor {i:03d}",
                "category": categories[i],
                "tracked_from": start,
            }
            for i, s in enumerate(site_ids)
        ],
    )
    write_seed(
        seeds_dir,
        "site_domains",
        [
            {"site_id": s, "domain": domains[i], "valid_from": start, "valid_to": ""}
            for i, s in enumerate(site_ids)
        ],
    )
    write_seed(
        seeds_dir,
        "apps",
        [
            {
                "app_id": f"app_{i:03d}",
                "display_name": f"应用{i:03d}",
                "display_name_en": f"App {i:03d}",
                "vendor": f"Vendor {i:03d}",
                "platform": "ios",
                "store_app_id": "",
                "tracked_from": start,
                "note": "",
            }
            for i in range(apps)
        ],
    )

    if sites:
        site, day, visits = daily_walks(rng, every_day, sites, level=15, spread=1.5)
        id_array, domain_array = pa.array(site_ids), pa.array(domains)
        category_array = pa.array(categories)

        def make_traffic(day_slice, site_slice, visits_slice):
            index = pa.array(site_slice)
            updated = np.full(len(day_slice), monday_of(day_slice[:1])[0] + 17, dtype=np.int32)
            return [
                pc.take(id_array, index),
                pc.take(domain_array, index),
                pc.take(category_array, index),
                pa.array(day_slice, pa.date32()),
                pa.array(visits_slice),
                pa.array(updated, pa.date32()),
            ]

        write_weekly(writer, WEB_TRAFFIC, day, [site, visits], make_traffic)

    if apps:
        app, day, downloads = daily_walks(rng, every_day, apps, level=11, spread=1.0)
        app_array = pa.array([f"app_{i:03d}" for i in range(apps)])

        def make_downloads(day_slice, app_slice, downloads_slice):
            return [
                pc.take(app_array, pa.array(app_slice)),
                constant("ios", pa.string(), len(day_slice)),
                pa.array(day_slice, pa.date32()),
                pa.array(downloads_slice),
            ]

        write_weekly(writer, APP_DOWNLOADS, day, [app, downloads], make_downloads)


def generate(
    raw_dir: Path,
    seeds_dir: Path,
    *,
    listings: int,
    sites: int,
    apps: int,
    years: int,
    end: dt.date,
    seed: int,
) -> dict[str, object]:
    if seeds_dir.resolve() == SEEDS_DIR.resolve():
        raise SystemExit("benchmarks.scale: --seeds-dir must be a copy, not the project's seeds")
    began = time.perf_counter()
    rng = np.random.default_rng(seed)
    span = span_of(years, end)
    writer = Writer(raw_dir)
    _, known = read_seed("exchanges")
    by_code = {row["exchange"]: row for row in known}
    exchanges = [by_code[v.exchange] for v in VENUES]
    write_seed(seeds_dir, "exchanges", exchanges)  # type: ignore[arg-type]

    sessions = exchange_sessions(span, exchanges)
    session_rows = [
        (row["exchange"], day, row["calendar_code"], fallback)
        for row in exchanges
        for day, fallback in zip(*sessions[row["exchange"]], strict=True)
    ]
    exchange, day, code, fallback = zip(*session_rows, strict=True)
    table = pa.Table.from_arrays(
        [
            pa.array(exchange, pa.string()),
            pa.array(np.array(day, dtype=np.int32), pa.date32()),
            pa.array(code, pa.string()),
            pa.array(fallback, pa.bool_()),
            constant(SOURCE, pa.string(), len(day)),
            constant(SOURCE_REF, pa.string(), len(day)),
            pa.array(
                np.full(len(day), fetch_micros(int(monday_of(days([end]))[0])), dtype=np.int64),
                pa.timestamp("us", "UTC"),
            ),
        ],
        schema=EXCHANGE_SESSIONS.schema,
    )
    writer.whole(EXCHANGE_SESSIONS, table)

    counts = [int(listings * v.share) for v in VENUES]
    counts[0] += listings - sum(counts)
    events: list[tuple[str, int, str, float]] = []
    share_rows: list[dict[str, object]] = []
    groups = [
        make_group(rng, row, venue, count, sessions[row["exchange"]][0], span, events, share_rows)
        for row, venue, count in zip(exchanges, VENUES, counts, strict=True)
        if count
    ]
    watchlist = []
    for g in groups:
        for symbol in g.symbols:
            order = len(watchlist) + 1
            sector, sector_en = SECTORS[order % len(SECTORS)]
            watchlist.append(
                {
                    "symbol": symbol,
                    "display_order": order,
                    "sector": sector,
                    "sector_en": sector_en,
                    "company_zh": f"公司{order:05d}",
                    "company_en": f"Company {order:05d}",
                    "exchange": g.exchange["exchange"],
                    "currency": g.exchange["currency"],
                    "report_unit": g.venue.report_unit,
                }
            )
    write_seed(seeds_dir, "watchlist", watchlist)
    for row in share_rows:
        row.setdefault("note", "")
    write_seed(seeds_dir, "listing_shares", share_rows)

    write_market(writer, rng, groups)
    write_actions(writer, events)
    used = sorted({g.exchange["currency"] for g in groups} - {"USD"})
    write_fx(writer, rng, span, used)
    write_traffic(writer, rng, span, sites, apps, seeds_dir)
    return {
        "listings": listings,
        "years": years,
        "span": [span.start.isoformat(), span.end.isoformat()],
        "rows": writer.rows,
        "files": writer.files,
        "events": len(events),
        "seconds": round(time.perf_counter() - began, 2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    parser.add_argument("--raw-dir", type=Path, required=True)
    parser.add_argument("--seeds-dir", type=Path, required=True, help="a copy of the seeds")
    parser.add_argument("--listings", type=int, default=5000)
    parser.add_argument("--sites", type=int, default=26)
    parser.add_argument("--apps", type=int, default=12)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2025, 1, 1))
    parser.add_argument("--seed", type=int, default=20241218)
    args = parser.parse_args(argv)
    args.seeds_dir.mkdir(parents=True, exist_ok=True)
    summary = generate(
        args.raw_dir,
        args.seeds_dir,
        listings=args.listings,
        sites=args.sites,
        apps=args.apps,
        years=args.years,
        end=args.end,
        seed=args.seed,
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
