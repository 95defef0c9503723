-- One row per AI product release: the moment it was announced, its Pacific and Beijing
-- dates (exhibit 9 prints both; a 10:00 Pacific announcement is 02:00 the next day in
-- Beijing), and the report week it falls in, by its Beijing date (week_start, Monday).
-- An event whose time is not known keeps its local date in both zones.
--
-- Rebuilt whole on every run: the raw events are landed whole, so an edit to any event,
-- in any week, reaches the mart at the next run.
with events as (
    select * from {{ ref('stg_release_events') }}
),

timed as (
    select
        *,
        case
            when local_time is not null
                then timezone(time_zone, local_date + cast(local_time as time))
        end as event_at
    from events
),

dated as (
    select
        *,
        coalesce(cast(timezone('America/Los_Angeles', event_at) as date), local_date)
            as pacific_date,
        coalesce(cast(timezone('Asia/Shanghai', event_at) as date), local_date)
            as beijing_date
    from timed
)

select
    event_id,
    vendor,
    product,
    product_zh,
    highlight,
    highlight_zh,
    source_url,
    time_zone,
    local_date,
    local_time,
    event_at,
    pacific_date,
    beijing_date,
    date_trunc('week', beijing_date)::date as week_start,
    event_at is not null as is_time_known
from dated
