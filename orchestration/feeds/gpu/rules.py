"""The GPU feed's data-quality rules (`raw/gpu_prices`)."""

from __future__ import annotations

from collections import defaultdict

from orchestration.quality.rules import WARN, AuditContext, Row, Rule, pick

GPU_CONDITIONS = ("new", "used")


def gpu_positive_prices(rows: list[Row], ctx: AuditContext) -> list[Row]:
    return [pick(row, ctx, "price") for row in rows if row["price"] <= 0]


def gpu_known_conditions(rows: list[Row], ctx: AuditContext) -> list[Row]:
    return [pick(row, ctx) for row in rows if row["condition"] not in GPU_CONDITIONS]


def gpu_price_spikes(rows: list[Row], ctx: AuditContext) -> list[Row]:
    """A price more than the policy's fraction away from the series' previous observation
    (led by its last price of the previous week), day on day."""
    series: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    key = ("product_id", "condition", "marketplace")
    if ctx.previous is not None and ctx.previous.num_rows:
        last: dict[tuple[str, str, str], Row] = {}
        for row in ctx.previous.to_pylist():
            name = tuple(row[k] for k in key)
            if name not in last or row["date"] > last[name]["date"]:
                last[name] = row
        for name, row in last.items():
            series[name].append(row)  # type: ignore[index]
    for row in sorted(rows, key=lambda r: (*(r[k] for k in key), r["date"])):
        series[tuple(row[k] for k in key)].append(row)  # type: ignore[index]
    failing = []
    for prices in series.values():
        for before, now in zip(prices, prices[1:], strict=False):
            if before["price"] <= 0 or before["currency"] != now["currency"]:
                continue
            change = now["price"] / before["price"] - 1
            if abs(change) > ctx.policy.gpu_max_daily_change:
                failing.append(
                    {**pick(now, ctx, "price"), "previous_date": before["date"],
                     "previous_price": before["price"], "change": round(change, 4)}
                )  # fmt: skip
    return failing


POSITIVE_PRICES = Rule("positive_prices", "Every price is > 0.", gpu_positive_prices)
KNOWN_CONDITIONS = Rule("known_conditions", "Every condition is new or used.", gpu_known_conditions)
PRICE_SPIKES = Rule(
    "price_spikes",
    "No price more than 30 % (the policy's gpu_max_daily_change) away from the "
    "previous observation of its card, condition and marketplace.",
    gpu_price_spikes,
    lambda _: WARN,
)
