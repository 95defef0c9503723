-- One row per tracked app, platform and Monday-to-Sunday week: downloads summed over the
-- week's days, week-over-week change between two complete consecutive weeks, and the
-- app's rank among all apps on the platform that week.
{{ window_replace_config('week_start') }}
-- Built window by window: the weeks of the window, from their days and those of the week
-- before (for the week-over-week change).
with daily as (
    select * from {{ ref('stg_app_downloads') }}
    where download_date >= {{ window_start() }} - interval 7 day
        and download_date < {{ window_end() }}
),

first_seen as (
    select app_id, platform, min(date_trunc('week', download_date))::date as first_week_seen
    from {{ ref('stg_app_downloads') }}
    group by app_id, platform
),

apps as (
    select * from {{ ref('apps') }}
),

weekly as (
    select
        app_id,
        platform,
        date_trunc('week', download_date)::date as week_start,
        sum(downloads) as downloads,
        count(*) as days_with_data
    from daily
    group by all
),

framed as (
    select
        weekly.*,
        apps.display_name,
        apps.display_name_en,
        apps.vendor,
        days_with_data = 7 as is_complete_week,
        lag(week_start) over by_app as previous_week_start,
        lag(downloads) over by_app as previous_downloads,
        lag(days_with_data = 7) over by_app as previous_is_complete
    from weekly
    inner join apps using (app_id)
    window by_app as (partition by weekly.app_id, weekly.platform order by weekly.week_start)
)

select
    app_id,
    display_name,
    display_name_en,
    vendor,
    platform,
    week_start,
    downloads,
    downloads / 1e4 as downloads_10k,
    days_with_data,
    is_complete_week,
    case
        when previous_week_start = week_start - interval 7 day
            and is_complete_week and previous_is_complete
            then downloads / nullif(previous_downloads, 0) - 1
    end as downloads_wow,
    rank() over (partition by platform, week_start order by downloads desc) as rank_on_platform,
    first_seen.first_week_seen
from framed
inner join first_seen using (app_id, platform)
where {{ in_window('week_start') }}
