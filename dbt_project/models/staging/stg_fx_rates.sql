-- Units of a currency per 1 USD on a quoted day, as landed.
select
    cast(date as date) as rate_date,
    cast(currency as varchar) as currency,
    cast(units_per_usd as double) as units_per_usd,
    cast(source as varchar) as source,
    cast(fetched_at as timestamptz) as fetched_at,
    cast(week as date) as partition_week
from ({{ landed('fx_rates') }}) as landed
