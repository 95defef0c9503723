-- For each exchange and each week, month and year in which it trades: the exchange's last
-- session before the period starts. That session's close is the base of the period's
-- change ("this week" runs from the close of the last trading day before Monday).
-- Weeks are Monday to Sunday on the exchange's own dates.
with sessions as (
    select exchange, session_date
    from {{ ref('stg_exchange_sessions') }}
),

periods as (
    select exchange, 'week' as period, date_trunc('week', session_date)::date as period_start,
           max(session_date) as last_session_date
    from sessions
    group by all
    union all
    select exchange, 'month', date_trunc('month', session_date)::date, max(session_date)
    from sessions
    group by all
    union all
    select exchange, 'year', date_trunc('year', session_date)::date, max(session_date)
    from sessions
    group by all
)

select
    exchange,
    period,
    period_start,
    last_session_date,
    -- The previous period that has sessions ended on the last session before this one:
    -- a period with no sessions at all (a closed week) has no row to skip over.
    lag(last_session_date) over (
        partition by exchange, period order by period_start
    ) as base_session_date
from periods
