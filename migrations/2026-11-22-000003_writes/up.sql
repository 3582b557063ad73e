-- Writing: API keys, unpublished plots, canonical coordinates.

-- API keys. The key itself is shown once when it is made and never stored:
-- only its SHA-256 (the keys are 32 random bytes, so a fast hash is enough;
-- slow password hashes are for guessable secrets). Names are unique for all
-- time, revoked keys included, so that a name in the history always means
-- one key.
CREATE TABLE api_keys (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
    role        text NOT NULL CHECK (role IN ('planner', 'admin')),
    key_hash    bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    CHECK (revoked_at IS NULL OR revoked_at >= created_at)
);

-- A plot a planner is still preparing: planners see it, the public does not.
-- The public listing's partial indexes (WHERE ended_at IS NULL) still serve
-- it: `ended_at IS NULL AND published` implies their predicate.
-- plot_user_state depends on the row type: it is made again around the change.
DROP FUNCTION plot_user_state(plots);
ALTER TABLE plots ADD COLUMN published boolean NOT NULL DEFAULT true;
CREATE FUNCTION plot_user_state(p plots) RETURNS jsonb
LANGUAGE sql STABLE
RETURN to_jsonb(p) - ARRAY[
    'area_m2', 'version', 'updated_at',
    'port_distance_m', 'port_name', 'rail_terminal_distance_m', 'rail_terminal_name',
    'motorway_distance_m', 'motorway_junction_name', 'station_distance_m', 'station_name'
];

-- Coordinates are kept at 1e-7 degree (about 1 cm), exactly as GeoJSON
-- output writes them, so that a plot exported and imported again is the
-- same geometry and no new version. Snapping to the grid keeps the vertices
-- in their order; where it would make the polygon invalid (two vertices
-- closer than 1 cm), ST_ReducePrecision snaps without breaking it (but
-- rebuilds the rings). The trip through GeoJSON text makes each coordinate
-- the very double that parsing the exported text gives.
-- (plpgsql rather than a one-line SQL function: it is not inlined, and a
-- plpgsql body keeps its plans; a trigger calls it on every write.)
CREATE FUNCTION canonical_boundary(g geometry) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    snapped geometry := ST_SnapToGrid(g, 1e-7);
BEGIN
    IF NOT ST_IsValid(snapped) THEN
        snapped := ST_ReducePrecision(g, 1e-7);
    END IF;
    RETURN ST_ForcePolygonCCW(ST_Multi(ST_SetSRID(
        ST_GeomFromGeoJSON(ST_AsGeoJSON(snapped, 7)), ST_SRID(g))));
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


-- What is wrong with a boundary a planner sends, in the CRS it came in
-- (`g` has that CRS's SRID; `lat_lon` when its axes are latitude first).
-- GEOS's reason and location for an invalid one; whether, once in
-- longitude/latitude, it lies inside Norway's extent (and whether it would
-- with its axes swapped: the commonest mistake); its geodesic area. A
-- transform that fails (coordinates out of the CRS's range) gives a NULL
-- `inside` instead of failing the whole statement.
CREATE FUNCTION boundary_check(
    g geometry, lat_lon boolean,
    OUT valid boolean, OUT reason text, OUT x double precision, OUT y double precision,
    OUT inside boolean, OUT inside_if_swapped boolean, OUT area_m2 double precision)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    detail valid_detail;
    w geometry;
    norway CONSTANT geometry := ST_MakeEnvelope(-10.0, 57.0, 35.0, 81.5, 4326);
BEGIN
    detail := ST_IsValidDetail(g);
    valid := detail.valid;
    reason := detail.reason;
    x := ST_X(detail.location);
    y := ST_Y(detail.location);
    w := CASE WHEN lat_lon THEN ST_FlipCoordinates(g) ELSE g END;
    IF ST_SRID(w) <> 4326 THEN
        BEGIN
            w := ST_Transform(w, 4326);
        EXCEPTION WHEN OTHERS THEN
            RETURN;
        END;
    END IF;
    inside := ST_Within(w, norway);
    inside_if_swapped := ST_Within(ST_FlipCoordinates(w), norway);
    IF valid THEN
        area_m2 := ST_Area(w::geography);
    END IF;
END
$$;

-- History by time: the state of the register at a past instant.
CREATE INDEX plot_versions_valid_from_idx ON plot_versions (valid_from);
