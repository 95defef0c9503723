-- Estimated visits of one site (through one domain) on one day, as landed.
select
    cast(site_id as varchar) as site_id,
    cast(domain as varchar) as domain,
    cast(category as varchar) as category,
    cast(date as date) as visit_date,
    cast(visits as double) as visits,
    cast(data_last_updated as date) as data_last_updated,
    cast(source as varchar) as source,
    cast(fetched_at as timestamptz) as fetched_at,
    cast(week as date) as partition_week
from ({{ landed('web_traffic') }}) as landed
