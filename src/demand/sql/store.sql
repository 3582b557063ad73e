-- A demand record ($1 source, $2 session digest or NULL, $3 enquiry or NULL,
-- $4..$14 the needs, $15 the plots that met every hard requirement). A
-- session that has a record gets these needs and one search more.
INSERT INTO demand_records (source, session, enquiry_id, area_min_m2, area_max_m2, land_use,
                            location_class, min_power_kw, max_port_distance_m,
                            max_rail_terminal_distance_m, max_motorway_distance_m,
                            max_station_distance_m, available_by, required, candidates)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
ON CONFLICT (session) DO UPDATE SET
    last_at = greatest(now(), demand_records.last_at),
    asked = demand_records.asked + 1,
    area_min_m2 = EXCLUDED.area_min_m2,
    area_max_m2 = EXCLUDED.area_max_m2,
    land_use = EXCLUDED.land_use,
    location_class = EXCLUDED.location_class,
    min_power_kw = EXCLUDED.min_power_kw,
    max_port_distance_m = EXCLUDED.max_port_distance_m,
    max_rail_terminal_distance_m = EXCLUDED.max_rail_terminal_distance_m,
    max_motorway_distance_m = EXCLUDED.max_motorway_distance_m,
    max_station_distance_m = EXCLUDED.max_station_distance_m,
    available_by = EXCLUDED.available_by,
    required = EXCLUDED.required,
    candidates = EXCLUDED.candidates
