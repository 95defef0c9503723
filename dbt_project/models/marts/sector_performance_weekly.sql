-- One row per sector and week in which at least one of its listings traded, as of the
-- week's last session: each listing's last bar of the week, its week-to-date change,
-- weighted by its market cap at the start of the week (USD, at the base session) or
-- equally; the sector's total cap in 1e8 USD; its best and worst mover.
{{ window_replace_config('week_start') }}
with last_bar_of_week as (
    select *
    from {{ ref('stock_performance') }}
    where {{ in_window('week_start') }}
    qualify row_number() over (partition by symbol, week_start order by as_of_date desc) = 1
),

weighable as (
    select
        *,
        return_wtd is not null and week_base_market_cap_usd_100m is not null as has_weight
    from last_bar_of_week
)

select
    sector,
    week_start,
    max(as_of_date) as as_of_date,
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
group by sector, week_start
