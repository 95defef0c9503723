-- Exhibit 1 (算力股价本周复盘): each watchlist listing as of a date, in the report's layout.
--
-- Each listing is taken at its own last session on or before the as-of date (its
-- exchange may have been closed that day). Market cap is in 1e8 (亿) of the report unit:
-- USD for every non-A-share line, CNY for A-shares. Changes are in percent: this week
-- from the close before Monday, this month from the last close of the previous month,
-- this year from the last close of the previous year.
--
-- A listing whose exchange has had no session yet in the as-of date's week (month,
-- year), e.g. A-shares in the Spring Festival week or any listing on a New Year's Day,
-- is shown at a session of an earlier period: that session's close is this period's
-- base, so the listing has not moved in this period and its change is 0.00, not the
-- earlier period's change its bar carries. Whether the exchange traded is read from the
-- bars of its listings: the listing's last bar is the newest of its exchange on or before
-- the as-of date. A listing that lacks a bar its exchange has (a gap in its data) shows
-- no change for a period it has no bar in.
--
-- Run as is in the DuckDB CLI (as of 2024-12-18), or set the date first:
--   SET VARIABLE as_of = DATE '2024-12-18';
SET VARIABLE as_of = CAST(coalesce(getvariable('as_of'), DATE '2024-12-18') AS DATE);

with latest as (
    select *
    from marts.stock_performance
    where as_of_date <= getvariable('as_of')
    qualify row_number() over (partition by symbol order by as_of_date desc) = 1
),

-- Each exchange's newest session on or before the as-of date, by its listings' bars.
exchange_latest as (
    select exchange, max(as_of_date) as last_session
    from marts.stock_performance
    where as_of_date <= getvariable('as_of')
    group by exchange
),

-- Each change as of the as-of date: the bar's own if the bar is in the as-of date's
-- period; 0 if the bar is before it and is its exchange's newest (no session since, so
-- its close is the period's base); else none.
changes as (
    select
        latest.symbol,
        latest.market_cap_100m,
        latest.as_of_date,
        case
            when latest.as_of_date >= date_trunc('week', getvariable('as_of'))
                then latest.return_wtd
            when latest.as_of_date = exchange_latest.last_session then 0.0
        end as return_wtd,
        case
            when latest.as_of_date >= date_trunc('month', getvariable('as_of'))
                then latest.return_mtd
            when latest.as_of_date = exchange_latest.last_session then 0.0
        end as return_mtd,
        case
            when latest.as_of_date >= date_trunc('year', getvariable('as_of'))
                then latest.return_ytd
            when latest.as_of_date = exchange_latest.last_session then 0.0
        end as return_ytd
    from latest
    inner join exchange_latest using (exchange)
)

-- Every watchlist listing, in the report's order; one without a bar yet shows empty.
select
    watchlist.sector,
    watchlist.symbol as code,
    watchlist.company_zh as company,
    round(changes.market_cap_100m, 0) as market_cap,
    case watchlist.report_unit when 'USD' then '亿美元' when 'CNY' then '亿人民币' end as unit,
    round(100 * changes.return_wtd, 2) as week_pct,
    round(100 * changes.return_mtd, 2) as month_pct,
    round(100 * changes.return_ytd, 2) as year_pct,
    changes.as_of_date
from reference.watchlist as watchlist
left join changes using (symbol)
order by watchlist.display_order;
