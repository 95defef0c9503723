{{ config(materialized="view") }}
-- Each market bar with its adjusted close brought to one basis: the feed's latest.
--
-- A feed such as Yahoo restates its adjusted closes every time a dividend goes ex or a
-- split takes effect, so a week fetched before an event and a week fetched after it hold
-- adjusted closes on different bases. Each landed row knows when it was fetched; every
-- dividend or split with an ex-date after that fetch was not yet in its adjusted close, so
-- its factor is applied here (Yahoo's: 1 - dividend / the close before the ex-date; 1 /
-- ratio for a split). Changes between two bars are then the same whenever each week was
-- fetched. A feed that reports no events (vendor csv) keeps its adjusted closes as given.
--
-- It carries the bar's other columns that int_listing_bars needs, so that int_listing_bars
-- reads the bars from here rather than joining these rows back onto the bars by
-- (symbol, trade_date): on 10 years of 5,000 listings that join was a quarter of the
-- building of marts.stock_performance (benchmarks, figure 3).
with bars as (
    select
        symbol,
        trade_date,
        close,
        adj_close,
        currency,
        shares_outstanding,
        cast(fetched_at as date) as fetched_date,
        lag(close) over (partition by symbol order by trade_date) as previous_close
    from {{ ref('stg_market_bars') }}
),

event_factors as (
    select
        actions.symbol,
        actions.action_date,
        case actions.action
            when 'dividend' then 1 - actions.value / bars.previous_close
            when 'split' then 1 / actions.value
        end as factor
    from {{ ref('stg_corporate_actions') }} as actions
    left join bars
        on bars.symbol = actions.symbol
        and bars.trade_date = actions.action_date
),

pulls as (
    select distinct symbol, fetched_date
    from bars
),

rebase as (
    -- The product of the factors of the events each pull did not know yet.
    select
        pulls.symbol,
        pulls.fetched_date,
        coalesce(product(event_factors.factor), 1.0) as rebase_factor
    from pulls
    left join event_factors
        on event_factors.symbol = pulls.symbol
        and event_factors.action_date > pulls.fetched_date
        and event_factors.factor > 0
    group by all
)

select
    bars.symbol,
    bars.trade_date,
    bars.close,
    bars.currency,
    bars.shares_outstanding,
    bars.adj_close * rebase.rebase_factor as adj_close_rebased,
    rebase.rebase_factor
from bars
-- every bar has its pull (fetched_at is never null: the landing contract)
inner join rebase
    on rebase.symbol = bars.symbol
    and rebase.fetched_date = bars.fetched_date
