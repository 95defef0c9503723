-- One row per tracked app, platform and calendar month: downloads summed over the days
-- landed so far. `is_complete_period` stays false until the feed has landed the month's
-- last day for that app, and every day before it (the report marks such a month "not
-- complete", 非完全统计).
{{ window_replace_config('month_start', start_of='month') }}
-- Built window by window: every month the window touches, from all of its days landed so
-- far and from the month before (for the month-over-month change).
with daily as (
    select * from {{ ref('stg_app_downloads') }}
    where download_date >= date_trunc('month', {{ window_start() }}) - interval 1 month
        and download_date < date_trunc('month', {{ window_end() }} - interval 1 day)
            + interval 1 month
),

apps as (
    select * from {{ ref('apps') }}
),

monthly as (
    select
        app_id,
        platform,
        date_trunc('month', download_date)::date as month_start,
        sum(downloads) as downloads,
        count(*) as days_with_data,
        max(download_date) as last_download_date
    from daily
    group by all
),

completeness as (
    -- Complete once the month's last day has landed and no day since the month began (or
    -- since the app is tracked) is missing: a history backfilled from mid-month is not a
    -- complete month.
    select
        monthly.*,
        apps.display_name,
        apps.display_name_en,
        apps.vendor,
        last_download_date = last_day(month_start)
            and days_with_data = datediff(
                'day', greatest(month_start, apps.tracked_from), last_day(month_start)
            ) + 1 as is_complete_period
    from monthly
    inner join apps using (app_id)
),

framed as (
    select
        *,
        lag(month_start) over by_app as previous_month_start,
        lag(downloads) over by_app as previous_downloads,
        lag(is_complete_period) over by_app as previous_is_complete
    from completeness
    window by_app as (partition by app_id, platform order by month_start)
)

select
    app_id,
    display_name,
    display_name_en,
    vendor,
    platform,
    month_start,
    downloads,
    downloads / 1e4 as downloads_10k,
    days_with_data,
    last_download_date,
    is_complete_period,
    case
        when previous_month_start = month_start - interval 1 month
            and is_complete_period and previous_is_complete
            then downloads / nullif(previous_downloads, 0) - 1
    end as downloads_mom,
    rank() over (partition by platform, month_start order by downloads desc) as rank_on_platform
from framed
where {{ in_window('month_start', start_of='month') }}
