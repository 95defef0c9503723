-- Exhibit 1 (算力股价本周复盘): each watchlist listing as of a date, in the report's layout.
--
-- Each listing is taken at its own last session on or before the as-of date (its
-- exchange may have been closed that day). Market cap is in 1e8 (亿) of the report unit:
-- USD for every non-A-share line, CNY for A-shares. Changes are in percent: this week
-- from the close before Monday, this month from the last close of the previous month,
-- this year from the last close of the previous year.
--
-- Run as is in the DuckDB CLI (as of 2024-12-18), or set the date first:
--   SET VARIABLE as_of = DATE '2024-12-18';
SET VARIABLE as_of = coalesce(getvariable('as_of'), DATE '2024-12-18');

with latest as (
    select *
    from marts.stock_performance
    where as_of_date <= getvariable('as_of')
    qualify row_number() over (partition by symbol order by as_of_date desc) = 1
)

-- Every watchlist listing, in the report's order; one without a bar yet shows empty.
select
    watchlist.sector,
    watchlist.symbol as code,
    watchlist.company_zh as company,
    round(latest.market_cap_100m, 0) as market_cap,
    case watchlist.report_unit when 'USD' then '亿美元' when 'CNY' then '亿人民币' end as unit,
    round(100 * latest.return_wtd, 2) as week_pct,
    round(100 * latest.return_mtd, 2) as month_pct,
    round(100 * latest.return_ytd, 2) as year_pct,
    latest.as_of_date
from reference.watchlist as watchlist
left join latest using (symbol)
order by watchlist.display_order;
