-- Units per USD for every calendar day of each currency, from its first quote to the
-- last day any bar or quote needs: the day's own quote, else the last earlier one
-- (weekends and holidays), with the quote's date and how many days it was carried.
-- An equi-join on (currency, day) then replaces an ASOF join on the bars.
with quotes as (
    select currency, rate_date, units_per_usd
    from {{ ref('stg_fx_rates') }}
),

bounds as (
    select currency, min(rate_date) as first_date
    from quotes
    group by currency
),

last_needed as (
    select greatest(
        (select max(rate_date) from quotes),
        coalesce((select max(trade_date) from {{ ref('stg_market_bars') }}), date '1900-01-01')
    ) as last_date
),

spine as (
    select
        bounds.currency,
        unnest(generate_series(bounds.first_date, last_needed.last_date, interval 1 day))::date
            as calendar_date
    from bounds
    cross join last_needed
),

quoted as (
    select spine.currency, spine.calendar_date, quotes.rate_date, quotes.units_per_usd
    from spine
    left join quotes
        on quotes.currency = spine.currency
        and quotes.rate_date = spine.calendar_date
),

filled as (
    select
        currency,
        calendar_date,
        last_value(units_per_usd ignore nulls) over carry as units_per_usd,
        last_value(rate_date ignore nulls) over carry as rate_date
    from quoted
    window carry as (
        partition by currency order by calendar_date
        rows between unbounded preceding and current row
    )
)

select
    currency,
    calendar_date,
    units_per_usd,
    rate_date,
    datediff('day', rate_date, calendar_date) as days_carried
from filled
