-- One price of a GPU card in one condition on one marketplace and (marketplace-local)
-- day, as landed.
select
    cast(product_id as varchar) as product_id,
    cast(condition as varchar) as condition,
    cast(marketplace as varchar) as marketplace,
    cast(date as date) as price_date,
    cast(price as double) as price,
    cast(currency as varchar) as currency,
    cast(is_carried_forward as boolean) as is_carried_forward,
    cast(price_since as date) as price_since,
    cast(source as varchar) as source,
    cast(fetched_at as timestamptz) as fetched_at,
    cast(week as date) as partition_week
from ({{ landed('gpu_prices') }}) as landed
