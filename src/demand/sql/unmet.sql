-- The demand records first seen from day $1 to day $2 (both included, in
-- time zone $4) that found no plot on offer
-- meeting every hard requirement, newest first, at most $3, with how many
-- there are in all.
SELECT source, first_at, asked, area_min_m2, area_max_m2, land_use, location_class,
       min_power_kw, max_port_distance_m, max_rail_terminal_distance_m,
       max_motorway_distance_m, max_station_distance_m, available_by, required,
       count(*) OVER () AS total
FROM demand_records
WHERE first_at >= $1::date::timestamp AT TIME ZONE $4
  AND first_at < ($2::date + 1)::timestamp AT TIME ZONE $4
  AND candidates = 0
ORDER BY first_at DESC, id DESC
LIMIT $3
