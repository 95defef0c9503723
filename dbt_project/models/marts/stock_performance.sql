{{ window_replace_config('as_of_date') }}
-- One row per watchlist listing per trading day (bar): market cap in the report's unit and
-- the week-, month- and year-to-date changes, each from the listing's close on its
-- exchange's last session before the period (see the period_change macro).
--
-- Written with window functions over the bars, all in one order (symbol, trade_date): the
-- bar just before each period is the lag of the period's first bar, carried forward to
-- the period's other bars; then equi-joins to small tables. No ASOF join and no join of
-- grouped periods back onto the bars, which keeps it fast on long histories.
--
-- Built window by window (the partition range of a run): the rows of the window are
-- replaced, computed from the bars of the window and of the month before its year began,
-- which hold every base a row of the window can need. A window gives exactly the rows a
-- full rebuild gives.
with bars as (
    select * from {{ ref('int_listing_bars') }}
    where trade_date >= date_trunc('year', {{ window_start() }}) - interval 31 day
        and trade_date < {{ window_end() }}
),

bases as (
    select * from {{ ref('int_exchange_period_bases') }}
),

with_previous as (
    select
        *,
        date_trunc('week', trade_date)::date as week_start,
        date_trunc('month', trade_date)::date as month_start,
        date_trunc('year', trade_date)::date as year_start,
        lag(trade_date) over by_listing as previous_date,
        lag(close) over by_listing as previous_close,
        lag(adj_close) over by_listing as previous_adj_close,
        lag(market_cap_usd_100m) over by_listing as previous_market_cap_usd_100m
    from bars
    window by_listing as (partition by symbol order by trade_date)
),

{% set periods = ['week', 'month', 'year'] %}
with_found as (
    -- The bar before each period is the previous bar of the period's first bar: carried to
    -- the period's other bars with the same window as above (one sort for every period).
    select
        *,
        {% for period in periods %}
        last_value(
            case
                when previous_date is null
                    or date_trunc('{{ period }}', previous_date)::date <> {{ period }}_start
                then {
                    'date': previous_date,
                    'close': previous_close,
                    'adj_close': previous_adj_close,
                    'cap': previous_market_cap_usd_100m
                }
            end ignore nulls
        ) over by_listing as {{ period }}_found{{ ',' if not loop.last }}
        {% endfor %}
    from with_previous
    window by_listing as (
        partition by symbol order by trade_date
        rows between unbounded preceding and current row
    )
),

with_found_bases as (
    select
        * exclude ({% for period in periods %}{{ period }}_found{{ ', ' if not loop.last }}{% endfor %}),
        {% for period in periods %}
        {{ period }}_found.date as {{ period }}_found_date,
        {{ period }}_found.close as {{ period }}_found_close,
        {{ period }}_found.adj_close as {{ period }}_found_adj_close,
        {% endfor %}
        week_found.cap as week_found_market_cap_usd_100m
    from with_found
),

with_expected_bases as (
    select
        found.*,
        {% for period in periods %}
        {{ period }}_bases.base_session_date as {{ period }}_base_date{{ ',' if not loop.last }}
        {% endfor %}
    from with_found_bases as found
    {% for period in periods %}
    left join bases as {{ period }}_bases
        on {{ period }}_bases.exchange = found.exchange
        and {{ period }}_bases.period = '{{ period }}'
        and {{ period }}_bases.period_start = found.{{ period }}_start
    {% endfor %}
)

select
    symbol,
    company,
    company_en,
    sector,
    exchange,
    display_order,
    trade_date as as_of_date,
    close,
    currency,
    shares_outstanding,
    shares_source,
    market_cap_100m,
    report_unit as market_cap_unit,
    market_cap_usd_100m,
    fx_rate_date,
    {{ period_change('week') }} as return_wtd,
    {{ period_change('month') }} as return_mtd,
    {{ period_change('year') }} as return_ytd,
    week_start,
    week_base_date,
    month_base_date,
    year_base_date,
    case when week_found_date = week_base_date then week_found_market_cap_usd_100m end
        as week_base_market_cap_usd_100m
from with_expected_bases
where {{ in_window('trade_date') }}
