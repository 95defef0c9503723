-- One row per sector and session of a week at which one of its listings traded: the
-- sector's week-to-date change as of that session, each listing taken at its last bar on
-- or before it within the week, weighted by its market cap at the start of the week (USD,
-- at the base session) or equally; the sector's total cap in 1e8 USD; its best and worst
-- mover. The one place the sector roll-up is computed: sector_performance_weekly is its
-- last session of each week, and queries/exhibit_1_sector_rollup.sql its row as of any
-- date.
{{ window_replace_config('week_start') }}
with bars as (
    select *
    from {{ ref('stock_performance') }}
    where {{ in_window('week_start') }}
),

sessions as (
    select distinct sector, week_start, as_of_date as session_date
    from bars
),

as_of_each_session as (
    select sessions.session_date, bars.*
    from sessions
    inner join bars
        on bars.sector = sessions.sector
        and bars.week_start = sessions.week_start
        and bars.as_of_date <= sessions.session_date
    qualify row_number() over (
        partition by sessions.sector, sessions.session_date, bars.symbol
        order by bars.as_of_date desc
    ) = 1
),

weighable as (
    select
        *,
        return_wtd is not null and week_base_market_cap_usd_100m is not null as has_weight
    from as_of_each_session
)

select
    sector,
    week_start,
    session_date as as_of_date,
    count(*) as listings,
    count(return_wtd) as listings_with_return,
    sum(return_wtd * week_base_market_cap_usd_100m) filter (where has_weight)
        / nullif(sum(week_base_market_cap_usd_100m) filter (where has_weight), 0)
        as return_cap_weighted,
    avg(return_wtd) as return_equal_weighted,
    sum(market_cap_usd_100m) as market_cap_usd_100m,
    arg_max(symbol, return_wtd) filter (where return_wtd is not null) as best_symbol,
    arg_max(company, return_wtd) filter (where return_wtd is not null) as best_company,
    max(return_wtd) as best_return_wtd,
    arg_min(symbol, return_wtd) filter (where return_wtd is not null) as worst_symbol,
    arg_min(company, return_wtd) filter (where return_wtd is not null) as worst_company,
    min(return_wtd) as worst_return_wtd
from weighable
group by sector, week_start, session_date
