-- The demand records first seen from day $1 to day $2 (both included, in
-- time zone $3), by segment (land-use group, size band, location class),
-- power band, quarter and source: how many, and how many found no plot on
-- offer meeting every hard requirement. A record's land-use group is the one
-- all its codes share ('any' when it names none, or codes of several
-- groups); its location class the one it names ('any' for none or several).
-- The records are grouped first by their land uses as they are, so that the
-- group is looked up once for each combination, not for each record.
WITH grouped AS (
    SELECT r.source, r.land_use,
           date_trunc('quarter', r.first_at AT TIME ZONE $3) AS quarter,
           demand_size_band(coalesce(r.area_min_m2, r.area_max_m2)) AS size_band,
           CASE WHEN cardinality(r.location_class) = 1 THEN r.location_class[1] ELSE 'any' END
               AS location_class,
           demand_power_band(r.min_power_kw) AS power_band,
           count(*) AS records, count(*) FILTER (WHERE r.candidates = 0) AS unmet
    FROM demand_records AS r
    WHERE r.first_at >= $1::date::timestamp AT TIME ZONE $3
      AND r.first_at < ($2::date + 1)::timestamp AT TIME ZONE $3
    GROUP BY 1, 2, 3, 4, 5, 6
)
SELECT coalesce((SELECT CASE WHEN count(DISTINCT c.demand_group) = 1 THEN min(c.demand_group) END
                 FROM land_use_codes AS c
                 WHERE c.code = ANY (g.land_use)), 'any') AS land_use_group,
       g.size_band, g.location_class, g.power_band,
       to_char(g.quarter, 'YYYY-"Q"Q') AS quarter, g.source,
       sum(g.records)::bigint AS records, sum(g.unmet)::bigint AS unmet
FROM grouped AS g
GROUP BY 1, 2, 3, 4, 5, 6
