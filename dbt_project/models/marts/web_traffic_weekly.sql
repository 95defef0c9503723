-- One row per tracked site and Monday-to-Sunday week: visits summed over the week's days
-- (across the site's domains), week-over-week change between two complete consecutive
-- weeks, and the site's rank and share within its category that week.
{{ window_replace_config('week_start') }}
-- Built window by window: the weeks of the window, from their days and those of the week
-- before (for the week-over-week change).
with daily as (
    select * from {{ ref('stg_web_traffic') }}
    where visit_date >= {{ window_start() }} - interval 7 day
        and visit_date < {{ window_end() }}
),

first_seen as (
    select site_id, min(date_trunc('week', visit_date))::date as first_week_seen
    from {{ ref('stg_web_traffic') }}
    group by site_id
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
        max(data_last_updated) as data_last_updated,
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
    -- Similarweb releases a day's data within 72 hours after it ends (EST; its developer
    -- docs, "Data Notifications via Webhooks"; docs/providers.md): a week is final once
    -- pulled with data updated at least three days after its Sunday (a site first tracked
    -- mid-week has a final week of fewer than seven days).
    data_last_updated >= week_start + interval 9 day as is_final,
    data_last_updated,
    case
        when previous_week_start = week_start - interval 7 day
            and is_complete_week and previous_is_complete
            then visits / nullif(previous_visits, 0) - 1
    end as visits_wow,
    rank() over (partition by category, week_start order by visits desc) as rank_in_category,
    visits / nullif(sum(visits) over (partition by category, week_start), 0) as share_of_category,
    first_seen.first_week_seen
from framed
inner join first_seen using (site_id)
where {{ in_window('week_start') }}
