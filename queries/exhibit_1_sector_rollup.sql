-- Exhibit 1, rolled up by sector (the headline's "GPU/CPU：寒武纪+8.72%，龙芯中科-8.69%"):
-- per sector of the watchlist, the week-to-date change as of a date, cap-weighted and
-- equal-weighted, the sector's total market cap, and its best and worst mover.
--
-- As of any date, also mid-week (the seed report was issued on Wednesday 2024-12-18):
-- each listing is taken at its last session on or before the as-of date within the
-- as-of date's Monday-to-Sunday week, so the change runs from the close of its exchange's
-- last session before that Monday. A listing without a session in the week yet (its
-- exchange closed so far) counts in `listings` but in no change. As of a week's last
-- session this is exactly marts.sector_performance_weekly for that week.
--
-- Units and conventions:
--   changes in percent (2 decimals): -3.98 means -3.98 %;
--   cap_weighted_pct weighs each listing by its market cap in 1e8 USD at its week's base
--   session; equal_weighted_pct is the plain mean;
--   market_cap_usd_100m is the sum of the listings' market caps in 亿美元 (1e8 USD, A-shares
--   converted at that day's rate), rounded to whole 亿;
--   listings counts the sector's watchlist listings, listings_traded those with a session
--   in the week so far, listings_with_return those with a week-to-date change;
--   sectors in the report's order; a sector none of whose listings traded in the week yet
--   shows empty values.
--
-- Run as is in any DuckDB client opened read-only on the warehouse (as of 2024-12-18),
-- or set the date first:
--   SET VARIABLE as_of = DATE '2024-12-18';
SET VARIABLE as_of = CAST(coalesce(getvariable('as_of'), DATE '2024-12-18') AS DATE);

with sectors as (
    select sector, min(display_order) as sector_order
    from reference.watchlist
    group by sector
),

in_week as (
    select *
    from marts.stock_performance
    where as_of_date <= getvariable('as_of')
        and week_start = date_trunc('week', getvariable('as_of'))::date
    qualify row_number() over (partition by symbol order by as_of_date desc) = 1
),

weighable as (
    select
        *,
        return_wtd is not null and week_base_market_cap_usd_100m is not null as has_weight
    from in_week
),

rolled_up as (
    select
        sector,
        max(as_of_date) as last_session,
        count(*) as listings_traded,
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
    group by sector
),

listed as (
    select sector, count(*) as listings from reference.watchlist group by sector
)

select
    sectors.sector,
    date_trunc('week', getvariable('as_of'))::date as week_start,
    rolled_up.last_session,
    listed.listings,
    coalesce(rolled_up.listings_traded, 0) as listings_traded,
    coalesce(rolled_up.listings_with_return, 0) as listings_with_return,
    round(100 * rolled_up.return_cap_weighted, 2) as cap_weighted_pct,
    round(100 * rolled_up.return_equal_weighted, 2) as equal_weighted_pct,
    round(rolled_up.market_cap_usd_100m, 0) as market_cap_usd_100m,
    rolled_up.best_symbol,
    rolled_up.best_company,
    round(100 * rolled_up.best_return_wtd, 2) as best_pct,
    rolled_up.worst_symbol,
    rolled_up.worst_company,
    round(100 * rolled_up.worst_return_wtd, 2) as worst_pct
from sectors
inner join listed using (sector)
left join rolled_up using (sector)
order by sectors.sector_order;
