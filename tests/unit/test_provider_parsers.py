"""Payload parsers: Frankfurter v2 rates, Similarweb v5 visits, Qimai downloads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from orchestration.feeds.downloads.qimai import QimaiError, parse_downloads
from orchestration.feeds.fx.frankfurter import parse_rates
from orchestration.feeds.lib.base import FeedDataError
from orchestration.feeds.traffic.similarweb import parse_visits

# =====================================================================================
# Frankfurter v2
# =====================================================================================


def fx_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"date": "2024-12-18", "base": "USD", "quote": "CNY", "rate": 7.2834}
    row.update(overrides)
    return row


def test_frankfurter_good_payload_gives_exact_rows() -> None:
    payload = [
        fx_row(),
        {"date": "2024-12-18", "base": "USD", "quote": "KRW", "rate": 1435},
        {"date": "2024-12-19", "base": "USD", "quote": "TWD", "rate": 32.581},
    ]

    assert parse_rates(payload) == [
        {"date": dt.date(2024, 12, 18), "currency": "CNY", "units_per_usd": 7.2834},
        {"date": dt.date(2024, 12, 18), "currency": "KRW", "units_per_usd": 1435.0},
        {"date": dt.date(2024, 12, 19), "currency": "TWD", "units_per_usd": 32.581},
    ]


def test_frankfurter_integer_rate_becomes_float() -> None:
    [row] = parse_rates([fx_row(rate=1435)])
    assert type(row["units_per_usd"]) is float


def test_frankfurter_quote_is_upper_cased() -> None:
    [row] = parse_rates([fx_row(quote="hkd")])
    assert row["currency"] == "HKD"


def test_frankfurter_empty_array_gives_no_rows() -> None:
    assert parse_rates([]) == []


@pytest.mark.parametrize("payload", [{"rates": {"CNY": 7.28}}, None, "[]", 7.28])
def test_frankfurter_non_list_raises(payload: Any) -> None:
    with pytest.raises(FeedDataError, match="expected a JSON array"):
        parse_rates(payload)


@pytest.mark.parametrize("missing", ["date", "base", "quote", "rate"])
def test_frankfurter_missing_key_raises(missing: str) -> None:
    row = fx_row()
    del row[missing]
    with pytest.raises(FeedDataError, match="row 0: expected date, base, quote, rate"):
        parse_rates([row])


def test_frankfurter_row_not_an_object_raises() -> None:
    with pytest.raises(FeedDataError, match="row 0"):
        parse_rates([["2024-12-18", "USD", "CNY", 7.28]])


def test_frankfurter_error_names_the_failing_row() -> None:
    with pytest.raises(FeedDataError, match="row 1"):
        parse_rates([fx_row(), fx_row(rate=0)])


@pytest.mark.parametrize("base", ["EUR", "CNY", None])
def test_frankfurter_base_not_usd_raises(base: Any) -> None:
    with pytest.raises(FeedDataError, match="is not USD"):
        parse_rates([fx_row(base=base)])


@pytest.mark.parametrize("date", ["2024-13-01", "2024-02-30", "18/12/2024", "", None])
def test_frankfurter_bad_date_raises(date: Any) -> None:
    with pytest.raises(FeedDataError, match=r"row 0 date: .* is not a (YYYY-MM-DD|calendar) date"):
        parse_rates([fx_row(date=date)])


@pytest.mark.parametrize("rate", [0, 0.0, -7.28, "7.28", True, False, None])
def test_frankfurter_rate_not_positive_number_raises(rate: Any) -> None:
    with pytest.raises(
        FeedDataError, match=r"row 0(:| rate:) (rate .* is not a positive number|expected a number)"
    ):
        parse_rates([fx_row(rate=rate)])


# =====================================================================================
# Similarweb v5
# =====================================================================================

SITE = {"site_id": "kimi", "domain": "kimi.moonshot.cn", "category": "chatbot"}


def sw_payload(data: Any = None, **meta_overrides: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "request": {
            "domain": "kimi.moonshot.cn",
            "metrics": ["visits"],
            "granularity": "daily",
            "start_date": "2024-12-16",
            "end_date": "2024-12-22",
            "country": "WW",
        },
        "status": "Success",
        "last_updated": "2025-01-10",
    }
    meta.update(meta_overrides)
    if data is None:
        data = [{"date": "2024-12-16", "visits": 412345678.91}]
    return {"meta": meta, "data": data}


def test_similarweb_good_payload_gives_exact_rows() -> None:
    payload = sw_payload(
        [
            {"date": "2024-12-16", "visits": 412345678.91},
            {"date": "2024-12-17", "visits": 400000000},
        ]
    )

    assert parse_visits(payload, **SITE) == [
        {
            "site_id": "kimi",
            "domain": "kimi.moonshot.cn",
            "category": "chatbot",
            "date": dt.date(2024, 12, 16),
            "visits": 412345678.91,
            "data_last_updated": dt.date(2025, 1, 10),
        },
        {
            "site_id": "kimi",
            "domain": "kimi.moonshot.cn",
            "category": "chatbot",
            "date": dt.date(2024, 12, 17),
            "visits": 400000000.0,
            "data_last_updated": dt.date(2025, 1, 10),
        },
    ]


def test_similarweb_fractional_visits_stay_exact_floats() -> None:
    [row] = parse_visits(sw_payload([{"date": "2024-12-16", "visits": 412345678.91}]), **SITE)
    assert row["visits"] == 412345678.91
    assert type(row["visits"]) is float


def test_similarweb_last_updated_with_time_part_parsed_to_date() -> None:
    [row] = parse_visits(sw_payload(last_updated="2025-01-10T03:04:05Z"), **SITE)
    assert row["data_last_updated"] == dt.date(2025, 1, 10)


def test_similarweb_absent_last_updated_is_none() -> None:
    payload = sw_payload()
    del payload["meta"]["last_updated"]
    [row] = parse_visits(payload, **SITE)
    assert row["data_last_updated"] is None


@pytest.mark.parametrize("updated", ["yesterday", "2025-13-10", 20250110])
def test_similarweb_bad_last_updated_raises(updated: Any) -> None:
    with pytest.raises(FeedDataError, match="last_updated"):
        parse_visits(sw_payload(last_updated=updated), **SITE)


def test_similarweb_empty_data_gives_no_rows() -> None:
    assert parse_visits(sw_payload([]), **SITE) == []


@pytest.mark.parametrize("status", ["Error", None])
def test_similarweb_status_not_success_raises(status: Any) -> None:
    with pytest.raises(FeedDataError, match="meta.status"):
        parse_visits(sw_payload(status=status), **SITE)


def test_similarweb_missing_status_raises() -> None:
    payload = sw_payload()
    del payload["meta"]["status"]
    with pytest.raises(FeedDataError, match="meta.status is None"):
        parse_visits(payload, **SITE)


@pytest.mark.parametrize("granularity", ["weekly", "Weekly", "monthly"])
def test_similarweb_non_daily_granularity_rejected(granularity: str) -> None:
    payload = sw_payload()
    payload["meta"]["request"]["granularity"] = granularity
    with pytest.raises(FeedDataError, match="only daily is landed"):
        parse_visits(payload, **SITE)


def test_similarweb_granularity_absent_is_taken_as_daily() -> None:
    payload = sw_payload()
    del payload["meta"]["request"]["granularity"]
    assert len(parse_visits(payload, **SITE)) == 1


@pytest.mark.parametrize(
    "payload",
    [
        [],
        None,
        {"data": []},  # no meta
        {"meta": {"status": "Success"}},  # no data
    ],
)
def test_similarweb_not_an_envelope_raises(payload: Any) -> None:
    with pytest.raises(FeedDataError, match="expected an object with 'meta' and 'data'"):
        parse_visits(payload, **SITE)


@pytest.mark.parametrize("data", [{"2024-12-16": 1.0}, "2024-12-16", 5])
def test_similarweb_data_not_a_list_raises(data: Any) -> None:
    payload = sw_payload()
    payload["data"] = data
    with pytest.raises(FeedDataError, match="'data' is not an array"):
        parse_visits(payload, **SITE)


@pytest.mark.parametrize(
    "item",
    [
        {"date": "2024-13-01", "visits": 1.0},
        {"date": "16/12/2024", "visits": 1.0},
        {"date": None, "visits": 1.0},
        {"visits": 1.0},
        "2024-12-16",
    ],
)
def test_similarweb_bad_date_raises(item: Any) -> None:
    with pytest.raises(
        FeedDataError, match=r"row 0(: not an object| date: .* is not a (YYYY-MM-DD|calendar) date)"
    ):
        parse_visits(sw_payload([item]), **SITE)


@pytest.mark.parametrize("visits", ["412345678.91", None, True])
def test_similarweb_visits_not_a_number_raises(visits: Any) -> None:
    with pytest.raises(
        FeedDataError, match="2024-12-16(:| visits:) (visits is null|expected a number)"
    ):
        parse_visits(sw_payload([{"date": "2024-12-16", "visits": visits}]), **SITE)


def test_similarweb_missing_visits_raises() -> None:
    with pytest.raises(FeedDataError, match="2024-12-16: visits is null"):
        parse_visits(sw_payload([{"date": "2024-12-16"}]), **SITE)


# =====================================================================================
# Qimai
# =====================================================================================

APP = {"app_id": "doubao", "platform": "ios"}
JAN_1_CST_MS = 1735660800000  # 2025-01-01 00:00 Asia/Shanghai = 2024-12-31T16:00Z
JAN_2_CST_MS = 1735747200000  # 2025-01-02 00:00 Asia/Shanghai


def qm_payload(points: Any) -> dict[str, Any]:
    return {"code": 10000, "msg": "成功", "data": {"list": points, "avgList": []}}


def test_qimai_good_payload_gives_exact_rows() -> None:
    payload = qm_payload([[JAN_1_CST_MS, 152340], [JAN_2_CST_MS, 160112]])

    assert parse_downloads(payload, **APP) == [
        {"app_id": "doubao", "platform": "ios", "date": dt.date(2025, 1, 1), "downloads": 152340.0},
        {"app_id": "doubao", "platform": "ios", "date": dt.date(2025, 1, 2), "downloads": 160112.0},
    ]


def test_qimai_day_is_the_shanghai_date_not_the_utc_date() -> None:
    [row] = parse_downloads(qm_payload([[JAN_1_CST_MS, 1]]), **APP)
    assert dt.datetime.fromtimestamp(JAN_1_CST_MS / 1000, dt.UTC).date() == dt.date(2024, 12, 31)
    assert row["date"] == dt.date(2025, 1, 1)


def test_qimai_float_value_kept() -> None:
    [row] = parse_downloads(qm_payload([[JAN_1_CST_MS, 1234.5]]), **APP)
    assert row["downloads"] == 1234.5


def test_qimai_tuple_point_accepted() -> None:
    [row] = parse_downloads(qm_payload([(JAN_1_CST_MS, 7)]), **APP)
    assert row["downloads"] == 7.0


def test_qimai_empty_list_gives_no_rows() -> None:
    assert parse_downloads(qm_payload([]), **APP) == []


def test_qimai_error_code_raises_with_the_provider_message() -> None:
    payload = {
        "code": 10605,
        "msg": "当前网络或账号异常，请半小时后重试",
        "is_logout": 0,
        "banip": "203.0.113.7",
    }

    with pytest.raises(QimaiError) as caught:
        parse_downloads(payload, **APP)

    message = str(caught.value)
    assert "code 10605" in message
    assert "当前网络或账号异常，请半小时后重试" in message
    assert "session expired" not in message


@pytest.mark.parametrize("is_logout", [1, True, "1"])
def test_qimai_is_logout_truthy_mentions_session_expired(is_logout: Any) -> None:
    payload = {"code": 10605, "msg": "请登录", "is_logout": is_logout}
    with pytest.raises(QimaiError, match="session expired"):
        parse_downloads(payload, **APP)


def test_qimai_error_is_a_feed_data_error() -> None:
    assert issubclass(QimaiError, FeedDataError)


@pytest.mark.parametrize("payload", [None, [], {"msg": "ok", "data": {"list": []}}])
def test_qimai_not_an_envelope_raises(payload: Any) -> None:
    with pytest.raises(FeedDataError, match="expected an object with a 'code'"):
        parse_downloads(payload, **APP)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"avgList": []},
        {"list": {"0": [JAN_1_CST_MS, 1]}},
        [{"name": "华为", "data": [[JAN_1_CST_MS, 1]]}],  # the Android shape
    ],
)
def test_qimai_missing_data_list_raises(data: Any) -> None:
    with pytest.raises(FeedDataError, match="data.list is missing or not an array"):
        parse_downloads({"code": 10000, "data": data}, **APP)


@pytest.mark.parametrize(
    "point",
    [[JAN_1_CST_MS], [JAN_1_CST_MS, 1, 2], JAN_1_CST_MS, {"t": JAN_1_CST_MS, "v": 1}, None],
)
def test_qimai_point_not_a_pair_raises(point: Any) -> None:
    with pytest.raises(FeedDataError, match=r"point 0: expected \[epoch_ms, value\]"):
        parse_downloads(qm_payload([point]), **APP)


@pytest.mark.parametrize("stamp", [1735660800000.0, "1735660800000", True, None])
def test_qimai_non_integer_timestamp_rejected(stamp: Any) -> None:
    with pytest.raises(FeedDataError, match="is not integer ms"):
        parse_downloads(qm_payload([[stamp, 1]]), **APP)


@pytest.mark.parametrize("value", ["152340", None, True])
def test_qimai_non_numeric_value_rejected(value: Any) -> None:
    with pytest.raises(FeedDataError, match=r"point 0( value: expected a number|: value is null)"):
        parse_downloads(qm_payload([[JAN_1_CST_MS, value]]), **APP)


def test_qimai_error_names_the_failing_point() -> None:
    with pytest.raises(FeedDataError, match="point 1"):
        parse_downloads(qm_payload([[JAN_1_CST_MS, 1], [JAN_2_CST_MS, "x"]]), **APP)
