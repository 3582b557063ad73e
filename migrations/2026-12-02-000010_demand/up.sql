-- Demand for business land: what companies ask for, in their enquiries and
-- their site searches, kept so that planners can set it against the
-- reserve (GET /demand). Anonymous: no name, no e-mail, no address, not the
-- company's own places; a search is one record per session (its last
-- statement of needs), an enquiry one record that outlives the enquiry's
-- personal data (its link is cut when the enquiry is erased).

-- The groups of land uses that demand is counted by; a table column, so a
-- municipality can regroup its codes without a release.
ALTER TABLE land_use_codes
    ADD COLUMN demand_group text NOT NULL DEFAULT 'other'
        CHECK (demand_group IN ('industry', 'offices', 'other'));
UPDATE land_use_codes SET demand_group = 'industry' WHERE code IN (1340, 1350, 1826);
UPDATE land_use_codes SET demand_group = 'offices' WHERE code IN (1310, 1320, 1330);

CREATE TABLE demand_records (
    id              bigserial PRIMARY KEY,
    source          text NOT NULL CHECK (source IN ('enquiry', 'search', 'alert')),
    -- The enquiry it came from, while the enquiry exists.
    enquiry_id      uuid UNIQUE REFERENCES enquiries (id) ON DELETE SET NULL,
    -- A search's session, as a SHA-256 digest (hex), so that a session's
    -- searches are one record: the session id the site finder sends, a
    -- key's name and the day, or the client's address and user agent with
    -- a salt that the service forgets at the end of the day.
    session         text UNIQUE CHECK (session ~ '^[0-9a-f]{64}$'),
    first_at        timestamptz NOT NULL DEFAULT now(),
    last_at         timestamptz NOT NULL DEFAULT now(),
    -- How often the session searched (1 for an enquiry).
    asked           integer NOT NULL DEFAULT 1 CHECK (asked >= 1),
    area_min_m2     double precision CHECK (area_min_m2 >= 0),
    area_max_m2     double precision CHECK (area_max_m2 >= 0),
    land_use        integer[],
    location_class  text[] CHECK (location_class <@ ARRAY['A', 'B', 'C']),
    min_power_kw    double precision CHECK (min_power_kw >= 0),
    max_port_distance_m          double precision CHECK (max_port_distance_m >= 0),
    max_rail_terminal_distance_m double precision CHECK (max_rail_terminal_distance_m >= 0),
    max_motorway_distance_m      double precision CHECK (max_motorway_distance_m >= 0),
    max_station_distance_m       double precision CHECK (max_station_distance_m >= 0),
    available_by    date,
    -- The needs named as hard requirements.
    required        text[] NOT NULL DEFAULT '{}',
    -- How many plots on offer met every hard requirement when it was asked.
    candidates      integer NOT NULL CHECK (candidates >= 0),
    CHECK (last_at >= first_at),
    CHECK ((source = 'search') = (session IS NOT NULL))
);

-- A period's records.
CREATE INDEX demand_records_first_at_idx ON demand_records (first_at);

-- The size bands demand and supply are counted in, by area in m² (a need by
-- its least area, or its largest when it gives no least): under 5 daa,
-- 5–20, 20–50, 50 and more; 'any' when no area is given.
CREATE FUNCTION demand_size_band(area_m2 double precision) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN area_m2 IS NULL THEN 'any'
    WHEN area_m2 < 5000 THEN 'lt5'
    WHEN area_m2 < 20000 THEN '5-20'
    WHEN area_m2 < 50000 THEN '20-50'
    ELSE 'ge50'
END;

-- The power bands, by the least power asked for in kW: under 1 MW, 1–5 MW,
-- 5 MW and more; 'any' when none is asked for.
CREATE FUNCTION demand_power_band(kw double precision) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN kw IS NULL THEN 'any'
    WHEN kw < 1000 THEN 'lt1'
    WHEN kw < 5000 THEN '1-5'
    ELSE 'ge5'
END;

-- Supply for the demand report: the plots on offer by land use, location
-- class, area and power, read without the table (an index-only scan of
-- about 27 MB at 700,000 plots on offer, against 730 MB of table).
CREATE INDEX plots_on_offer_supply_idx ON plots (land_use, location_class, area_m2, power_capacity_kw)
    WHERE ended_at IS NULL AND published AND status = 'available';
