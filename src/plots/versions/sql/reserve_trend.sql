-- The reserve over time: at the end of each period ($5: `month`, `quarter`
-- or `year`, $6 its length) from the one holding $4 to the last that has
-- ended, and now, the totals of the plots on the register then (open and
-- published, with the statuses $1 and in the municipalities $2 they had
-- then; empty: any), by the key of their version then less the names $3.
-- One row per instant and group, in order; an instant without plots gives
-- one row with a NULL key.
--
-- A version was the plot's state from its valid_from until a later version
-- began (`superseded`), so it counts at the instants in between (as_of
-- takes the last version by number from those begun by the instant; the
-- earliest later start gives the same). Rather than pairing every version
-- with every instant, each version adds its plot at the first instant it
-- counts at and takes it away at the first it no longer does, and the
-- totals at an instant are the running sums of those changes: one pass over
-- the versions, whatever the number of instants. Each version's JSON is
-- read once (jsonb_to_record): reading it is most of the cost.
WITH periods AS (
    SELECT s AT TIME ZONE 'UTC' AS start, (s + $6::interval) AT TIME ZONE 'UTC' AS next
    FROM generate_series(date_trunc($5, $4::timestamptz AT TIME ZONE 'UTC'),
                         now() AT TIME ZONE 'UTC', $6::interval) AS s
),
instants AS (
    -- The last microsecond of a period, as as_of takes the end of a date;
    -- for the period under way, now.
    SELECT row_number() OVER (ORDER BY start) AS i, start,
           CASE WHEN next <= now() THEN next - interval '1 microsecond' ELSE now() END AS at
    FROM periods
),
bounds AS (
    SELECT array_agg(at ORDER BY i) AS ats FROM instants
),
versions AS (
    SELECT v.plot_id, v.version, v.valid_from, r.ended_at, r.published, r.status, r.municipality,
           r.area_m2,
           jsonb_build_object('land_use', r.land_use, 'location_class', r.location_class,
                              'locality', r.locality, 'municipality', to_jsonb(r.municipality),
                              'status', to_jsonb(r.status)) - $3::text[] AS key
    FROM plot_versions AS v,
         jsonb_to_record(v.data) AS r(ended_at text, published boolean, status text,
                                      municipality text, area_m2 float8, land_use jsonb,
                                      location_class jsonb, locality jsonb)
),
spans AS (
    SELECT key, area_m2, ended_at, published, status, municipality, valid_from,
           min(valid_from) OVER (PARTITION BY plot_id ORDER BY version DESC
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS superseded
    FROM versions
),
changes AS (
    -- width_bucket counts the instants before a time (those at or before
    -- it less a microsecond); the next instant is the first at or after it.
    SELECT s.key, d.i, sum(d.n) AS n, sum(d.area) AS area
    FROM spans AS s
    CROSS JOIN bounds AS b
    CROSS JOIN LATERAL (VALUES
        (width_bucket(s.valid_from - interval '1 microsecond', b.ats) + 1, 1, s.area_m2),
        (width_bucket(s.superseded - interval '1 microsecond', b.ats) + 1, -1, -s.area_m2)
    ) AS d(i, n, area)
    WHERE d.i IS NOT NULL
      AND s.ended_at IS NULL AND coalesce(s.published, true)
      AND (cardinality($1::text[]) = 0 OR s.status = ANY($1))
      AND (cardinality($2::text[]) = 0 OR s.municipality = ANY($2))
    GROUP BY s.key, d.i
),
running AS (
    SELECT t.i, k.key, sum(c.n) OVER w AS n, sum(c.area) OVER w AS area
    FROM (SELECT DISTINCT key FROM changes) AS k
    CROSS JOIN instants AS t
    LEFT JOIN changes AS c ON c.key = k.key AND c.i = t.i
    WINDOW w AS (PARTITION BY k.key ORDER BY t.i)
)
SELECT t.start, t.at, r.key, coalesce(r.n, 0)::bigint AS n, r.area
FROM instants AS t
LEFT JOIN running AS r ON r.i = t.i AND r.n > 0
ORDER BY t.i, r.key
