{{ window_replace_config('as_of_date') }}
-- PROPOSAL from the benchmarks (figure 3), not the project's model: marts.stock_performance
-- with no window function over the bars. Same rows, same columns, same values as
-- models/marts/stock_performance.sql (the benchmark checks it against the hand-written
-- script); try it with
--
--   python -m benchmarks --only 3 --model-sql benchmarks/proposals/stock_performance.sql
--
-- The model as it stands sorts every bar, with every column, four times: lag() over
-- (symbol, trade_date) for each bar's previous values, then first_value() over (symbol,
-- week_start), (symbol, month_start) and (symbol, year_start) to carry the previous values
-- of each period's first bar to the period's other bars. At 5,000 listings x 10 years
-- those four WINDOW operators are about 60 % of the model's CPU time and most of its
-- memory (EXPLAIN ANALYZE).
--
-- The bar just before a period is the listing's last bar of its previous period with bars.
-- So, per period kind: one hash aggregate of the bars to one row per listing and period
-- (its last bar, arg_max of a struct so that NULL closes stay NULL), a lag() over those
-- few rows (2.5 M weeks, 0.6 M months, 50 k years), and an equi-join back on (symbol,
-- period start). The bars are narrowed to the columns the mart returns. Its inputs are the
-- model's (int_listing_bars, int_exchange_period_bases): its unit tests run unchanged.
--
-- (A single window pass with a frame ending the day before each period, RANGE BETWEEN
-- UNBOUNDED PRECEDING AND <days into the period + 1> PRECEDING, gives the same rows too,
-- but its per-row frames made it slower than the four sorts.)
with bars as (
    select
        symbol,
        company,
        company_en,
        sector,
        exchange,
        display_order,
        trade_date,
        close,
        adj_close,
        currency,
        shares_outstanding,
        shares_source,
        market_cap_100m,
        report_unit,
        market_cap_usd_100m,
        fx_rate_date,
        date_trunc('week', trade_date)::date as week_start,
        date_trunc('month', trade_date)::date as month_start,
        date_trunc('year', trade_date)::date as year_start
    from {{ ref('int_listing_bars') }}
    where trade_date >= date_trunc('year', {{ window_start() }}) - interval 31 day
        and trade_date < {{ window_end() }}
),

bases as (
    select * from {{ ref('int_exchange_period_bases') }}
),

{% set periods = ['week', 'month', 'year'] %}
{% for period in periods %}
{{ period }}_found as (
    -- The bar before each {{ period }} a listing traded in: its last bar of the previous such {{ period }}.
    select
        symbol,
        period_start,
        lag(last_bar) over (partition by symbol order by period_start) as found
    from (
        select
            symbol,
            {{ period }}_start as period_start,
            arg_max(
                {'date': trade_date, 'close': close, 'adj_close': adj_close,
                 'cap': market_cap_usd_100m},
                trade_date
            ) as last_bar
        from bars
        group by all
    )
),
{% endfor %}

with_expected_bases as (
    select
        bars.*,
        {% for period in periods %}
        {{ period }}_found.found.date as {{ period }}_found_date,
        {{ period }}_found.found.close as {{ period }}_found_close,
        {{ period }}_found.found.adj_close as {{ period }}_found_adj_close,
        {{ period }}_bases.base_session_date as {{ period }}_base_date,
        {% endfor %}
        week_found.found.cap as week_found_market_cap_usd_100m
    from bars
    {% for period in periods %}
    left join {{ period }}_found
        on {{ period }}_found.symbol = bars.symbol
        and {{ period }}_found.period_start = bars.{{ period }}_start
    left join bases as {{ period }}_bases
        on {{ period }}_bases.exchange = bars.exchange
        and {{ period }}_bases.period = '{{ period }}'
        and {{ period }}_bases.period_start = bars.{{ period }}_start
    {% endfor %}
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
    found.market_cap_100m,
    found.report_unit as market_cap_unit,
    found.market_cap_usd_100m,
    found.fx_rate_date,
    {{ period_change('week') }} as return_wtd,
    {{ period_change('month') }} as return_mtd,
    {{ period_change('year') }} as return_ytd,
    found.week_start,
    found.week_base_date,
    found.month_base_date,
    found.year_base_date,
    case when found.week_found_date = found.week_base_date then found.week_found_market_cap_usd_100m end
        as week_base_market_cap_usd_100m
from with_expected_bases as found
where {{ in_window('found.trade_date') }}
