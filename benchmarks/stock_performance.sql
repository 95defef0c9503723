-- marts.stock_performance, hand-written in plain DuckDB SQL, for figure 3 of the benchmarks.
--
-- It computes the same rows and columns as the dbt model (models/marts/stock_performance.sql
-- with its parents int_listing_bars, int_adjusted_closes, int_fx_rates_daily and
-- int_exchange_period_bases, all of history), from the same landed Parquet and seed CSVs,
-- but written the way one would by hand, without dbt's layering:
--
--   * one window pass over each listing's bars (symbol, trade_date) takes every value of the
--     previous bar at once (date, close, adjusted close, fetch date, feed shares, currency);
--     the previous bar's market cap is then computed from those, with the same small lookups
--     as the current bar's (share steps, daily FX), instead of lagging a computed column;
--   * a dividend's factor uses that same pass's previous close; a pull's rebase factor (the
--     product of the factors of the events that went ex after it was fetched) is applied to
--     the current and to the previous bar's adjusted close by two equi-joins on
--     (symbol, fetched date), only for the listings that have events;
--   * a second pass over the same (symbol, trade_date) order carries the previous-bar values
--     of each week's, month's and year's first bar to the period's other bars (last_value
--     ignore nulls of a struct), instead of one window partition per period;
--   * FX is a daily table (as-of join of a calendar spine to the quotes); period bases are
--     tiny tables keyed by (exchange, period start).
--
-- Set two variables first, then run it in any DuckDB client; it creates the table
-- stock_performance in the current database:
--
--   SET VARIABLE raw_dir = '/path/to/raw';             -- the landing zone
--   SET VARIABLE seeds_dir = '/path/to/dbt_project/seeds';
--
-- Semantics (same as the model): market cap = close x shares in force (the feed's, else the
-- listing_shares step effective that day) converted at that day's FX or the last earlier
-- quote; a change uses adjusted closes (rebased) when both bars have one, else closes; its
-- base is the listing's bar on its exchange's last session before the week, month or year,
-- and the change is NULL if the bar just before the period is not on that session.

create or replace temp table watchlist as
select
    symbol,
    cast(display_order as integer) as display_order,
    sector,
    company_zh,
    company_en,
    exchange,
    currency,
    report_unit
from read_csv(getvariable('seeds_dir') || '/watchlist.csv', header = true, all_varchar = true);

create or replace temp table share_steps as
with steps as (
    select
        symbol,
        cast(effective_date as date) as effective_from,
        cast(shares_outstanding as double) as shares
    from read_csv(getvariable('seeds_dir') || '/listing_shares.csv', header = true, all_varchar = true)
)
select
    symbol,
    effective_from,
    lead(effective_from) over (partition by symbol order by effective_from) as effective_to,
    shares
from steps;

-- The exchange's last session before each period (that has sessions), per period kind.
create or replace temp table sessions as
select exchange, date as session_date
from read_parquet(getvariable('raw_dir') || '/exchange_sessions/data.parquet');

create or replace temp table week_bases as
select exchange, period_start, lag(last_session) over (partition by exchange order by period_start) as base_date
from (select exchange, date_trunc('week', session_date)::date as period_start, max(session_date) as last_session
      from sessions group by all);

create or replace temp table month_bases as
select exchange, period_start, lag(last_session) over (partition by exchange order by period_start) as base_date
from (select exchange, date_trunc('month', session_date)::date as period_start, max(session_date) as last_session
      from sessions group by all);

create or replace temp table year_bases as
select exchange, period_start, lag(last_session) over (partition by exchange order by period_start) as base_date
from (select exchange, date_trunc('year', session_date)::date as period_start, max(session_date) as last_session
      from sessions group by all);

-- Units per USD for every day from a currency's first quote to the last day a bar or a quote
-- needs: that day's quote or the last earlier one.
create or replace temp table fx_daily as
with quotes as (
    select currency, date as rate_date, units_per_usd
    from read_parquet(getvariable('raw_dir') || '/fx_rates/*/*.parquet',
                      hive_partitioning = true, union_by_name = true)
),
last_day as (
    select greatest(
        (select max(rate_date) from quotes),
        (select max(date) from read_parquet(getvariable('raw_dir') || '/market_bars/*/*.parquet'))
    ) as day
),
spine as (
    select firsts.currency, unnest(range(firsts.first_date, last_day.day + 1, interval 1 day))::date as day
    from (select currency, min(rate_date) as first_date from quotes group by currency) as firsts
    cross join last_day
)
select spine.currency, spine.day, quotes.units_per_usd, quotes.rate_date
from spine
asof left join quotes
    on quotes.currency = spine.currency
    and quotes.rate_date <= spine.day;

create or replace temp table actions as
select symbol, date as action_date, action, value
from read_parquet(getvariable('raw_dir') || '/corporate_actions/*/*.parquet',
                  hive_partitioning = true, union_by_name = true);

create or replace table stock_performance as
with bars as materialized (
    -- Pass 1: each bar of a watchlist listing with everything of the bar before it.
    select
        symbol,
        date as trade_date,
        close,
        adj_close,
        currency,
        shares_outstanding as feed_shares,
        cast(fetched_at as date) as fetched_date,
        lag(date) over by_listing as prev_date,
        lag(close) over by_listing as prev_close,
        lag(adj_close) over by_listing as prev_adj_close,
        lag(currency) over by_listing as prev_currency,
        lag(shares_outstanding) over by_listing as prev_feed_shares,
        lag(cast(fetched_at as date)) over by_listing as prev_fetched_date
    from read_parquet(getvariable('raw_dir') || '/market_bars/*/*.parquet',
                      hive_partitioning = true, union_by_name = true)
    where symbol in (select symbol from watchlist)
    window by_listing as (partition by symbol order by date)
),

factors as (
    -- Yahoo's factors: 1 - dividend / the close before the ex-date; 1 / ratio for a split.
    -- An event without a bar on its date has no factor.
    select
        actions.symbol,
        actions.action_date,
        case actions.action
            when 'dividend' then 1 - actions.value / bars.prev_close
            when 'split' then 1 / actions.value
        end as factor
    from actions
    left join bars
        on bars.symbol = actions.symbol
        and bars.trade_date = actions.action_date
),

rebase as (
    -- Per pull (listing, fetch date) that missed events: the product of their factors.
    select pulls.symbol, pulls.fetched_date, product(factors.factor) as factor
    from (
        select distinct symbol, fetched_date
        from bars
        where symbol in (select symbol from factors where factor > 0)
    ) as pulls
    inner join factors
        on factors.symbol = pulls.symbol
        and factors.action_date > pulls.fetched_date
        and factors.factor > 0
    group by all
),

valued as (
    select
        bars.symbol,
        watchlist.company_zh as company,
        watchlist.company_en,
        watchlist.sector,
        watchlist.exchange,
        watchlist.display_order,
        bars.trade_date,
        bars.close,
        bars.currency,
        watchlist.report_unit,
        bars.adj_close * coalesce(rebase_now.factor, 1.0) as adj_close,
        bars.prev_date,
        bars.prev_close,
        bars.prev_adj_close * coalesce(rebase_prev.factor, 1.0) as prev_adj_close,
        coalesce(bars.feed_shares, shares_now.shares) as shares_outstanding,
        case
            when bars.feed_shares is not null then 'feed'
            when shares_now.shares is not null then 'listing_shares seed'
        end as shares_source,
        coalesce(bars.prev_feed_shares, shares_prev.shares) as prev_shares,
        case when bars.currency = 'USD' then 1.0 else fx_now.units_per_usd end as local_per_usd,
        case when bars.prev_currency = 'USD' then 1.0 else fx_prev.units_per_usd end
            as prev_local_per_usd,
        case when watchlist.report_unit = 'USD' then 1.0 else fx_report.units_per_usd end
            as report_per_usd,
        case
            when bars.currency <> 'USD' then fx_now.rate_date
            when watchlist.report_unit <> 'USD' then fx_report.rate_date
        end as fx_rate_date,
        date_trunc('week', bars.trade_date)::date as week_start,
        date_trunc('month', bars.trade_date)::date as month_start,
        date_trunc('year', bars.trade_date)::date as year_start
    from bars
    inner join watchlist on watchlist.symbol = bars.symbol
    left join rebase as rebase_now
        on rebase_now.symbol = bars.symbol and rebase_now.fetched_date = bars.fetched_date
    left join rebase as rebase_prev
        on rebase_prev.symbol = bars.symbol and rebase_prev.fetched_date = bars.prev_fetched_date
    left join share_steps as shares_now
        on shares_now.symbol = bars.symbol
        and bars.trade_date >= shares_now.effective_from
        and (shares_now.effective_to is null or bars.trade_date < shares_now.effective_to)
    left join share_steps as shares_prev
        on shares_prev.symbol = bars.symbol
        and bars.prev_date >= shares_prev.effective_from
        and (shares_prev.effective_to is null or bars.prev_date < shares_prev.effective_to)
    left join fx_daily as fx_now
        on fx_now.currency = bars.currency and fx_now.day = bars.trade_date
    left join fx_daily as fx_prev
        on fx_prev.currency = bars.prev_currency and fx_prev.day = bars.prev_date
    left join fx_daily as fx_report
        on fx_report.currency = watchlist.report_unit and fx_report.day = bars.trade_date
),

capped as (
    select
        *,
        close * shares_outstanding / 1e8 as cap_local,
        close * shares_outstanding / 1e8 / local_per_usd as cap_usd,
        prev_close * prev_shares / 1e8 / prev_local_per_usd as prev_cap_usd
    from valued
),

found as (
    -- Pass 2: the bar before each period is the previous bar of the period's first bar.
    select
        *,
        last_value(
            case when prev_date is null or prev_date < week_start then
                {'d': prev_date, 'close': prev_close, 'adj': prev_adj_close, 'cap': prev_cap_usd}
            end ignore nulls
        ) over by_listing as in_week,
        last_value(
            case when prev_date is null or prev_date < month_start then
                {'d': prev_date, 'close': prev_close, 'adj': prev_adj_close}
            end ignore nulls
        ) over by_listing as in_month,
        last_value(
            case when prev_date is null or prev_date < year_start then
                {'d': prev_date, 'close': prev_close, 'adj': prev_adj_close}
            end ignore nulls
        ) over by_listing as in_year
    from capped
    window by_listing as (
        partition by symbol order by trade_date rows between unbounded preceding and current row
    )
)

select
    found.symbol,
    found.company,
    found.company_en,
    found.sector,
    found.exchange,
    found.display_order,
    found.trade_date as as_of_date,
    found.close,
    found.currency,
    found.shares_outstanding,
    found.shares_source,
    case
        when found.report_unit = found.currency then found.cap_local
        else found.cap_local / found.local_per_usd * found.report_per_usd
    end as market_cap_100m,
    found.report_unit as market_cap_unit,
    found.cap_usd as market_cap_usd_100m,
    found.fx_rate_date,
    case when found.in_week.d = week_bases.base_date then
        case when found.adj_close is not null and found.in_week.adj is not null
            then found.adj_close / found.in_week.adj - 1
            else found.close / found.in_week.close - 1 end
    end as return_wtd,
    case when found.in_month.d = month_bases.base_date then
        case when found.adj_close is not null and found.in_month.adj is not null
            then found.adj_close / found.in_month.adj - 1
            else found.close / found.in_month.close - 1 end
    end as return_mtd,
    case when found.in_year.d = year_bases.base_date then
        case when found.adj_close is not null and found.in_year.adj is not null
            then found.adj_close / found.in_year.adj - 1
            else found.close / found.in_year.close - 1 end
    end as return_ytd,
    found.week_start,
    week_bases.base_date as week_base_date,
    month_bases.base_date as month_base_date,
    year_bases.base_date as year_base_date,
    case when found.in_week.d = week_bases.base_date then found.in_week.cap end
        as week_base_market_cap_usd_100m
from found
left join week_bases
    on week_bases.exchange = found.exchange and week_bases.period_start = found.week_start
left join month_bases
    on month_bases.exchange = found.exchange and month_bases.period_start = found.month_start
left join year_bases
    on year_bases.exchange = found.exchange and year_bases.period_start = found.year_start;
