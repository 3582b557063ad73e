-- pgbench floor for query (b) of bench/README.md: random 0.02 x 0.01 degree bbox in the data extent, page of 100; same distribution as wrk/b_random_bbox.lua.
-- The SQL the service runs for it, without HTTP, JSON assembly or pooling.
\set w 5.0 + random(0, 748000) / 100000.0
\set s 58.0 + random(0, 399000) / 100000.0
\set e :w + 0.02
\set n :s + 0.01
SELECT id, reference, name, address, previously_part_of, area_m2, municipality,
    locality, cadastral_units, land_use, land_use_status, plan_id, planning_status,
    utilisation_percent, utilisation_type, max_height_m, location_class, readiness,
    ownership, owner_name, offer_type, price_nok_per_m2, lease_nok_per_m2_year,
    price_note, status, available_from, water_sewer, power_capacity_kw,
    district_heating, fibre, road_access, port_distance_m, port_name,
    rail_terminal_distance_m, rail_terminal_name, motorway_distance_m,
    motorway_junction_name, station_distance_m, station_name, contamination,
    cultural_heritage, flood_zone, landslide_zone, quick_clay_zone, noise_zone,
    ground_conditions, focus_areas, documents, contact_name, contact_email,
    contact_phone, is_demo, created_at, updated_at, ended_at, end_reason, version,
    ST_AsGeoJSON(geom, 7) AS geometry
FROM plots
WHERE ended_at IS NULL
  AND ST_Intersects(geom, ST_MakeEnvelope(:w, :s, :e, :n, 4326))
ORDER BY id
LIMIT 101;
