-- pgbench floor for query (g) of bench/README.md, CRS84 half: plain bbox 10.15,59.70,10.30,59.78, page of 100, geometry in CRS84.
-- The SQL the service (a0b29b7) runs for it, from the PostgreSQL log, bound values written in ($1, $2 = 7, 0; $7 = 4326; $8 = 101).
SELECT ST_AsGeoJSON("plots"."geom", 7, 0),
    "plots"."id", "plots"."reference", "plots"."name", "plots"."address",
    "plots"."previously_part_of", "plots"."area_m2", "plots"."municipality",
    "plots"."locality", "plots"."cadastral_units", "plots"."land_use",
    "plots"."land_use_status", "plots"."plan_id", "plots"."planning_status",
    "plots"."utilisation_percent", "plots"."utilisation_type", "plots"."max_height_m",
    "plots"."location_class", "plots"."readiness", "plots"."ownership",
    "plots"."owner_name", "plots"."offer_type", "plots"."price_nok_per_m2",
    "plots"."lease_nok_per_m2_year", "plots"."price_note", "plots"."status",
    "plots"."available_from", "plots"."water_sewer", "plots"."power_capacity_kw",
    "plots"."district_heating", "plots"."fibre", "plots"."road_access",
    "plots"."port_distance_m", "plots"."port_name", "plots"."rail_terminal_distance_m",
    "plots"."rail_terminal_name", "plots"."motorway_distance_m",
    "plots"."motorway_junction_name", "plots"."station_distance_m", "plots"."station_name",
    "plots"."contamination", "plots"."cultural_heritage", "plots"."flood_zone",
    "plots"."landslide_zone", "plots"."quick_clay_zone", "plots"."noise_zone",
    "plots"."ground_conditions", "plots"."focus_areas", "plots"."documents",
    "plots"."contact_name", "plots"."contact_email", "plots"."contact_phone",
    "plots"."is_demo", "plots"."published", "plots"."created_at", "plots"."updated_at",
    "plots"."ended_at", "plots"."end_reason", "plots"."version"
FROM "plots"
WHERE ((("plots"."ended_at" IS NULL) AND "plots"."published")
  AND ST_Intersects("plots"."geom", ST_MakeEnvelope(10.15, 59.7, 10.3, 59.78, 4326)))
ORDER BY "plots"."id" ASC
LIMIT 101;
