-- One row per listing and trading day, as landed: renamed and typed, nothing else.
select
    cast(symbol as varchar) as symbol,
    cast(date as date) as trade_date,
    cast(open as double) as open,
    cast(high as double) as high,
    cast(low as double) as low,
    cast(close as double) as close,
    cast(adj_close as double) as adj_close,
    cast(volume as double) as volume,
    cast(currency as varchar) as currency,
    cast(shares_outstanding as double) as shares_outstanding,
    cast(source as varchar) as source,
    cast(source_ref as varchar) as source_ref,
    cast(fetched_at as timestamptz) as fetched_at,
    cast(week as date) as partition_week
from ({{ landed('market_bars') }}) as landed
