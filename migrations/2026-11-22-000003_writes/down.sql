DROP INDEX plot_versions_valid_from_idx;

CREATE OR REPLACE FUNCTION plots_derive() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    place record;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'a plot''s id cannot change' USING ERRCODE = 'check_violation';
    END IF;
    NEW.geom := ST_ForcePolygonCCW(NEW.geom);
    IF TG_OP = 'INSERT' OR NOT ST_Equals(NEW.geom, OLD.geom) OR current_setting('naeringsareal.refresh_access', true) = 'on' THEN
        SELECT * INTO place FROM nearest_reference_place(NEW.geom, 'port');
        NEW.port_name := place.name; NEW.port_distance_m := place.distance_m;
        SELECT * INTO place FROM nearest_reference_place(NEW.geom, 'rail_terminal');
        NEW.rail_terminal_name := place.name; NEW.rail_terminal_distance_m := place.distance_m;
        SELECT * INTO place FROM nearest_reference_place(NEW.geom, 'motorway_junction');
        NEW.motorway_junction_name := place.name; NEW.motorway_distance_m := place.distance_m;
        SELECT * INTO place FROM nearest_reference_place(NEW.geom, 'train_station');
        NEW.station_name := place.name; NEW.station_distance_m := place.distance_m;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF plot_user_state(NEW) IS DISTINCT FROM plot_user_state(OLD) THEN
            NEW.version := OLD.version + 1;
            NEW.updated_at := now();
        ELSE
            NEW.version := OLD.version;
            NEW.updated_at := OLD.updated_at;
        END IF;
    END IF;
    RETURN NEW;
END
$$;

DROP FUNCTION boundary_check(geometry, boolean);

DROP FUNCTION canonical_boundary(geometry);
DROP FUNCTION plot_user_state(plots);
ALTER TABLE plots DROP COLUMN published;
CREATE FUNCTION plot_user_state(p plots) RETURNS jsonb
LANGUAGE sql STABLE
RETURN to_jsonb(p) - ARRAY[
    'area_m2', 'version', 'updated_at',
    'port_distance_m', 'port_name', 'rail_terminal_distance_m', 'rail_terminal_name',
    'motorway_distance_m', 'motorway_junction_name', 'station_distance_m', 'station_name'
];
DROP TABLE api_keys;
