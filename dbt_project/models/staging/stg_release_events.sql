-- One AI product release as the analysts' file has it: local date and time as announced,
-- in its IANA time zone.
select
    cast(event_id as varchar) as event_id,
    cast(vendor as varchar) as vendor,
    cast(product as varchar) as product,
    cast(product_zh as varchar) as product_zh,
    cast(highlight as varchar) as highlight,
    cast(highlight_zh as varchar) as highlight_zh,
    cast(local_date as date) as local_date,
    cast(local_time as varchar) as local_time,
    cast(time_zone as varchar) as time_zone,
    cast(source_url as varchar) as source_url,
    cast(source as varchar) as source,
    cast(fetched_at as timestamptz) as fetched_at
from ({{ landed('release_events') }}) as landed
