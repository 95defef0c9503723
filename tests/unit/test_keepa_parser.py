"""Parsing Keepa product histories: Keepa minutes, cents, -1 (no offer), and the one price
per day with the last known price carried forward and marked."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from orchestration import seeds
from orchestration.feeds.gpu.keepa import (
    KeepaError,
    PriceEvent,
    daily_prices,
    find_product,
    keepa_minutes,
    keepa_time,
    parse_prices,
    price_events,
)
from orchestration.feeds.lib.base import FeedDataError
from orchestration.partitions import DateWindow, WeekWindow

LA = ZoneInfo("America/Los_Angeles")
WEEK = WeekWindow.from_partition_key("2024-12-09")
H100 = seeds.GpuListing("h100_pcie_80gb", "amazon.com", "B0TESTH100", dt.date(2023, 1, 2))


def km(text: str, zone: ZoneInfo = LA) -> int:
    """Keepa minutes of a local 'YYYY-MM-DD HH:MM' in `zone`."""
    return keepa_minutes(dt.datetime.fromisoformat(text).replace(tzinfo=zone))


def product(new: list[int] | None = None, used: list[int] | None = None, **fields: Any) -> dict:
    return {
        "asin": "B0TESTH100",
        "domainId": 1,
        "productType": 0,
        "lastUpdate": km("2024-12-20 09:00"),
        "csv": [None, new, used],
        **fields,
    }


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def prices(rows: list[dict], condition: str = "new") -> list[tuple]:
    return [
        (row["date"].isoformat(), row["price"], row["is_carried_forward"], str(row["price_since"]))
        for row in rows
        if row["condition"] == condition
    ]


# --- Keepa minutes and cents ----------------------------------------------------------------


def test_keepa_minutes_are_minutes_since_2011_in_utc():
    # Keepa's own example: 411180 => 1318510800000 ms, i.e. (411180 + 21564000) * 60000.
    assert keepa_time(411180) == dt.datetime.fromtimestamp(1318510800, tz=dt.UTC)
    assert keepa_time(0) == dt.datetime(2011, 1, 1, tzinfo=dt.UTC)
    moment = dt.datetime(2024, 12, 5, 18, 0, tzinfo=dt.UTC)
    assert keepa_time(keepa_minutes(moment)) == moment


def test_prices_are_cents_and_minus_one_is_no_offer():
    events = price_events([411180, 2849999, 411240, -1], "test", minor_units=100)
    assert events == [
        PriceEvent(keepa_time(411180), 28499.99),
        PriceEvent(keepa_time(411240), None),
    ]


def test_yen_prices_are_whole_yen():
    listing = seeds.GpuListing("h100_pcie_80gb", "amazon.co.jp", "B0TESTH100", day("2023-01-02"))
    tokyo = ZoneInfo("Asia/Tokyo")
    payload = product(
        new=[km("2024-12-09 10:00", tokyo), 4_500_000],
        domainId=5,
        lastUpdate=km("2024-12-20 09:00"),
    )
    rows, _ = parse_prices(
        payload, listing=listing, window=DateWindow(day("2024-12-09"), day("2024-12-10"))
    )
    assert [(row["price"], row["currency"]) for row in rows] == [(4_500_000.0, "JPY")]


# --- one price per day --------------------------------------------------------------------


def test_a_day_without_a_change_carries_the_last_price_and_says_since_when():
    rows, notes = parse_prices(
        product(new=[km("2024-12-06 12:00"), 3000000, km("2024-12-11 08:00"), 2950000]),
        listing=H100,
        window=WEEK,
    )
    assert prices(rows) == [
        ("2024-12-09", 30000.0, True, "2024-12-06"),
        ("2024-12-10", 30000.0, True, "2024-12-06"),
        ("2024-12-11", 29500.0, False, "2024-12-11"),
        ("2024-12-12", 29500.0, True, "2024-12-11"),
        ("2024-12-13", 29500.0, True, "2024-12-11"),
        ("2024-12-14", 29500.0, True, "2024-12-11"),
        ("2024-12-15", 29500.0, True, "2024-12-11"),
    ]
    assert notes == []
    assert {(row["marketplace"], row["currency"]) for row in rows} == {("amazon.com", "USD")}


def test_the_last_change_of_the_day_is_its_price():
    events = [
        PriceEvent(dt.datetime(2024, 12, 9, 17, tzinfo=dt.UTC), 100.0),
        PriceEvent(dt.datetime(2024, 12, 9, 20, tzinfo=dt.UTC), 90.0),
        PriceEvent(dt.datetime(2024, 12, 9, 23, tzinfo=dt.UTC), 95.0),
    ]
    [price] = daily_prices(events, [day("2024-12-09")], LA)
    assert (price.price, price.is_carried_forward) == (95.0, False)


def test_days_are_the_marketplaces_own():
    # 2024-12-10 05:00 UTC is still 2024-12-09 in Los Angeles.
    events = [PriceEvent(dt.datetime(2024, 12, 10, 5, tzinfo=dt.UTC), 100.0)]
    found = daily_prices(events, [day("2024-12-09"), day("2024-12-10")], LA)
    assert [(p.day, p.is_carried_forward) for p in found] == [
        (day("2024-12-09"), False),
        (day("2024-12-10"), True),
    ]


def test_no_offer_ends_the_rows_and_a_new_offer_starts_them_again():
    rows, _ = parse_prices(
        product(
            used=[
                km("2024-12-01 09:00"),
                2500000,
                km("2024-12-10 15:00"),
                -1,  # gone in the afternoon of the 10th
                km("2024-12-13 11:00"),
                2400000,
            ]
        ),  # fmt: skip
        listing=H100,
        window=WEEK,
    )
    assert prices(rows, "used") == [
        ("2024-12-09", 25000.0, True, "2024-12-01"),
        ("2024-12-10", 25000.0, True, "2024-12-01"),  # offered in the morning
        ("2024-12-13", 24000.0, False, "2024-12-13"),
        ("2024-12-14", 24000.0, True, "2024-12-13"),
        ("2024-12-15", 24000.0, True, "2024-12-13"),
    ]


def test_a_price_set_the_day_the_offer_went_counts_for_that_day():
    events = [
        PriceEvent(dt.datetime(2024, 12, 9, 17, tzinfo=dt.UTC), 100.0),
        PriceEvent(dt.datetime(2024, 12, 9, 19, tzinfo=dt.UTC), None),
    ]
    [price] = daily_prices(events, [day("2024-12-09"), day("2024-12-10")], LA)
    assert (price.day, price.price, price.is_carried_forward) == (day("2024-12-09"), 100.0, False)


def test_days_before_tracking_starts_and_after_the_last_update_are_not_landed():
    listing = seeds.GpuListing("h100_pcie_80gb", "amazon.com", "B0TESTH100", day("2024-12-11"))
    rows, notes = parse_prices(
        product(new=[km("2024-12-01 09:00"), 3000000], lastUpdate=km("2024-12-13 09:00")),
        listing=listing,
        window=WEEK,
    )
    assert [row["date"].isoformat() for row in rows] == ["2024-12-11", "2024-12-12", "2024-12-13"]
    assert notes == [
        "Keepa amazon.com B0TESTH100 (h100_pcie_80gb): Keepa last updated the product on "
        "2024-12-13; later days of 2024-12-09..2024-12-15 are not landed"
    ]


def test_a_short_csv_and_null_series_have_no_rows():
    rows, notes = parse_prices(
        product(csv=[None, [km("2024-12-01 09:00"), 3000000]]), listing=H100, window=WEEK
    )
    assert {row["condition"] for row in rows} == {"new"}
    rows, notes = parse_prices(product(csv=None), listing=H100, window=WEEK)
    assert rows == [] and "no price history" in notes[0]


# --- product types and answers --------------------------------------------------------------


def test_prices_hidden_are_a_note():
    rows, notes = parse_prices(product(productType=3), listing=H100, window=WEEK)
    assert rows == []
    assert "productType 3 (UNACCESSIBLE" in notes[0]


@pytest.mark.parametrize(("product_type", "name"), [(4, "INVALID"), (5, "VARIATION_PARENT")])
def test_a_product_that_cannot_be_priced_is_an_error(product_type, name):
    with pytest.raises(KeepaError, match=f"productType {product_type} \\({name}"):
        parse_prices(product(productType=product_type), listing=H100, window=WEEK)


def test_the_domain_must_be_the_listings_marketplace():
    with pytest.raises(FeedDataError, match="domainId 3, not 1"):
        parse_prices(product(domainId=3), listing=H100, window=WEEK)
    ebay = seeds.GpuListing("h100_pcie_80gb", "ebay.com", "B0TESTH100", day("2023-01-02"))
    with pytest.raises(FeedDataError, match="'ebay.com' is not an Amazon marketplace"):
        parse_prices(product(), listing=ebay, window=WEEK)


@pytest.mark.parametrize(
    ("series", "problem"),
    [
        ([km("2024-12-01 09:00")], "1 values, not \\[time, price\\] pairs"),
        ([km("2024-12-01 09:00"), "2999.00"], "'2999.00' is not an integer"),
        ([km("2024-12-01 09:00"), 299900.0], "299900.0 is not an integer"),
        ([km("2024-12-01 09:00"), True], "True is not an integer"),
        ([km("2024-12-02 09:00"), 1, km("2024-12-01 09:00"), 2], "goes back from"),
        ([km("2024-12-01 09:00"), -2], "price -2 is not a price or -1"),
        ({"time": 1}, "expected an array"),
    ],
)
def test_a_malformed_series_names_the_product_and_the_value(series, problem):
    with pytest.raises(FeedDataError, match=problem) as caught:
        parse_prices(product(new=series), listing=H100, window=WEEK)
    assert "B0TESTH100 (h100_pcie_80gb) csv[1] (new)" in str(caught.value)


def test_a_zero_price_is_passed_on_for_the_check_to_reject():
    rows, _ = parse_prices(product(new=[km("2024-12-09 09:00"), 0]), listing=H100, window=WEEK)
    assert {row["price"] for row in rows} == {0.0}


def test_the_product_is_found_by_asin():
    payload = {"products": [{"asin": "OTHER"}, {"asin": "B0TESTH100", "csv": None}]}
    assert find_product(payload, "B0TESTH100") == {"asin": "B0TESTH100", "csv": None}
    assert find_product(payload, "B0MISSING1") is None


@pytest.mark.parametrize(
    ("payload", "error", "problem"),
    [
        ({"error": {"type": "invalidParameter", "message": "bad asin"}}, KeepaError,
         "error in the answer: invalidParameter: bad asin"),
        ({"tokensLeft": 5}, FeedDataError, "'products' is missing"),
        ({"products": ["B0TESTH100"]}, FeedDataError, "products\\[0\\] is not an object"),
        ([], FeedDataError, "expected a JSON object"),
    ],
)  # fmt: skip
def test_an_answer_of_the_wrong_shape_is_an_error(payload, error, problem):
    with pytest.raises(error, match=problem):
        find_product(payload, "B0TESTH100")
