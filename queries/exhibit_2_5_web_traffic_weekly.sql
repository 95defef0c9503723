-- Exhibits 2-5 (文本 / 图片 / 视频大模型网站访问量周度数据): weekly visits of the tracked AI
-- websites of one category over the trailing year, one row per site and week.
--
-- Weeks run Monday to Sunday. Only weeks that ended on or before the as-of date are shown
-- (a week in progress would look like a drop): the `weeks` weeks up to the last week
-- ended by the as-of date. As of Wednesday 2024-12-18 the last week is 2024-12-09..15.
--
-- Units and conventions:
--   visits_10k in 万次 (1e4 visits), 2 decimals; wow_pct the week-over-week change in
--   percent between two complete consecutive weeks (else empty);
--   days_with_data < 7 (is_complete_week false) marks a partial week: a site's first week
--   (ideogram is tracked from 2024-07-11, MiniMax from 2024-09-22: see tracked_from) or a
--   week the provider has not fully published; is_final is false until the week was
--   pulled after Similarweb released its last day (within 72 hours of the day's end);
--   site_rank orders the sites by visits in the window's last week (then by visits over
--   the window): the chart's legend order. top_n keeps the top_n sites (0: every site).
--
-- Run as is in any DuckDB client opened read-only on the warehouse (text sites, as of
-- 2024-12-18, 52 weeks, every site), or set any of the variables first:
--   SET VARIABLE as_of = DATE '2024-12-18';
--   SET VARIABLE traffic_category = 'image';   -- 'text', 'image' or 'video'
--   SET VARIABLE traffic_weeks = 52;
--   SET VARIABLE traffic_top_n = 6;
SET VARIABLE as_of = CAST(coalesce(getvariable('as_of'), DATE '2024-12-18') AS DATE);
SET VARIABLE traffic_category = CAST(coalesce(getvariable('traffic_category'), 'text') AS VARCHAR);
SET VARIABLE traffic_weeks = CAST(coalesce(getvariable('traffic_weeks'), 52) AS INTEGER);
SET VARIABLE traffic_top_n = CAST(coalesce(getvariable('traffic_top_n'), 0) AS INTEGER);

with bounds as (
    -- The Monday after the last week ended by the as-of date (as of a Sunday, the next
    -- day), and the first Monday of the window.
    select
        date_trunc('week', getvariable('as_of') + interval 1 day)::date as window_end,
        (date_trunc('week', getvariable('as_of') + interval 1 day)
            - to_days(7 * getvariable('traffic_weeks')))::date as window_start
),

in_window as (
    select traffic.*
    from marts.web_traffic_weekly as traffic, bounds
    where traffic.category = getvariable('traffic_category')
        and traffic.week_start >= bounds.window_start
        and traffic.week_start < bounds.window_end
),

ranked as (
    select
        site_id,
        row_number() over (
            order by
                max(visits) filter (where week_start = (select max(week_start) from in_window))
                    desc nulls last,
                sum(visits) desc,
                site_id
        ) as site_rank
    from in_window
    group by site_id
)

select
    in_window.category,
    ranked.site_rank,
    in_window.site_id,
    in_window.display_name,
    in_window.week_start,
    (in_window.week_start + interval 6 day)::date as week_end,
    round(in_window.visits_10k, 2) as visits_10k,
    round(100 * in_window.visits_wow, 2) as wow_pct,
    in_window.days_with_data,
    in_window.is_complete_week,
    in_window.is_final,
    sites.tracked_from
from in_window
inner join ranked using (site_id)
left join reference.sites as sites using (site_id)
where getvariable('traffic_top_n') = 0 or ranked.site_rank <= getvariable('traffic_top_n')
order by ranked.site_rank, in_window.week_start;
