"""When a week of web traffic is final (`marts.web_traffic_weekly.is_final`): once pulled
with Similarweb's data updated at least 72 hours after the week's Sunday, by when
Similarweb has released every day of it (developers.similarweb.com, "Data Notifications
via Webhooks"). The demo feed says its data was updated then, or on the day of the pull
if that is earlier, so a year-old week is final and the weeks a pull comes right after
are not."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from orchestration.feeds.traffic.demo import DemoTrafficFeed
from tests.conftest import (
    Tampered,
    Workspace,
    copy_of,
    failure_text,
    materialize_range,
    pipeline_env,
)

pytestmark = pytest.mark.integration

TRAFFIC = "key:raw/web_traffic or key:staging/stg_web_traffic or key:marts/web_traffic_weekly"
YEAR_OLD = dt.date(2023, 12, 25)  # the demo year's first week
JUST_ENDED, IN_PROGRESS = dt.date(2024, 12, 16), dt.date(2024, 12, 23)  # Sunday 22nd between


def pull_traffic(workspace: Workspace, today: dt.date, first: str, last: str) -> None:
    """Land the weeks `first`..`last` of web traffic as a pull on `today` would, and
    rebuild their weeks of the mart."""
    feed = Tampered(DemoTrafficFeed(today=today), lambda batch: None)
    with pipeline_env(workspace):
        result = materialize_range(first, last, selection=TRAFFIC, resources={"traffic_feed": feed})
    assert result.success, failure_text(result)


def finality(workspace: Workspace) -> dict[dt.date, tuple[bool, dt.date]]:
    """Each week: whether every site's row of it is final, and its data_last_updated."""
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        rows = con.execute(
            "select week_start, bool_and(is_final), max(data_last_updated) "
            "from marts.web_traffic_weekly group by week_start"
        ).fetchall()
    return {week: (final, updated) for week, final, updated in rows}


def test_a_year_old_week_is_final_and_the_weeks_just_pulled_are_not(demo_year, tmp_path):
    """The demo year, then a pull on Tuesday 24 December 2024 of the last four weeks and
    the week in progress: 72 hours after Sunday the 22nd have not passed, so neither the
    week that ended then nor the week in progress is final; the weeks before it, and the
    year-old first week, are. A pull on the Wednesday makes the ended week final."""
    workspace = copy_of(demo_year, tmp_path)
    pull_traffic(workspace, dt.date(2024, 12, 24), "2024-11-25", "2024-12-23")
    weeks = finality(workspace)
    assert weeks[YEAR_OLD] == (True, dt.date(2024, 1, 3))  # its Sunday + 3 days
    assert weeks[dt.date(2024, 12, 9)] == (True, dt.date(2024, 12, 18))
    assert weeks[JUST_ENDED] == (False, dt.date(2024, 12, 24))
    assert weeks[IN_PROGRESS] == (False, dt.date(2024, 12, 24))
    not_final = sorted(week for week, (final, _) in weeks.items() if not final)
    assert not_final == [JUST_ENDED, IN_PROGRESS]

    pull_traffic(workspace, dt.date(2024, 12, 25), "2024-12-16", "2024-12-23")
    weeks = finality(workspace)
    assert weeks[JUST_ENDED] == (True, dt.date(2024, 12, 25))
    assert weeks[IN_PROGRESS] == (False, dt.date(2024, 12, 25))
