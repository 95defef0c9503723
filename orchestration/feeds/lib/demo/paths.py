"""Random walks pinned to known values: the shape of every demo price and rate series.

A series is known exactly at a few anchor days (say, the closes that reproduce the
report's exhibit 1) and moves like a random walk in log space between them: a Brownian
bridge between two anchors, a free walk before the first and after the last. Each step's
shock comes from `noise`, keyed by the series and the day, so the value on a day does not
depend on the range asked for.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Sequence

from orchestration.feeds.lib.demo.noise import normals


def anchored_log_walk(
    key: str,
    days: Sequence[dt.date],
    anchors: dict[dt.date, float],
    daily_vol: float,
) -> dict[dt.date, float]:
    """Log-levels on `days` (sorted steps of the series) pinned to `anchors` (positive values).

    Every anchor day must be one of `days`; `days` must cover the range wanted plus the
    anchors, because the walk is built step by step from them.
    """
    if not anchors:
        raise ValueError(f"{key}: a walk needs at least one anchor")
    index = {day: i for i, day in enumerate(days)}
    missing = [day for day in anchors if day not in index]
    if missing:
        raise ValueError(f"{key}: anchor days {missing} are not steps of the series")
    shocks = normals(key, list(days)) * daily_vol
    cumulative = [0.0]
    for shock in shocks[1:]:
        cumulative.append(cumulative[-1] + float(shock))

    pinned = sorted((index[day], math.log(value)) for day, value in anchors.items())
    positions = [i for i, _ in pinned]
    levels: dict[dt.date, float] = {}
    for i, day in enumerate(days):
        j = bisect.bisect_left(positions, i)
        if j < len(pinned) and pinned[j][0] == i:
            levels[day] = pinned[j][1]
        elif j == 0:  # before the first anchor: walk backwards from it
            first, x_first = pinned[0]
            levels[day] = x_first - (cumulative[first] - cumulative[i])
        elif j == len(pinned):  # after the last anchor: walk forwards from it
            last, x_last = pinned[-1]
            levels[day] = x_last + (cumulative[i] - cumulative[last])
        else:  # between two anchors: a Brownian bridge
            (a, x_a), (b, x_b) = pinned[j - 1], pinned[j]
            share = (i - a) / (b - a)
            walk = cumulative[i] - cumulative[a]
            levels[day] = x_a + walk - share * (cumulative[b] - cumulative[a]) + share * (x_b - x_a)
    return levels
