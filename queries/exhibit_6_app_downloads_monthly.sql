-- Exhibit 6 (国内头部大模型 App 下载量月度数据): monthly downloads of the tracked Chinese AI
-- apps on one platform over the trailing months, one row per app and month.
--
-- The months from `downloads_months - 1` months before the as-of date's month up to that
-- month. A month is complete when it ended on or before the as-of date and the feed has
-- landed every one of its days; any other month (the month in progress, an app's first
-- month, a month with a missing day) is marked 非完全统计. The as-of date's month counts
-- its days up to the as-of date only (summed from the daily staging.stg_app_downloads),
-- so a report is what could have been written that day even when the warehouse holds
-- later days; the months before come from marts.app_downloads_monthly.
--
-- Units and conventions:
--   downloads_10k in 万次 (1e4 downloads), 2 decimals;
--   mom_pct the month-over-month change in percent between two complete consecutive
--   months, by the definition above (else empty);
--   app_rank orders the apps by downloads in the window's last complete month (then by
--   downloads over the window): the chart's order. downloads_top_n keeps the top apps
--   (0: every app).
--
-- Run as is in any DuckDB client opened read-only on the warehouse (App Store, as of
-- 2024-12-18, 12 months, every app), or set any of the variables first:
--   SET VARIABLE as_of = DATE '2024-12-18';
--   SET VARIABLE downloads_months = 6;
--   SET VARIABLE downloads_top_n = 5;
--   SET VARIABLE downloads_platform = 'ios';
SET VARIABLE as_of = CAST(coalesce(getvariable('as_of'), DATE '2024-12-18') AS DATE);
SET VARIABLE downloads_months = CAST(coalesce(getvariable('downloads_months'), 12) AS INTEGER);
SET VARIABLE downloads_top_n = CAST(coalesce(getvariable('downloads_top_n'), 0) AS INTEGER);
SET VARIABLE downloads_platform = CAST(
    coalesce(getvariable('downloads_platform'), 'ios') AS VARCHAR
);

with bounds as (
    select
        date_trunc('month', getvariable('as_of'))::date as last_month,
        (date_trunc('month', getvariable('as_of'))
            - to_months(getvariable('downloads_months') - 1))::date as first_month
),

month_so_far as (
    select
        daily.app_id,
        apps.display_name,
        daily.platform,
        date_trunc('month', daily.download_date)::date as month_start,
        sum(daily.downloads) as downloads,
        sum(daily.downloads) / 1e4 as downloads_10k,
        count(*) as days_with_data,
        max(daily.download_date) as last_download_date,
        count(*) = day(last_day(max(daily.download_date))) as is_complete_period
    from staging.stg_app_downloads as daily
    inner join reference.apps as apps on apps.app_id = daily.app_id
    where daily.platform = getvariable('downloads_platform')
        and daily.download_date >= date_trunc('month', getvariable('as_of'))
        and daily.download_date <= getvariable('as_of')
    group by all
),

monthly as (
    select
        app_id, display_name, platform, month_start, downloads, downloads_10k,
        days_with_data, last_download_date, is_complete_period
    from marts.app_downloads_monthly
    where platform = getvariable('downloads_platform')
        and month_start < date_trunc('month', getvariable('as_of'))
    union all
    select * from month_so_far
),

months as (
    select
        *,
        is_complete_period
            and days_with_data = day(last_day(month_start))
            and last_day(month_start) <= getvariable('as_of') as is_complete
    from monthly
),

in_window as (
    select
        months.*,
        case
            when months.is_complete and previous.is_complete
                then months.downloads / nullif(previous.downloads, 0) - 1
        end as downloads_change
    from months
    cross join bounds
    left join months as previous
        on previous.app_id = months.app_id
        and previous.month_start = (months.month_start - interval 1 month)::date
    where months.month_start >= bounds.first_month
        and months.month_start <= bounds.last_month
),

ranked as (
    select
        app_id,
        row_number() over (
            order by
                max(downloads) filter (
                    where month_start = (select max(month_start) from in_window where is_complete)
                ) desc nulls last,
                sum(downloads) desc,
                app_id
        ) as app_rank
    from in_window
    group by app_id
)

select
    in_window.platform,
    ranked.app_rank,
    in_window.app_id,
    in_window.display_name,
    in_window.month_start,
    strftime(in_window.month_start, '%Y-%m') as month,
    round(in_window.downloads_10k, 2) as downloads_10k,
    in_window.is_complete,
    case when not in_window.is_complete then '非完全统计' end as note,
    in_window.days_with_data,
    in_window.last_download_date,
    round(100 * in_window.downloads_change, 2) as mom_pct
from in_window
inner join ranked using (app_id)
where getvariable('downloads_top_n') = 0 or ranked.app_rank <= getvariable('downloads_top_n')
order by ranked.app_rank, in_window.month_start;
