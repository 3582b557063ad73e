-- The reception by quarter (Norwegian time) from $1 to $2 (days, both
-- included): the enquiries received in each, how many got a first answer
-- and how many by when it was due, the median and 90th percentile hours to
-- the first answer and to closing (of those that have them), and the
-- ratings given in each quarter; hours and means to two decimals.
WITH quarters AS (
    SELECT q::date AS quarter
    FROM generate_series(date_trunc('quarter', $1::date), date_trunc('quarter', $2::date),
                         interval '3 months') AS q
), received AS (
    SELECT date_trunc('quarter', created_at AT TIME ZONE 'Europe/Oslo')::date AS quarter,
           extract(epoch FROM answered_at - created_at) / 3600 AS answer_hours,
           extract(epoch FROM closed_at - created_at) / 3600 AS closing_hours,
           answered_at <= answer_due_at AS on_time,
           answered_at IS NULL AND answer_due_at < now() AS overdue
    FROM enquiries
    WHERE created_at >= $1::date::timestamp AT TIME ZONE 'Europe/Oslo'
      AND created_at < ($2::date + 1)::timestamp AT TIME ZONE 'Europe/Oslo'
), rated AS (
    SELECT date_trunc('quarter', rated_at AT TIME ZONE 'Europe/Oslo')::date AS quarter, score
    FROM enquiry_ratings
    WHERE rated_at >= $1::date::timestamp AT TIME ZONE 'Europe/Oslo'
      AND rated_at < ($2::date + 1)::timestamp AT TIME ZONE 'Europe/Oslo'
)
SELECT to_char(q.quarter, 'YYYY-"Q"Q') AS quarter, e.*, r.*
FROM quarters q
CROSS JOIN LATERAL (
    SELECT count(*) AS received,
           count(answer_hours) AS answered,
           count(*) FILTER (WHERE on_time) AS on_time,
           count(*) FILTER (WHERE overdue) AS overdue,
           round(percentile_cont(0.5) WITHIN GROUP (ORDER BY answer_hours)::numeric, 2)::float8 AS answer_median_hours,
           round(percentile_cont(0.9) WITHIN GROUP (ORDER BY answer_hours)::numeric, 2)::float8 AS answer_p90_hours,
           count(closing_hours) AS closed,
           round(percentile_cont(0.5) WITHIN GROUP (ORDER BY closing_hours)::numeric, 2)::float8 AS closing_median_hours,
           round(percentile_cont(0.9) WITHIN GROUP (ORDER BY closing_hours)::numeric, 2)::float8 AS closing_p90_hours
    FROM received WHERE received.quarter = q.quarter
) e
CROSS JOIN LATERAL (
    SELECT count(*) AS ratings,
           round(avg(score), 2)::float8 AS mean_score,
           count(*) FILTER (WHERE score >= 4) AS satisfied,
           count(*) FILTER (WHERE score = 1) AS score_1,
           count(*) FILTER (WHERE score = 2) AS score_2,
           count(*) FILTER (WHERE score = 3) AS score_3,
           count(*) FILTER (WHERE score = 4) AS score_4,
           count(*) FILTER (WHERE score = 5) AS score_5
    FROM rated WHERE rated.quarter = q.quarter
) r
ORDER BY q.quarter
