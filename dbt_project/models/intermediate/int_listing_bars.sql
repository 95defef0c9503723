{{ config(materialized="view") }}
-- Each watchlist listing's bars (with their adjusted close on one basis:
-- int_adjusted_closes) with its reference data and its market cap: the close as traded
-- times the shares outstanding in force that day (the feed's, else the listing_shares
-- seed's latest step effective on or before it), in the trading currency, in USD and in
-- the report's unit, each converted at that day's rate or the last earlier.
with bars as (
    select * from {{ ref('int_adjusted_closes') }}
),

watchlist as (
    select * from {{ ref('watchlist') }}
),

share_steps as (
    select
        symbol,
        effective_date as effective_from,
        lead(effective_date) over (partition by symbol order by effective_date) as effective_to,
        shares_outstanding
    from {{ ref('listing_shares') }}
),

fx as (
    select * from {{ ref('int_fx_rates_daily') }}
),

enriched as (
    select
        bars.symbol,
        watchlist.company_zh as company,
        watchlist.company_en,
        watchlist.sector,
        watchlist.exchange,
        watchlist.display_order,
        bars.trade_date,
        bars.close,
        bars.adj_close_rebased as adj_close,
        bars.currency,
        watchlist.currency as listing_currency,
        watchlist.report_unit,
        coalesce(bars.shares_outstanding, share_steps.shares_outstanding) as shares_outstanding,
        case
            when bars.shares_outstanding is not null then 'feed'
            when share_steps.shares_outstanding is not null then 'listing_shares seed'
        end as shares_source,
        case when bars.currency = 'USD' then 1.0 else local_fx.units_per_usd end as local_per_usd,
        case when watchlist.report_unit = 'USD' then 1.0 else report_fx.units_per_usd end
            as report_per_usd,
        case
            when bars.currency <> 'USD' then local_fx.rate_date
            when watchlist.report_unit <> 'USD' then report_fx.rate_date
        end as fx_rate_date
    from bars
    inner join watchlist
        on watchlist.symbol = bars.symbol
    left join share_steps
        on share_steps.symbol = bars.symbol
        and bars.trade_date >= share_steps.effective_from
        and (share_steps.effective_to is null or bars.trade_date < share_steps.effective_to)
    left join fx as local_fx
        on local_fx.currency = bars.currency
        and local_fx.calendar_date = bars.trade_date
    left join fx as report_fx
        on report_fx.currency = watchlist.report_unit
        and report_fx.calendar_date = bars.trade_date
),

converted as (
    select
        *,
        close * shares_outstanding / 1e8 as market_cap_local_100m
    from enriched
)

select
    *,
    market_cap_local_100m / local_per_usd as market_cap_usd_100m,
    -- In the trading currency when the report uses it (A-shares), so no FX round trip.
    case
        when report_unit = currency then market_cap_local_100m
        else market_cap_local_100m / local_per_usd * report_per_usd
    end as market_cap_100m
from converted
