-- The demand records first seen from day $1 to day $2 (both included, in
-- time zone $3), by segment (land-use group,
-- size band, location class), power band, quarter and
-- source: how many, and how many found no plot on offer meeting every hard
-- requirement. A record's land-use group is the one all its codes share
-- ('any' when it names none, or codes of several groups); its location
-- class the one it names ('any' for none or several).
WITH records AS (
    SELECT r.source, r.candidates,
           to_char(r.first_at AT TIME ZONE $3, 'YYYY-"Q"Q') AS quarter,
           coalesce((SELECT CASE WHEN count(DISTINCT c.demand_group) = 1 THEN min(c.demand_group) END
                     FROM land_use_codes AS c
                     WHERE c.code = ANY (r.land_use)), 'any') AS land_use_group,
           demand_size_band(coalesce(r.area_min_m2, r.area_max_m2)) AS size_band,
           CASE WHEN cardinality(r.location_class) = 1 THEN r.location_class[1] ELSE 'any' END
               AS location_class,
           demand_power_band(r.min_power_kw) AS power_band
    FROM demand_records AS r
    WHERE r.first_at >= $1::date::timestamp AT TIME ZONE $3
      AND r.first_at < ($2::date + 1)::timestamp AT TIME ZONE $3
)
SELECT land_use_group, size_band, location_class, power_band, quarter, source,
       count(*) AS records, count(*) FILTER (WHERE candidates = 0) AS unmet
FROM records
GROUP BY land_use_group, size_band, location_class, power_band, quarter, source
