-- Exhibit 1, rolled up by sector (the headline's "GPU/CPU：寒武纪+8.72%，龙芯中科-8.69%"):
-- per sector of the watchlist, the week-to-date change as of a date, cap-weighted and
-- equal-weighted, the sector's total market cap, and its best and worst mover.
--
-- As of any date, also mid-week (the seed report was issued on Wednesday 2024-12-18):
-- each sector's row of marts.sector_performance_daily (where the roll-up is computed) at
-- its last session on or before the as-of date within the as-of date's Monday-to-Sunday
-- week: each listing at its last session on or before it, so the change runs from the
-- close of its exchange's last session before that Monday. A listing without a session in
-- the week yet (its exchange closed so far) counts in `listings` but in no change. As of a
-- week's last session this is marts.sector_performance_weekly for that week.
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
    select sector, min(display_order) as sector_order, count(*) as listings
    from reference.watchlist
    group by sector
),

rolled_up as (
    select *
    from marts.sector_performance_daily
    where week_start = date_trunc('week', getvariable('as_of'))::date
        and as_of_date <= getvariable('as_of')
    qualify row_number() over (partition by sector order by as_of_date desc) = 1
)

select
    sectors.sector,
    date_trunc('week', getvariable('as_of'))::date as week_start,
    rolled_up.as_of_date as last_session,
    sectors.listings,
    coalesce(rolled_up.listings, 0) as listings_traded,
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
left join rolled_up using (sector)
order by sectors.sector_order;
