-- Estimated downloads of one app on one platform on one day, as landed.
select
    cast(app_id as varchar) as app_id,
    cast(platform as varchar) as platform,
    cast(date as date) as download_date,
    cast(downloads as double) as downloads,
    cast(source as varchar) as source,
    cast(fetched_at as timestamptz) as fetched_at,
    cast(week as date) as partition_week
from ({{ landed('app_downloads') }}) as landed
