-- One row per tracked app, platform and calendar month: downloads summed over the days
-- landed so far. `is_complete_period` stays false until the feed has landed the month's
-- last day for that app (the report marks such a month "not complete", 非完全统计).
{{ window_replace_config('month_start', start="date_trunc('month', " ~ window_start() ~ ")") }}
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

framed as (
    select
        monthly.*,
        apps.display_name,
        apps.display_name_en,
        apps.vendor,
        last_download_date = last_day(month_start) as is_complete_period,
        lag(month_start) over by_app as previous_month_start,
        lag(downloads) over by_app as previous_downloads,
        lag(last_download_date = last_day(month_start)) over by_app as previous_is_complete
    from monthly
    inner join apps using (app_id)
    window by_app as (partition by monthly.app_id, monthly.platform order by monthly.month_start)
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
where month_start >= date_trunc('month', {{ window_start() }})
    and month_start < {{ window_end() }}
