-- Dated writes: a transaction may set the clock its writes are stamped with,
-- so that the demo's seeding writes the plots' history of the last three
-- years as real versions, each at its date (src/demo.rs,
-- data/demo/history.json).
--
-- The time a write is stamped with (`updated_at`, `created_at` on insert,
-- and so the version's `valid_from`) is the database's: now(), the start of
-- the transaction; unless the transaction has set `naeringsareal.clock` to
-- an earlier instant, with set_config(..., true), for itself only. The API
-- never sets it (its writes take no time from clients). A clock ahead of
-- now() is refused (no version is valid from the future: `as_of` now would
-- not show it), and so is one before the plot's last change (`last`):
-- `as_of` takes a plot's last version by number, so versions must follow
-- each other in time.
CREATE FUNCTION plots_clock(last timestamptz) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
    setting text := nullif(current_setting('naeringsareal.clock', true), '');
    clock timestamptz;
BEGIN
    IF setting IS NULL THEN
        RETURN now();
    END IF;
    clock := setting::timestamptz;
    IF clock > now() THEN
        RAISE EXCEPTION 'naeringsareal.clock % is ahead of the database''s clock %', clock, now()
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF clock < last THEN
        RAISE EXCEPTION 'naeringsareal.clock % is before the plot''s last change %', clock, last
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN clock;
END
$$;

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
    IF TG_OP = 'INSERT' THEN
        -- A write on a set clock (see plots_clock) was made at its time.
        IF current_setting('naeringsareal.clock', true) <> '' THEN
            NEW.created_at := plots_clock(NULL);
            NEW.updated_at := NEW.created_at;
        END IF;
    ELSE
        -- Compare what people entered, the boundary aside (known above):
        -- turning two boundaries into JSON only to compare them is costly.
        n := NEW; n.geom := NULL;
        o := OLD; o.geom := NULL;
        IF new_boundary OR plot_user_state(n) IS DISTINCT FROM plot_user_state(o) THEN
            NEW.version := OLD.version + 1;
            NEW.updated_at := plots_clock(OLD.updated_at);
        ELSE
            NEW.version := OLD.version;
            NEW.updated_at := OLD.updated_at;
        END IF;
    END IF;
    RETURN NEW;
END
$$;
