-- One dividend or split event of a listing on its ex- or effective date, as landed.
select
    cast(symbol as varchar) as symbol,
    cast(date as date) as action_date,
    cast(action as varchar) as action,
    cast(value as double) as value,
    cast(source as varchar) as source,
    cast(fetched_at as timestamptz) as fetched_at,
    cast(week as date) as partition_week
from ({{ landed('corporate_actions') }}) as landed
