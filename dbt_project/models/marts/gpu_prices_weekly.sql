-- One row per GPU card, condition (new, used), marketplace and Monday-to-Sunday week in
-- which it had a price: the week's last price (its last day's), lowest and highest daily
-- price, in USD; the change of the last price from the week before; and the new-to-used
-- discount of the card on that marketplace that week, (new - used) / new on the last prices.
{{ window_replace_config('week_start') }}
-- Built window by window: the weeks of the window, from their days and those of the week
-- before (for the week-over-week change).
with daily as (
    select * from {{ ref('stg_gpu_prices') }}
    where price_date >= {{ window_start() }} - interval 7 day
        and price_date < {{ window_end() }}
),

fx as (
    select currency, rate_date, units_per_usd from {{ ref('stg_fx_rates') }}
),

-- USD as is; another currency at the day's rate, or the last earlier one. A currency the
-- FX feed does not quote has no USD price.
priced as (
    select
        daily.*,
        date_trunc('week', daily.price_date)::date as week_start,
        case
            when daily.currency = 'USD' then daily.price
            else daily.price / fx.units_per_usd
        end as price_usd
    from daily
    asof left join fx
        on fx.currency = daily.currency
        and daily.price_date >= fx.rate_date
),

weekly as (
    select
        product_id,
        condition,
        marketplace,
        week_start,
        max(price_date) as last_price_date,
        min(price_usd) as min_price_usd,
        max(price_usd) as max_price_usd,
        count(*) as days_with_price,
        count(*) filter (where is_carried_forward) as days_carried_forward
    from priced
    group by all
),

last_prices as (
    select
        weekly.*,
        priced.currency,
        priced.price as last_price,
        priced.price_usd as last_price_usd
    from weekly
    inner join priced
        on priced.product_id = weekly.product_id
        and priced.condition = weekly.condition
        and priced.marketplace = weekly.marketplace
        and priced.price_date = weekly.last_price_date
),

framed as (
    select
        *,
        lag(week_start) over by_series as previous_week_start,
        lag(last_price_usd) over by_series as previous_last_price_usd,
        max(case when condition = 'new' then last_price_usd end) over by_listing_week
            as new_last_price_usd,
        max(case when condition = 'used' then last_price_usd end) over by_listing_week
            as used_last_price_usd
    from last_prices
    window
        by_series as (partition by product_id, condition, marketplace order by week_start),
        by_listing_week as (partition by product_id, marketplace, week_start)
),

products as (
    select * from {{ ref('gpu_products') }}
)

select
    framed.product_id,
    products.display_name,
    products.family,
    framed.condition,
    framed.marketplace,
    framed.week_start,
    framed.currency,
    framed.last_price,
    framed.last_price_date,
    framed.last_price_usd,
    framed.min_price_usd,
    framed.max_price_usd,
    case
        when framed.previous_week_start = framed.week_start - interval 7 day
            then framed.last_price_usd / nullif(framed.previous_last_price_usd, 0) - 1
    end as last_price_wow,
    (framed.new_last_price_usd - framed.used_last_price_usd)
        / nullif(framed.new_last_price_usd, 0) as new_to_used_discount,
    framed.days_with_price,
    framed.days_carried_forward
from framed
left join products using (product_id)
where {{ in_window('framed.week_start') }}
