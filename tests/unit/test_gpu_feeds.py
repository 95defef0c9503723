"""The csv and demo GPU price feeds: the csv layout, and a demo that is deterministic,
realistic (used below new, H100 prices falling through 2024) and Keepa-shaped."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from pathlib import Path

import pytest

from orchestration import seeds
from orchestration.feeds.gpu import demo_model as gpu_model
from orchestration.feeds.gpu.csv_files import CsvGpuFeed, read_price_file
from orchestration.feeds.gpu.datasets import GPU_PRICES
from orchestration.feeds.gpu.demo import DemoGpuFeed, demo_asin, product_payload
from orchestration.feeds.gpu.keepa import keepa_time
from orchestration.feeds.gpu.rules import gpu_price_spikes
from orchestration.feeds.lib.base import FeedConfigError, FeedDataError
from orchestration.partitions import DateWindow, WeekWindow
from orchestration.quality.rules import AuditContext

WEEK = WeekWindow.from_partition_key("2024-12-16")
LATER = dt.date(2026, 1, 1)
H100 = seeds.GpuListing("h100_pcie_80gb", "amazon.com", None, dt.date(2023, 1, 2))
JD = seeds.GpuListing("h100_pcie_80gb", "jd.com", None, dt.date(2023, 1, 2))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# --- csv --------------------------------------------------------------------------------


def test_csv_rows_are_landed_as_observed(tmp_path: Path):
    path = write(
        tmp_path,
        "h100_pcie_80gb.csv",
        'Date,Condition,Price\n2024-12-17,Used,"21,950.5"\n2024-12-16,new,25999\n',
    )

    assert read_price_file(path, "h100_pcie_80gb", [H100]) == [
        {
            "product_id": "h100_pcie_80gb",
            "condition": "new",
            "marketplace": "amazon.com",
            "date": day("2024-12-16"),
            "price": 25999.0,
            "currency": "USD",
            "is_carried_forward": False,
            "price_since": day("2024-12-16"),
            "source_ref": "h100_pcie_80gb.csv",
        },
        {
            "product_id": "h100_pcie_80gb",
            "condition": "used",
            "marketplace": "amazon.com",
            "date": day("2024-12-17"),
            "price": 21950.5,
            "currency": "USD",
            "is_carried_forward": False,
            "price_since": day("2024-12-17"),
            "source_ref": "h100_pcie_80gb.csv",
        },
    ]


def test_csv_marketplace_and_currency_cells(tmp_path: Path):
    path = write(
        tmp_path,
        "h100_pcie_80gb.csv",
        "date,condition,price,marketplace,currency\n"
        "2024-12-16,new,25999,amazon.com,\n"
        "2024-12-16,new,189000,jd.com,cny\n",
    )

    rows = read_price_file(path, "h100_pcie_80gb", [H100, JD])

    assert [(r["marketplace"], r["currency"]) for r in rows] == [
        ("amazon.com", "USD"),
        ("jd.com", "CNY"),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("date,condition,price\n2024-12-16,refurbished,1\n", "condition 'refurbished' is not"),
        ("date,condition,price\n2024-12-16,new,\n", "line 2: empty price"),
        ("date,condition,price\n2024-12-16,new,1\n2024-12-16,new,2\n", "appears twice"),
        ("date,price\n2024-12-16,1\n", "no condition column"),
        ("date,condition,price,marketplace\n2024-12-16,new,1,ebay.com\n", "no currency"),
    ],
)
def test_csv_errors_name_the_file_and_line(tmp_path: Path, text: str, problem: str):
    path = write(tmp_path, "h100_pcie_80gb.csv", text)

    with pytest.raises(FeedDataError, match=problem):
        read_price_file(path, "h100_pcie_80gb", [H100])


def test_csv_a_card_on_several_marketplaces_needs_the_cell(tmp_path: Path):
    path = write(tmp_path, "h100_pcie_80gb.csv", "date,condition,price\n2024-12-16,new,1\n")

    with pytest.raises(FeedDataError, match="no marketplace, and h100_pcie_80gb has 2 listings"):
        read_price_file(path, "h100_pcie_80gb", [H100, JD])


def test_csv_feed_selects_the_week_and_notes_missing_files(tmp_path: Path):
    write(
        tmp_path,
        "h100_pcie_80gb.csv",
        "date,condition,price\n2024-12-15,new,26000\n2024-12-16,new,25999\n",
    )
    a100 = seeds.GpuListing("a100_pcie_40gb", "amazon.com", None, dt.date(2023, 1, 2))

    batch = CsvGpuFeed(tmp_path, listings=[H100, a100]).fetch(WEEK)

    assert [(row["date"], row["price"]) for row in batch.rows] == [(day("2024-12-16"), 25999.0)]
    assert batch.notes == [f"no file in {tmp_path} for 1 card(s): a100_pcie_40gb"]


def test_csv_feed_folder_must_exist(tmp_path: Path):
    with pytest.raises(FeedConfigError, match="GPU_CSV_DIR=.* is not a directory"):
        CsvGpuFeed(tmp_path / "nowhere")


# --- demo -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_2024() -> dict[tuple[str, str, dt.date], float]:
    """Every demo price of 2024 by (card, condition, day)."""
    feed = DemoGpuFeed(today=LATER)
    prices = {}
    week = WeekWindow.from_partition_key("2024-01-01")
    while week.start.year == 2024:
        for row in feed.fetch(week).rows:
            if row["date"].year == 2024:
                prices[(row["product_id"], row["condition"], row["date"])] = row["price"]
        week = WeekWindow(week.end, week.end + dt.timedelta(days=7))
    return prices


def test_demo_is_deterministic_and_a_week_does_not_depend_on_the_range():
    first = DemoGpuFeed(today=LATER).fetch(WEEK)
    gpu_model._events.cache_clear()
    gpu_model._new_levels.cache_clear()
    alone = DemoGpuFeed(today=LATER).fetch(WEEK)
    assert first.rows == alone.rows and first.rows
    # The same days seen from a later fetch (the week of the fetch does not matter).
    later = DemoGpuFeed(today=LATER).fetch(DateWindow(WEEK.start, WEEK.end))
    assert later.rows == first.rows


def test_demo_serves_every_card_in_both_conditions_with_the_contracts_columns():
    batch = DemoGpuFeed(today=LATER).fetch(WEEK)
    assert {(r["product_id"], r["condition"]) for r in batch.rows} == {
        (product, condition)
        for product in ("h100_pcie_80gb", "h100_sxm_80gb", "a100_pcie_40gb", "a100_pcie_80gb")
        for condition in ("new", "used")
    }
    names = {field.name for field in GPU_PRICES.data_fields}
    assert all(set(row) == names for row in batch.rows)
    assert batch.notes == []


def test_demo_used_is_always_below_new(demo_2024):
    pairs = [
        (new, demo_2024[(product, "used", on)])
        for (product, condition, on), new in demo_2024.items()
        if condition == "new" and (product, "used", on) in demo_2024
    ]
    assert len(pairs) > 4 * 300
    assert all(used < new for new, used in pairs)
    discounts = [(new - used) / new for new, used in pairs]
    assert min(discounts) > 0.08 and max(discounts) < 0.30


@pytest.mark.parametrize("product", ["h100_pcie_80gb", "h100_sxm_80gb"])
def test_demo_h100_prices_fall_through_2024(demo_2024, product):
    for condition in ("new", "used"):
        quarters = [
            statistics.mean(
                price
                for (p, c, on), price in demo_2024.items()
                if p == product and c == condition and (on.month - 1) // 3 == quarter
            )
            for quarter in range(4)
        ]
        assert quarters == sorted(quarters, reverse=True), (condition, quarters)
        assert quarters[3] < quarters[0] * 0.8, (condition, quarters)


def test_demo_prices_are_in_a_realistic_range(demo_2024):
    december = defaultdict(list)
    for (product, condition, on), price in demo_2024.items():
        if on.month == 12 and condition == "new":
            december[product].append(price)
    assert 22_000 < min(december["h100_pcie_80gb"]) < max(december["h100_pcie_80gb"]) < 30_000
    assert 6_000 < min(december["a100_pcie_40gb"]) < max(december["a100_pcie_40gb"]) < 10_000


def test_demo_has_no_spike_the_check_would_flag(demo_2024):
    rows = [
        {"product_id": p, "condition": c, "marketplace": "amazon.com", "date": on,
         "price": price, "currency": "USD"}
        for (p, c, on), price in demo_2024.items()
    ]  # fmt: skip
    ctx = AuditContext(GPU_PRICES, DateWindow(day("2024-01-01"), day("2025-01-01")), LATER)
    assert gpu_price_spikes(rows, ctx) == []


def test_demo_payload_is_keepa_shaped_with_changes_outages_and_carried_days():
    payload = product_payload(H100, day("2025-01-01"))
    [product] = payload["products"]
    assert product["asin"] == demo_asin(H100) == "DEMO-h100_pcie_80gb"
    assert (product["domainId"], product["productType"], product["csv"][0]) == (1, 0, None)
    new, used = product["csv"][1], product["csv"][2]
    assert all(isinstance(value, int) for value in new + used)
    assert -1 in used[1::2]  # a used outage: no offer for a few days
    assert all(price % 1000 == 999 for price in new[1::2])  # cents, like $28,489.99
    assert keepa_time(new[0]).date() <= day("2023-01-03")
    assert keepa_time(product["lastUpdate"]) < dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC)
    batch = DemoGpuFeed(today=LATER).fetch(WEEK)
    carried = [row["is_carried_forward"] for row in batch.rows]
    assert any(carried) and not all(carried)


def test_demo_serves_nothing_from_today_on_nor_before_a_card_is_tracked():
    rows = DemoGpuFeed(today=day("2024-12-18")).fetch(WEEK).rows
    assert max(row["date"] for row in rows) == day("2024-12-17")
    sxm = DemoGpuFeed(today=LATER).fetch(WeekWindow.from_partition_key("2023-08-28")).rows
    assert {row["date"] for row in sxm if row["product_id"] == "h100_sxm_80gb"} == {
        day("2023-09-01"),
        day("2023-09-02"),
        day("2023-09-03"),
    }


def test_demo_notes_cards_it_has_no_model_for():
    other = seeds.GpuListing("b200_sxm_192gb", "amazon.com", None, dt.date(2024, 1, 1))
    batch = DemoGpuFeed(today=LATER, listings=[other, JD]).fetch(WEEK)
    assert batch.rows == []
    assert batch.notes == [
        "the demo has no price model for 2 listing(s): b200_sxm_192gb (amazon.com), "
        "h100_pcie_80gb (jd.com)"
    ]
