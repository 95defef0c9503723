-- One row per tracked site and Monday-to-Sunday week: visits summed over the week's days
-- (across the site's domains), week-over-week change between two complete consecutive
-- weeks, and the site's rank and share within its category that week.
with daily as (
    select * from {{ ref('stg_web_traffic') }}
),

sites as (
    select * from {{ ref('sites') }}
),

weekly as (
    select
        site_id,
        date_trunc('week', visit_date)::date as week_start,
        sum(visits) as visits,
        count(*) as days_with_data,
        string_agg(distinct domain, ', ' order by domain) as domains
    from daily
    group by all
),

framed as (
    select
        weekly.*,
        sites.display_name,
        sites.vendor,
        sites.category,
        days_with_data = 7 as is_complete_week,
        lag(week_start) over by_site as previous_week_start,
        lag(visits) over by_site as previous_visits,
        lag(days_with_data = 7) over by_site as previous_is_complete
    from weekly
    inner join sites using (site_id)
    window by_site as (partition by site_id order by week_start)
)

select
    site_id,
    display_name,
    vendor,
    category,
    week_start,
    domains,
    visits,
    visits / 1e4 as visits_10k,
    days_with_data,
    is_complete_week,
    case
        when previous_week_start = week_start - interval 7 day
            and is_complete_week and previous_is_complete
            then visits / nullif(previous_visits, 0) - 1
    end as visits_wow,
    rank() over (partition by category, week_start order by visits desc) as rank_in_category,
    visits / nullif(sum(visits) over (partition by category, week_start), 0) as share_of_category,
    min(week_start) over (partition by site_id) as first_week_seen
from framed
