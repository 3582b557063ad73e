-- Back to the database's own clock for every write.
CREATE OR REPLACE FUNCTION plots_derive() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    place record;
    new_boundary boolean;
    n plots;
    o plots;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'a plot''s id cannot change' USING ERRCODE = 'check_violation';
    END IF;
    -- A boundary equal to the stored one (the same shape, however its rings
    -- start or run) is the stored one: no change, no new version. The
    -- byte-for-byte comparison first: it is cheap, ST_Equals is not.
    new_boundary := TG_OP = 'INSERT' OR NOT (NEW.geom = OLD.geom OR ST_Equals(NEW.geom, OLD.geom));
    IF new_boundary THEN
        NEW.geom := canonical_boundary(NEW.geom);
    ELSE
        NEW.geom := OLD.geom;
    END IF;
    IF new_boundary OR current_setting('naeringsareal.refresh_access', true) = 'on' THEN
        -- The nearest place of each kind, in one statement (four calls of
        -- nearest_reference_place cost twice as much on a bulk import).
        NEW.port_name := NULL; NEW.port_distance_m := NULL;
        NEW.rail_terminal_name := NULL; NEW.rail_terminal_distance_m := NULL;
        NEW.motorway_junction_name := NULL; NEW.motorway_distance_m := NULL;
        NEW.station_name := NULL; NEW.station_distance_m := NULL;
        FOR place IN
            SELECT k.kind, nearest.name, nearest.distance_m
            FROM unnest(ARRAY['port', 'rail_terminal', 'motorway_junction', 'train_station']) AS k(kind)
            CROSS JOIN LATERAL (
                SELECT rp.name, round(ST_Distance(rp.geom::geography, NEW.geom::geography))::integer AS distance_m
                FROM reference_places rp
                WHERE rp.kind = k.kind
                ORDER BY rp.geom <-> NEW.geom
                LIMIT 1) AS nearest
        LOOP
            CASE place.kind
                WHEN 'port' THEN
                    NEW.port_name := place.name; NEW.port_distance_m := place.distance_m;
                WHEN 'rail_terminal' THEN
                    NEW.rail_terminal_name := place.name; NEW.rail_terminal_distance_m := place.distance_m;
                WHEN 'motorway_junction' THEN
                    NEW.motorway_junction_name := place.name; NEW.motorway_distance_m := place.distance_m;
                ELSE
                    NEW.station_name := place.name; NEW.station_distance_m := place.distance_m;
            END CASE;
        END LOOP;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        -- Compare what people entered, the boundary aside (known above):
        -- turning two boundaries into JSON only to compare them is costly.
        n := NEW; n.geom := NULL;
        o := OLD; o.geom := NULL;
        IF new_boundary OR plot_user_state(n) IS DISTINCT FROM plot_user_state(o) THEN
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

DROP FUNCTION plots_clock(timestamptz);
