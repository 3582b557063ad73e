-- The registry of business land (næringsareal).
--
-- Storage CRS: EPSG:4326 (ETRS89/WGS84 longitude/latitude, the CRS84 axis order
-- in PostGIS). Why not EUREF89 UTM 32 (EPSG:25832), the working CRS of the
-- municipalities around Drammen? Because the registry must serve any
-- Norwegian municipality and the whole country without redesign: a single UTM
-- zone distorts badly far from its meridian (Finnmark uses zone 35), while
-- geographic coordinates are valid everywhere. Area and distances are computed
-- geodesically (geography casts), which is exact in every zone. And CRS84 is
-- what GeoJSON (RFC 7946), OGC API – Features and web maps read, so the hot
-- read path needs no transform at all; other CRSs are a transform on output.

-- Code lists -----------------------------------------------------------------

-- SOSI land-use purposes (arealformål) for business land, from Geonorge's
-- code registers for the master plan (kommuneplan, KP) and zoning plans
-- (reguleringsplan, RP). A table, not a CHECK, so that a municipality can add
-- codes without a migration and clients can read the list.
CREATE TABLE land_use_codes (
    code        integer PRIMARY KEY CHECK (code BETWEEN 1000 AND 9999),
    name_nb     text NOT NULL CHECK (name_nb <> ''),
    name_en     text NOT NULL CHECK (name_en <> ''),
    plan_level  text NOT NULL CHECK (plan_level IN ('master_plan', 'zoning_plan', 'both'))
);

INSERT INTO land_use_codes (code, name_nb, name_en, plan_level) VALUES
    (1300, 'Næringsvirksomhet / Næringsbebyggelse', 'Business (general)', 'both'),
    (1310, 'Kontor', 'Offices', 'zoning_plan'),
    (1320, 'Hotell/overnatting', 'Hotel/accommodation', 'zoning_plan'),
    (1330, 'Bevertning', 'Restaurants', 'zoning_plan'),
    (1340, 'Industri', 'Industry', 'zoning_plan'),
    (1350, 'Lager', 'Warehouse', 'zoning_plan'),
    (1360, 'Bensinstasjon/vegserviceanlegg', 'Fuel station/road services', 'zoning_plan'),
    (1390, 'Annen næring', 'Other business', 'zoning_plan'),
    (1800, 'Kombinert bebyggelse og anleggsformål', 'Combined building purposes', 'both'),
    (1826, 'Industri/lager', 'Industry/warehouse', 'zoning_plan');

-- Reference places -------------------------------------------------------------

-- The places that access distances are measured to. Distances are derived
-- from this table, never typed in by hand.
CREATE TABLE reference_places (
    id          serial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('port', 'rail_terminal', 'motorway_junction', 'train_station')),
    name        text NOT NULL CHECK (name <> ''),
    road        text CHECK (road <> ''),
    geom        geometry(Point, 4326) NOT NULL CHECK (NOT ST_IsEmpty(geom)),
    is_demo     boolean NOT NULL DEFAULT false,
    UNIQUE (kind, name)
);
CREATE INDEX reference_places_geom_idx ON reference_places USING gist (geom);

-- Plots --------------------------------------------------------------------------

-- A cadastral unit (matrikkelenhet) is written knr-gnr/bnr or knr-gnr/bnr/fnr/snr.
CREATE FUNCTION is_cadastral_unit_list(units text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN NOT EXISTS (
    SELECT 1 FROM unnest(units) AS u
    WHERE u IS NULL OR u !~ '^[0-9]{4}-[1-9][0-9]{0,4}/[1-9][0-9]{0,4}(/[0-9]{1,4}/[0-9]{1,4})?$'
);

CREATE TABLE plots (
    -- Identity
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    reference               text NOT NULL UNIQUE CHECK (reference ~ '^[A-Z0-9]{2,8}-[0-9]{1,7}$'),
    name                    text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    address                 text CHECK (length(address) BETWEEN 1 AND 300),
    previously_part_of      uuid[] NOT NULL DEFAULT '{}' CHECK (array_position(previously_part_of, NULL) IS NULL),

    -- Location. Always a MultiPolygon (a Polygon is stored as a one-part
    -- MultiPolygon), exterior rings counter-clockwise as RFC 7946 wants them
    -- (the trigger below normalises), valid, non-empty, inside Norway's extent
    -- (mainland, Svalbard and Jan Mayen).
    geom                    geometry(MultiPolygon, 4326) NOT NULL
                            CHECK (NOT ST_IsEmpty(geom) AND ST_IsValid(geom))
                            CHECK (ST_Within(geom, ST_MakeEnvelope(-10.0, 57.0, 35.0, 81.5, 4326))),
    area_m2                 double precision GENERATED ALWAYS AS (ST_Area(geom::geography)) STORED,
    municipality            text NOT NULL CHECK (municipality ~ '^[0-9]{4}$'),
    locality                text CHECK (length(locality) BETWEEN 1 AND 100),

    -- Cadastre
    cadastral_units         text[] NOT NULL DEFAULT '{}' CHECK (is_cadastral_unit_list(cadastral_units)),

    -- Planning
    land_use                integer NOT NULL REFERENCES land_use_codes (code),
    land_use_status         text NOT NULL CHECK (land_use_status IN ('current', 'future')),
    plan_id                 text CHECK (length(plan_id) BETWEEN 1 AND 100),
    planning_status         text NOT NULL CHECK (planning_status IN ('master_plan', 'zoning_in_progress', 'zoned')),
    utilisation_percent     double precision CHECK (utilisation_percent > 0 AND utilisation_percent <= 1000),
    utilisation_type        text CHECK (utilisation_type IN ('BYA', 'BRA')),
    max_height_m            double precision CHECK (max_height_m > 0 AND max_height_m <= 500),
    location_class          text NOT NULL CHECK (location_class IN ('A', 'B', 'C')),
    readiness               text NOT NULL CHECK (readiness IN ('unzoned', 'zoned', 'ready_to_build')),

    -- Ownership and terms; prices in whole NOK, as they are quoted.
    ownership               text NOT NULL CHECK (ownership IN ('public', 'private', 'port_authority', 'mixed')),
    owner_name              text CHECK (length(owner_name) BETWEEN 1 AND 200),
    offer_type              text NOT NULL CHECK (offer_type IN ('sale', 'lease', 'sale_or_lease')),
    price_nok_per_m2        integer CHECK (price_nok_per_m2 >= 0),
    lease_nok_per_m2_year   integer CHECK (lease_nok_per_m2_year >= 0),
    price_note              text CHECK (length(price_note) BETWEEN 1 AND 1000),

    -- Availability
    status                  text NOT NULL CHECK (status IN ('available', 'reserved', 'under_negotiation', 'sold', 'leased', 'withdrawn')),
    available_from          date,

    -- Infrastructure
    water_sewer             boolean NOT NULL DEFAULT false,
    power_capacity_kw       integer CHECK (power_capacity_kw >= 0),
    district_heating        boolean NOT NULL DEFAULT false,
    fibre                   boolean NOT NULL DEFAULT false,
    road_access             boolean NOT NULL DEFAULT false,

    -- Access: derived from reference_places by the trigger below, never typed.
    port_distance_m             integer,
    port_name                   text,
    rail_terminal_distance_m    integer,
    rail_terminal_name          text,
    motorway_distance_m         integer,
    motorway_junction_name      text,
    station_distance_m          integer,
    station_name                text,

    -- Constraints
    contamination           text NOT NULL DEFAULT 'none' CHECK (contamination IN ('none', 'suspected', 'confirmed')),
    cultural_heritage       boolean NOT NULL DEFAULT false,
    flood_zone              boolean NOT NULL DEFAULT false,
    landslide_zone          boolean NOT NULL DEFAULT false,
    quick_clay_zone         boolean NOT NULL DEFAULT false,
    noise_zone              text NOT NULL DEFAULT 'none' CHECK (noise_zone IN ('none', 'yellow', 'red')),
    ground_conditions       text CHECK (length(ground_conditions) BETWEEN 1 AND 1000),

    -- Fit with the strategic business plan's focus areas
    focus_areas             text[] NOT NULL DEFAULT '{}'
                            CHECK (focus_areas <@ ARRAY['port_logistics', 'health', 'green_circular', 'knowledge_it', 'general']::text[]),

    -- Documents and contact
    documents               jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(documents) = 'array'),
    contact_name            text CHECK (length(contact_name) BETWEEN 1 AND 200),
    contact_email           text CHECK (contact_email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    contact_phone           text CHECK (contact_phone ~ '^\+?[0-9 ]{5,20}$'),

    -- Lifecycle: plots are never deleted; they end with a date and a reason.
    is_demo                 boolean NOT NULL DEFAULT false,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    ended_at                timestamptz,
    end_reason              text CHECK (length(end_reason) BETWEEN 1 AND 500),
    version                 integer NOT NULL DEFAULT 1 CHECK (version >= 1),

    CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
    CHECK (ended_at IS NULL OR ended_at >= created_at),
    CHECK (utilisation_type IS NULL OR utilisation_percent IS NOT NULL)
);

-- Spatial queries (bbox, intersects, nearest) on the public register: the
-- index holds only the plots that have not ended, so the planner needs no
-- second index to leave the ended ones out.
CREATE INDEX plots_open_geom_idx ON plots USING gist (geom) WHERE ended_at IS NULL;
-- The public listing shows plots that have not ended; keyset paging runs on id.
CREATE INDEX plots_open_id_idx ON plots (id) WHERE ended_at IS NULL;
CREATE INDEX plots_status_idx ON plots (status) WHERE ended_at IS NULL;
CREATE INDEX plots_land_use_idx ON plots (land_use) WHERE ended_at IS NULL;
CREATE INDEX plots_municipality_idx ON plots (municipality) WHERE ended_at IS NULL;
CREATE INDEX plots_updated_at_idx ON plots (updated_at);

-- Every version of every plot, written by trigger in the same transaction as
-- the change, so no code path can change a plot without leaving its history.
CREATE TABLE plot_versions (
    plot_id     uuid NOT NULL REFERENCES plots (id),
    version     integer NOT NULL,
    valid_from  timestamptz NOT NULL,
    changed_by  text NOT NULL,
    operation   text NOT NULL CHECK (operation IN ('create', 'update', 'end')),
    -- The full state of the plot at this version, geometry as GeoJSON.
    data        jsonb NOT NULL,
    PRIMARY KEY (plot_id, version)
);

-- The columns the registry derives itself; a change to them alone is not a
-- new version of the plot.
CREATE FUNCTION plot_user_state(p plots) RETURNS jsonb
LANGUAGE sql STABLE
RETURN to_jsonb(p) - ARRAY[
    'area_m2', 'version', 'updated_at',
    'port_distance_m', 'port_name', 'rail_terminal_distance_m', 'rail_terminal_name',
    'motorway_distance_m', 'motorway_junction_name', 'station_distance_m', 'station_name'
];

-- Nearest reference place of a kind, with its geodesic distance in metres.
CREATE FUNCTION nearest_reference_place(g geometry, place_kind text, OUT name text, OUT distance_m integer)
LANGUAGE sql STABLE
AS $$
    SELECT rp.name, round(ST_Distance(rp.geom::geography, g::geography))::integer
    FROM reference_places rp
    WHERE rp.kind = place_kind
    ORDER BY rp.geom <-> g
    LIMIT 1
$$;

CREATE FUNCTION plots_derive() RETURNS trigger
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

CREATE TRIGGER plots_derive BEFORE INSERT OR UPDATE ON plots
FOR EACH ROW EXECUTE FUNCTION plots_derive();

CREATE FUNCTION plots_record_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.version <> OLD.version THEN
        INSERT INTO plot_versions (plot_id, version, valid_from, changed_by, operation, data)
        VALUES (
            NEW.id, NEW.version, NEW.updated_at,
            coalesce(nullif(current_setting('naeringsareal.changed_by', true), ''), current_user),
            CASE
                WHEN TG_OP = 'INSERT' THEN 'create'
                WHEN NEW.ended_at IS NOT NULL AND OLD.ended_at IS NULL THEN 'end'
                ELSE 'update'
            END,
            to_jsonb(NEW)
        );
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER plots_record_version AFTER INSERT OR UPDATE ON plots
FOR EACH ROW EXECUTE FUNCTION plots_record_version();

CREATE FUNCTION plots_refuse_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'plots are never deleted: end them with ended_at and end_reason'
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER plots_refuse_delete BEFORE DELETE ON plots
FOR EACH ROW EXECUTE FUNCTION plots_refuse_delete();
CREATE TRIGGER plots_refuse_truncate BEFORE TRUNCATE ON plots
FOR EACH STATEMENT EXECUTE FUNCTION plots_refuse_delete();

-- When the reference places change, every plot's access distances are
-- derived again (not a new version of any plot: they are derived columns).
CREATE FUNCTION reference_places_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('naeringsareal.refresh_access', 'on', true);
    UPDATE plots SET geom = geom;
    PERFORM set_config('naeringsareal.refresh_access', 'off', true);
    RETURN NULL;
END
$$;

CREATE TRIGGER reference_places_changed AFTER INSERT OR UPDATE OR DELETE ON reference_places
FOR EACH STATEMENT EXECUTE FUNCTION reference_places_changed();
