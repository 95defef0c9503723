"""The data-quality rules of raw/gpu_prices and raw/release_events, called on rows as a
landed table gives them, and their severities."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pyarrow as pa
import pytest

from orchestration.feeds.gpu.datasets import GPU_PRICES
from orchestration.feeds.releases.datasets import RELEASE_EVENTS
from orchestration.partitions import DateWindow, WeekWindow
from orchestration.quality.policy import QualityPolicy
from orchestration.quality.rules import AuditContext, rules_by_dataset

D = dt.date
WEEK = WeekWindow.from_partition_key("2024-12-16")
TODAY = D(2024, 12, 23)
SPAN = DateWindow(D(2022, 1, 1), D(2028, 1, 1))
PROVENANCE = {
    "source": "test",
    "source_ref": None,
    "fetched_at": dt.datetime(2024, 12, 23, tzinfo=dt.UTC),
}


def rule(dataset: str, name: str):
    return next(r for r in rules_by_dataset()[dataset] if r.name == name)


def check(dataset: str, name: str, rows: list[dict], **context) -> list[dict]:
    window = context.pop("window", WEEK if dataset == "gpu_prices" else SPAN)
    ds = GPU_PRICES if dataset == "gpu_prices" else RELEASE_EVENTS
    ctx = AuditContext(dataset=ds, window=window, today=TODAY, **context)
    return rule(dataset, name).evaluate(rows, ctx)


def price(day: dt.date, value: float, condition: str = "new", **values) -> dict:
    return {
        "product_id": "h100_pcie_80gb",
        "condition": condition,
        "marketplace": "amazon.com",
        "date": day,
        "price": value,
        "currency": "USD",
        "is_carried_forward": False,
        "price_since": day,
        **PROVENANCE,
        **values,
    }


def event(event_id: str = "e1", **values) -> dict:
    return {
        "event_id": event_id,
        "vendor": "OpenAI",
        "product": "Sora",
        "product_zh": None,
        "highlight": "1080p video",
        "highlight_zh": None,
        "local_date": D(2024, 12, 9),
        "local_time": "10:00",
        "time_zone": "America/Los_Angeles",
        "source_url": "https://openai.com/12-days/?day=3",
        **PROVENANCE,
        **values,
    }


@pytest.mark.parametrize(
    ("dataset", "name", "severity"),
    [
        ("gpu_prices", "unique_key", dg.AssetCheckSeverity.ERROR),
        ("gpu_prices", "positive_prices", dg.AssetCheckSeverity.ERROR),
        ("gpu_prices", "known_conditions", dg.AssetCheckSeverity.ERROR),
        ("gpu_prices", "price_spikes", dg.AssetCheckSeverity.WARN),
        ("gpu_prices", "freshness", dg.AssetCheckSeverity.WARN),
        ("release_events", "unique_key", dg.AssetCheckSeverity.ERROR),
        ("release_events", "valid_time_zones", dg.AssetCheckSeverity.ERROR),
        ("release_events", "no_duplicate_events", dg.AssetCheckSeverity.ERROR),
        ("release_events", "has_source", dg.AssetCheckSeverity.ERROR),
    ],
)
def test_severities(dataset, name, severity):
    assert rule(dataset, name).severity(QualityPolicy()) == severity


# --- gpu_prices -------------------------------------------------------------------------------


def test_one_observation_per_card_condition_marketplace_and_day():
    rows = [
        price(D(2024, 12, 16), 100.0),
        price(D(2024, 12, 16), 101.0),  # the same day twice
        price(D(2024, 12, 16), 90.0, "used"),
        price(D(2024, 12, 16), 100.0, marketplace="amazon.de"),
    ]
    assert check("gpu_prices", "unique_key", rows) == [
        {
            "product_id": "h100_pcie_80gb",
            "condition": "new",
            "marketplace": "amazon.com",
            "date": D(2024, 12, 16),
            "occurrences": 2,
        }
    ]


def test_prices_must_be_positive():
    rows = [price(D(2024, 12, 16), 0.0), price(D(2024, 12, 17), -5.0), price(D(2024, 12, 18), 1)]
    failing = check("gpu_prices", "positive_prices", rows)
    assert [(row["date"], row["price"]) for row in failing] == [
        (D(2024, 12, 16), 0.0),
        (D(2024, 12, 17), -5.0),
    ]


def test_conditions_are_new_or_used():
    rows = [price(D(2024, 12, 16), 1.0, "refurbished"), price(D(2024, 12, 16), 1.0, "used")]
    assert [row["condition"] for row in check("gpu_prices", "known_conditions", rows)] == [
        "refurbished"
    ]


def test_a_spike_is_a_change_beyond_the_threshold_from_the_previous_observation():
    rows = [
        price(D(2024, 12, 16), 20000.0),
        price(D(2024, 12, 17), 27000.0),  # +35 %
        price(D(2024, 12, 20), 26000.0),  # after a gap: compared with the 17th
        price(D(2024, 12, 16), 15000.0, "used"),
        price(D(2024, 12, 18), 19000.0, "used"),  # +26.7 %: within 30 %
    ]
    assert check("gpu_prices", "price_spikes", rows) == [
        {
            "product_id": "h100_pcie_80gb",
            "condition": "new",
            "marketplace": "amazon.com",
            "date": D(2024, 12, 17),
            "price": 27000.0,
            "previous_date": D(2024, 12, 16),
            "previous_price": 20000.0,
            "change": 0.35,
        }
    ]
    strict = check(
        "gpu_prices", "price_spikes", rows, policy=QualityPolicy(gpu_max_daily_change=0.2)
    )
    assert [(row["condition"], row["date"]) for row in strict] == [
        ("new", D(2024, 12, 17)),
        ("used", D(2024, 12, 18)),
    ]


def test_the_first_day_of_a_week_is_compared_with_the_last_of_the_week_before():
    previous = pa.Table.from_pylist(
        [price(D(2024, 12, 14), 30000.0), price(D(2024, 12, 15), 20000.0)],
        schema=GPU_PRICES.schema,
    )
    rows = [price(D(2024, 12, 16), 30000.0)]
    [spike] = check("gpu_prices", "price_spikes", rows, previous=previous)
    assert (spike["previous_date"], spike["change"]) == (D(2024, 12, 15), 0.5)


def test_gpu_freshness_wants_the_whole_week_two_days_after_it():
    rows = [price(WEEK.start + dt.timedelta(days=i), 100.0) for i in range(5)]  # to Friday
    ctx = {"window": WEEK}
    assert check("gpu_prices", "freshness", rows, **ctx) == []  # deadline Tuesday 12-24
    late = AuditContext(GPU_PRICES, WEEK, D(2024, 12, 25))
    [finding] = rule("gpu_prices", "freshness").evaluate(rows, late)
    assert (finding["expected_through"], finding["found_through"]) == (
        D(2024, 12, 22),
        D(2024, 12, 20),
    )


# --- release_events ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"time_zone": "PST"}, "'PST' is not an IANA time zone"),
        ({"time_zone": "Beijing"}, "'Beijing' is not an IANA time zone"),
        ({"local_time": "24:00"}, "local time '24:00' is not HH:MM"),
        ({"local_time": "10am"}, "local time '10am' is not HH:MM"),
        (
            {"local_date": D(2024, 3, 10), "local_time": "02:30"},  # spring forward in LA
            "2024-03-10 02:30 does not exist in America/Los_Angeles",
        ),
    ],
)
def test_time_zones_and_local_times_must_be_valid(values, problem):
    [failing] = check("release_events", "valid_time_zones", [event(**values)])
    assert failing["problem"].startswith(problem)


def test_valid_zones_and_times_pass():
    rows = [
        event("e1"),
        event("e2", time_zone="Asia/Shanghai", local_time="23:59"),
        event("e3", time_zone="UTC", local_time=None),
        event("e4", local_date=D(2024, 11, 3), local_time="01:30"),  # ambiguous, exists
    ]
    assert check("release_events", "valid_time_zones", rows) == []


def test_the_same_event_under_two_ids_is_a_duplicate():
    rows = [
        event("sora"),
        event("sora-again", product=" sora ", local_time="11:00"),
        event("sora-next-day", local_date=D(2024, 12, 10)),
        event("other-vendor", vendor="Google"),
    ]
    assert check("release_events", "no_duplicate_events", rows) == [
        {
            "vendor": "OpenAI",
            "product": "Sora",
            "local_date": D(2024, 12, 9),
            "event_ids": "sora, sora-again",
        }
    ]


def test_an_event_id_twice_is_a_key_violation():
    [failing] = check("release_events", "unique_key", [event("e1"), event("e1", product="x")])
    assert failing == {"event_id": "e1", "occurrences": 2}


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (None, "no source URL"),
        ("", "no source URL"),
        ("openai.com/12-days", "not an http(s) URL"),
        ("ftp://openai.com/", "not an http(s) URL"),
        ("https://", "not an http(s) URL"),
        ("https://openai.com/a b", "not an http(s) URL"),
    ],
)
def test_every_event_needs_a_web_source(url, problem):
    [failing] = check("release_events", "has_source", [event(source_url=url)])
    assert failing["problem"] == problem
    assert check("release_events", "has_source", [event()]) == []
