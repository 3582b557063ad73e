-- Deterministic generator of N synthetic business plots for benchmarking.
--
--   psql -X -v ON_ERROR_STOP=1 -v n=100000 [-v batch=50000] -d naeringsareal_bench -f bench/generate.sql
--
-- Loads into the registry's own tables (reference_places, then plots) so that
-- every trigger fires as it would in production: plots_derive computes the
-- access distances from reference_places and normalises the geometry,
-- plots_record_version writes the 'create' row of plot_versions.
--
-- Determinism: every random choice is a hash of (row number, attribute
-- number) via hashint8extended, never random(). The same N gives the same
-- rows (ids, references, geometries, attributes, timestamps) on every run,
-- and the first M rows of a load of N > M are the rows of a load of M.
--
-- The spread: 20 % of the plots uniform in a 15 km disc around Drammen
-- (10.20 E, 59.74 N); 30 % in clusters around 47 towns (Drammen among them) of southern
-- Norway (Gaussian, a few km); 50 % uniform inside a coarse outline of
-- southern Norway (lon 5.0–12.5, lat 58.0–62.0, Oslofjord and most sea and
-- Sweden left out). Overlap between plots is allowed.
--
-- Each plot: a star-shaped (hence simple) jittered quadrilateral or pentagon,
-- stretched and rotated, about 2–300 daa, snapped to 1e-7 degrees.
-- About 1 % of the plots are ended (sold or withdrawn).
--
-- Requires an empty plots table (references are BEN-0000001 … and the
-- reference places must be in place before the first plot).

\set ON_ERROR_STOP on
\if :{?n}
\else
    \echo 'generate.sql: set the number of plots with -v n=N'
    SELECT 1/0 AS missing_n;
\endif
\if :{?batch}
\else
    \set batch 50000
\endif

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM plots) THEN
        RAISE EXCEPTION 'plots is not empty: load into a fresh database (bench/load.sh recreates it)';
    END IF;
END
$$;

-- JIT compiling this wide generator costs ~2.5 s per batch statement (and
-- saves nothing); the session-local setting leaves the server's alone.
SET jit = off;

-- Reference places first (see the file for why).
\ir reference_places.sql

-- Helpers (session-local, leave nothing behind) -------------------------------

-- A uniform number in [0, 1) from (row number, attribute number).
CREATE FUNCTION pg_temp.u(n bigint, k integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (hashint8extended(n, k) & 9007199254740991)::double precision / 9007199254740992.0;

-- A weighted pick: bounds are the cumulative lower bounds of each value's
-- share, starting at 0 (e.g. ARRAY[0, 0.7, 0.9] = 70 %, 20 %, 10 %).
CREATE FUNCTION pg_temp.pick(vals anyarray, bounds double precision[], x double precision) RETURNS anyelement
LANGUAGE sql IMMUTABLE
AS $$ SELECT vals[width_bucket(x, bounds)] $$;

-- A uniform pick.
CREATE FUNCTION pg_temp.upick(vals anyarray, x double precision) RETURNS anyelement
LANGUAGE sql IMMUTABLE
AS $$ SELECT vals[1 + floor(x * cardinality(vals))::integer] $$;

-- Municipality seats: code, name, e-mail slug, position, and a cluster weight
-- (share of the 30 % town-cluster plots; 0 = no cluster) with its sigma in km.
-- Real 2024 municipality codes, approximate positions.
CREATE TEMP TABLE bench_seats (
    muni text, name text, slug text, lon double precision, lat double precision,
    weight double precision, sigma_km double precision, kgeom geometry
);
INSERT INTO bench_seats (muni, name, slug, lon, lat, weight, sigma_km) VALUES
    ('3301', 'Drammen',          'drammen',        10.20, 59.74,  4, 4),
    ('3312', 'Lier',             'lier',           10.24, 59.79,  1, 3),
    ('3314', 'Øvre Eiker',       'ovre-eiker',      9.91, 59.79,  1, 3),
    ('3303', 'Kongsberg',        'kongsberg',       9.65, 59.67,  2, 3),
    ('3305', 'Ringerike',        'ringerike',      10.26, 60.17,  2, 3),
    ('3316', 'Modum',            'modum',           9.97, 59.96,  0, 0),
    ('3324', 'Gol',              'gol',             8.94, 60.70,  0, 0),
    ('3330', 'Hol',              'hol',             8.21, 60.53,  0, 0),
    ('3332', 'Sigdal',           'sigdal',          9.62, 60.07,  0, 0),
    ('3338', 'Nore og Uvdal',    'nore-og-uvdal',   9.06, 60.22,  0, 0),
    ('0301', 'Oslo',             'oslo',           10.75, 59.91, 12, 6),
    ('3201', 'Bærum',            'baerum',         10.52, 59.89,  3, 3),
    ('3203', 'Asker',            'asker',          10.43, 59.83,  3, 3),
    ('3205', 'Lillestrøm',       'lillestrom',     11.05, 59.96,  4, 4),
    ('3207', 'Nordre Follo',     'nordre-follo',   10.78, 59.72,  2, 3),
    ('3209', 'Ullensaker',       'ullensaker',     11.17, 60.13,  3, 4),
    ('3216', 'Vestby',           'vestby',         10.75, 59.60,  2, 3),
    ('3226', 'Aurskog-Høland',   'aurskog-holand', 11.45, 59.88,  0, 0),
    ('3228', 'Nes',              'nes',            11.47, 60.12,  0, 0),
    ('3240', 'Eidsvoll',         'eidsvoll',       11.26, 60.33,  1, 3),
    ('3101', 'Halden',           'halden',         11.39, 59.12,  1, 3),
    ('3103', 'Moss',             'moss',           10.66, 59.43,  2, 3),
    ('3105', 'Sarpsborg',        'sarpsborg',      11.11, 59.28,  3, 3),
    ('3107', 'Fredrikstad',      'fredrikstad',    10.93, 59.22,  3, 3),
    ('3118', 'Indre Østfold',    'indre-ostfold',  11.27, 59.57,  1, 4),
    ('3120', 'Rakkestad',        'rakkestad',      11.34, 59.43,  0, 0),
    ('3901', 'Horten',           'horten',         10.48, 59.42,  1, 2),
    ('3903', 'Holmestrand',      'holmestrand',    10.31, 59.49,  1, 3),
    ('3905', 'Tønsberg',         'tonsberg',       10.41, 59.27,  2, 3),
    ('3907', 'Sandefjord',       'sandefjord',     10.22, 59.13,  2, 3),
    ('3909', 'Larvik',           'larvik',         10.03, 59.05,  2, 3),
    ('4001', 'Porsgrunn',        'porsgrunn',       9.66, 59.14,  2, 3),
    ('4003', 'Skien',            'skien',           9.61, 59.21,  2, 3),
    ('4005', 'Notodden',         'notodden',        9.26, 59.56,  1, 3),
    ('4014', 'Kragerø',          'kragero',         9.41, 58.87,  0, 0),
    ('4026', 'Tinn',             'tinn',            8.59, 59.88,  0, 0),
    ('4036', 'Vinje',            'vinje',           7.99, 59.57,  0, 0),
    ('4022', 'Seljord',          'seljord',         8.63, 59.49,  0, 0),
    ('4032', 'Fyresdal',         'fyresdal',        8.09, 59.18,  0, 0),
    ('4203', 'Arendal',          'arendal',         8.77, 58.46,  2, 3),
    ('4202', 'Grimstad',         'grimstad',        8.59, 58.34,  1, 3),
    ('4204', 'Kristiansand',     'kristiansand',    8.00, 58.15,  4, 4),
    ('4205', 'Lindesnes',        'lindesnes',       7.46, 58.03,  0, 0),
    ('4207', 'Flekkefjord',      'flekkefjord',     6.66, 58.30,  0, 0),
    ('4219', 'Evje og Hornnes',  'evje-og-hornnes', 7.80, 58.59,  0, 0),
    ('4221', 'Valle',            'valle',           7.53, 59.20,  0, 0),
    ('4228', 'Sirdal',           'sirdal',          6.72, 58.66,  0, 0),
    ('1103', 'Stavanger',        'stavanger',       5.73, 58.97,  5, 4),
    ('1108', 'Sandnes',          'sandnes',         5.74, 58.85,  3, 3),
    ('1124', 'Sola',             'sola',            5.65, 58.89,  2, 2),
    ('1101', 'Eigersund',        'eigersund',       6.00, 58.45,  0, 0),
    ('1106', 'Haugesund',        'haugesund',       5.27, 59.41,  2, 3),
    ('1119', 'Hå',               'ha',              5.65, 58.61,  0, 0),
    ('1134', 'Suldal',           'suldal',          6.48, 59.48,  0, 0),
    ('4601', 'Bergen',           'bergen',          5.33, 60.39,  8, 5),
    ('4614', 'Stord',            'stord',           5.50, 59.78,  1, 2),
    ('4617', 'Kvinnherad',       'kvinnherad',      5.95, 59.95,  0, 0),
    ('4618', 'Ullensvang',       'ullensvang',      6.55, 60.07,  0, 0),
    ('4621', 'Voss',             'voss',            6.42, 60.63,  1, 3),
    ('4628', 'Vaksdal',          'vaksdal',         5.73, 60.48,  0, 0),
    ('4631', 'Alver',            'alver',           5.20, 60.60,  1, 3),
    ('4640', 'Sogndal',          'sogndal',         7.10, 61.23,  1, 2),
    ('4643', 'Årdal',            'ardal',           7.70, 61.24,  0, 0),
    ('4647', 'Sunnfjord',        'sunnfjord',       5.83, 61.45,  1, 3),
    ('4602', 'Kinn',             'kinn',            5.05, 61.60,  0, 0),
    ('3401', 'Kongsvinger',      'kongsvinger',    12.00, 60.19,  1, 3),
    ('3403', 'Hamar',            'hamar',          11.07, 60.79,  3, 3),
    ('3405', 'Lillehammer',      'lillehammer',    10.47, 61.12,  2, 3),
    ('3407', 'Gjøvik',           'gjovik',         10.69, 60.80,  2, 3),
    ('3411', 'Ringsaker',        'ringsaker',      10.83, 60.89,  1, 3),
    ('3413', 'Stange',           'stange',         11.19, 60.72,  1, 3),
    ('3420', 'Elverum',          'elverum',        11.56, 60.88,  1, 3),
    ('3421', 'Trysil',           'trysil',         12.27, 61.31,  0, 0),
    ('3422', 'Åmot',             'amot',           11.30, 61.17,  0, 0),
    ('3423', 'Stor-Elvdal',      'stor-elvdal',    11.03, 61.53,  0, 0),
    ('3424', 'Rendalen',         'rendalen',       11.07, 61.83,  0, 0),
    ('3436', 'Nord-Fron',        'nord-fron',       9.62, 61.59,  0, 0),
    ('3434', 'Lom',              'lom',             8.57, 61.84,  0, 0),
    ('3446', 'Gran',             'gran',           10.56, 60.36,  1, 3),
    ('3451', 'Nord-Aurdal',      'nord-aurdal',     9.24, 60.93,  0, 0),
    ('3454', 'Vang',             'vang',            8.57, 61.13,  0, 0);
-- Planar stand-in for nearest-seat search: x scaled by cos(60°).
UPDATE bench_seats SET kgeom = ST_MakePoint(lon * 0.5, lat);
CREATE INDEX ON bench_seats USING gist (kgeom);
ANALYZE bench_seats;

-- One row of constants: the cluster arrays and the coarse outline of
-- southern Norway used for the background spread.
CREATE TEMP TABLE bench_params AS
SELECT
    array_agg(lon ORDER BY muni) AS cl_lon,
    array_agg(lat ORDER BY muni) AS cl_lat,
    array_agg(sigma_km ORDER BY muni) AS cl_sigma,
    -- cumulative lower bounds of the cluster weights
    array_agg(cum ORDER BY muni) AS cl_bounds,
    ST_GeomFromText('POLYGON((
        5.10 62.00, 12.30 62.00, 12.50 61.00, 12.50 60.30, 12.10 59.90,
        11.75 59.55, 11.40 59.10, 10.95 59.15, 10.72 59.35, 10.72 59.85,
        10.55 59.85, 10.45 59.55, 10.42 59.12, 10.00 59.00, 9.40 58.85,
        8.75 58.42, 8.60 58.33, 8.00 58.10, 7.45 58.02, 7.05 58.00,
        6.65 58.28, 5.95 58.42, 5.55 58.75, 5.60 59.00, 5.25 59.40,
        5.10 59.80, 5.10 60.40, 5.00 60.80, 5.00 61.50, 5.10 62.00))', 4326) AS region
FROM (
    SELECT muni, lon, lat, sigma_km,
           (sum(weight) OVER (ORDER BY muni) - weight) / sum(weight) OVER () AS cum
    FROM bench_seats WHERE weight > 0
) c;

-- Small word lists ------------------------------------------------------------
CREATE TEMP TABLE bench_words AS SELECT
    ARRAY['Holmen', 'Lierstranda', 'Kobbervikdalen', 'Gulskogen', 'Åssiden', 'Kjellstad',
          'Tranby', 'Lierskogen', 'Fjell', 'Skoger', 'Konnerud', 'Brakerøya', 'Sundland',
          'Mjøndalen', 'Svelvik', 'Strømsø', 'Bragernes', 'Teglverkstomta']      AS drammen_localities,
    ARRAY['Næringstomt', 'Industritomt', 'Lagertomt', 'Kontortomt', 'Logistikkareal',
          'Næringsområde', 'Næringspark', 'Utviklingsområde', 'Tomt']              AS name_prefixes,
    ARRAY['nord', 'sør', 'øst', 'vest', 'felt A', 'felt B', 'felt C', 'felt D',
          'trinn 1', 'trinn 2', 'trinn 3', 'BN1', 'BN2', 'BKB1', 'I1', 'I2']      AS name_suffixes,
    ARRAY['Industriveien', 'Lagerveien', 'Havneveien', 'Terminalveien', 'Næringsveien',
          'Fabrikkveien', 'Verkstedveien', 'Sagveien', 'Mølleveien', 'Kaiveien',
          'Logistikkveien', 'Stasjonsveien', 'Elveveien', 'Teglverksveien']        AS streets,
    ARRAY['Nordic', 'Fjord', 'Vest', 'Elve', 'Berg', 'Skog', 'Nord', 'Sør', 'Kyst', 'Dal',
          'Bru', 'Stein', 'Lier', 'Eik']                                           AS owner_a,
    ARRAY['eiendom AS', 'tomter AS', 'utvikling AS', 'invest AS', 'næringsbygg AS',
          'eiendomsselskap AS', 'logistikk AS']                                     AS owner_b,
    ARRAY['Ole', 'Kari', 'Per', 'Ingrid', 'Lars', 'Marit', 'Anders', 'Silje', 'Jonas',
          'Nora', 'Erik', 'Hanne', 'Thomas', 'Ida', 'Magnus', 'Sofie']             AS first_names,
    ARRAY['Hansen', 'Johansen', 'Olsen', 'Larsen', 'Andersen', 'Pedersen', 'Nilsen',
          'Kristiansen', 'Jensen', 'Karlsen', 'Berg', 'Haugen', 'Bakke', 'Lie']   AS last_names,
    ARRAY['Prisen er veiledende.', 'Pris etter avtale.', 'Inkluderer opparbeidet tomt.',
          'Festeavgift reguleres årlig etter KPI.', 'Tilknytningsavgifter kommer i tillegg.'] AS price_notes,
    ARRAY['Fast grunn, fjell i dagen.', 'Leire, fundamentering på peler må påregnes.',
          'Fyllmasser, geoteknisk vurdering foreligger.', 'Morene, gode byggegrunnforhold.',
          'Kvikkleire påvist i deler av området.', 'Tidligere industritomt, miljøkartlagt.'] AS grounds,
    ARRAY['Solgt', 'Trukket fra markedet', 'Sammenslått med nabotomt']              AS end_reasons;

-- The rows -------------------------------------------------------------------
-- A view over generate_series(1, N); each batch selects a range of n, which
-- the planner pushes down to the series, so only that range is computed.
CREATE TEMP VIEW bench_plot_rows AS
SELECT
    g.n,
    md5('naeringsareal-bench-plot-' || g.n)::uuid                        AS id,
    'BEN-' || lpad(g.n::text, 7, '0')                                     AS reference,
    pg_temp.upick(w.name_prefixes, pg_temp.u(g.n, 30)) || ' ' || loc.locality || ' '
        || pg_temp.upick(w.name_suffixes, pg_temp.u(g.n, 31))             AS name,
    CASE WHEN pg_temp.u(g.n, 32) < 0.7 THEN
        pg_temp.upick(w.streets, pg_temp.u(g.n, 33)) || ' ' || (1 + floor(pg_temp.u(g.n, 34) * 120)::int)
    END                                                                   AS address,
    gm.geom,
    s.muni                                                                AS municipality,
    loc.locality,
    (ARRAY[
        s.muni || '-' || (1 + floor(pg_temp.u(g.n, 40) * 400)::int) || '/' || (1 + floor(pg_temp.u(g.n, 41) * 2000)::int),
        s.muni || '-' || (1 + floor(pg_temp.u(g.n, 42) * 400)::int) || '/' || (1 + floor(pg_temp.u(g.n, 43) * 2000)::int),
        s.muni || '-' || (1 + floor(pg_temp.u(g.n, 44) * 400)::int) || '/' || (1 + floor(pg_temp.u(g.n, 45) * 2000)::int)
                   || '/0/' || (1 + floor(pg_temp.u(g.n, 46) * 20)::int)
    ])[1:1 + floor(pg_temp.u(g.n, 47) * 3)::int]                          AS cadastral_units,
    a.land_use,
    CASE WHEN pg_temp.u(g.n, 50) < 0.75 THEN 'current' ELSE 'future' END AS land_use_status,
    CASE WHEN pg_temp.u(g.n, 51) < 0.9 THEN
        CASE a.planning_status
            WHEN 'master_plan' THEN 'KPA-' || s.muni || '-2024'
            ELSE s.muni || '-' || (2005 + floor(pg_temp.u(g.n, 52) * 21)::int) || lpad((1 + floor(pg_temp.u(g.n, 53) * 40)::int)::text, 3, '0')
        END
    END                                                                   AS plan_id,
    a.planning_status,
    a.utilisation_percent,
    CASE WHEN a.utilisation_percent IS NOT NULL THEN
        CASE WHEN pg_temp.u(g.n, 55) < 0.6 THEN 'BYA' ELSE 'BRA' END
    END                                                                   AS utilisation_type,
    CASE WHEN pg_temp.u(g.n, 56) < 0.8 THEN 8 + floor(pg_temp.u(g.n, 57) * 33)::int END::double precision AS max_height_m,
    a.location_class,
    CASE a.planning_status
        WHEN 'zoned' THEN CASE WHEN pg_temp.u(g.n, 58) < 0.55 THEN 'ready_to_build' ELSE 'zoned' END
        ELSE 'unzoned'
    END                                                                   AS readiness,
    a.ownership,
    CASE a.ownership
        WHEN 'public' THEN s.name || ' kommune'
        WHEN 'port_authority' THEN s.name || ' havn KF'
        WHEN 'mixed' THEN s.name || ' Næringspark AS'
        ELSE pg_temp.upick(w.owner_a, pg_temp.u(g.n, 60)) || pg_temp.upick(w.owner_b, pg_temp.u(g.n, 61))
    END                                                                   AS owner_name,
    a.offer_type,
    CASE WHEN a.offer_type <> 'lease' AND pg_temp.u(g.n, 62) < 0.8 THEN
        (CASE a.location_class WHEN 'A' THEN 1500 WHEN 'B' THEN 700 ELSE 250 END
            * (0.6 + 1.4 * pg_temp.u(g.n, 63)))::int / 10 * 10
    END                                                                   AS price_nok_per_m2,
    CASE WHEN a.offer_type <> 'sale' AND pg_temp.u(g.n, 64) < 0.8 THEN
        (CASE a.location_class WHEN 'A' THEN 160 WHEN 'B' THEN 90 ELSE 45 END
            * (0.6 + 1.4 * pg_temp.u(g.n, 65)))::int
    END                                                                   AS lease_nok_per_m2_year,
    CASE WHEN pg_temp.u(g.n, 66) < 0.15 THEN pg_temp.upick(w.price_notes, pg_temp.u(g.n, 67)) END AS price_note,
    a.status,
    CASE WHEN pg_temp.u(g.n, 70) < 0.6 THEN date '2026-01-01' + floor(pg_temp.u(g.n, 71) * 1100)::int END AS available_from,
    pg_temp.u(g.n, 72) < 0.75                                             AS water_sewer,
    CASE WHEN pg_temp.u(g.n, 73) < 0.7 THEN (200 + floor(pg_temp.u(g.n, 74) * 199) * 100)::int END AS power_capacity_kw,
    pg_temp.u(g.n, 75) < 0.3                                              AS district_heating,
    pg_temp.u(g.n, 76) < 0.6                                              AS fibre,
    pg_temp.u(g.n, 77) < 0.85                                             AS road_access,
    pg_temp.pick(ARRAY['none', 'suspected', 'confirmed'], ARRAY[0, 0.85, 0.97], pg_temp.u(g.n, 80)) AS contamination,
    pg_temp.u(g.n, 81) < 0.05                                             AS cultural_heritage,
    pg_temp.u(g.n, 82) < 0.08                                             AS flood_zone,
    pg_temp.u(g.n, 83) < 0.05                                             AS landslide_zone,
    pg_temp.u(g.n, 84) < 0.04                                             AS quick_clay_zone,
    pg_temp.pick(ARRAY['none', 'yellow', 'red'], ARRAY[0, 0.8, 0.95], pg_temp.u(g.n, 85)) AS noise_zone,
    CASE WHEN pg_temp.u(g.n, 86) < 0.4 THEN pg_temp.upick(w.grounds, pg_temp.u(g.n, 87)) END AS ground_conditions,
    array_remove(ARRAY[
        CASE WHEN pg_temp.u(g.n, 90) < 0.25 THEN 'port_logistics' END,
        CASE WHEN pg_temp.u(g.n, 91) < 0.08 THEN 'health' END,
        CASE WHEN pg_temp.u(g.n, 92) < 0.2  THEN 'green_circular' END,
        CASE WHEN pg_temp.u(g.n, 93) < 0.12 THEN 'knowledge_it' END,
        CASE WHEN pg_temp.u(g.n, 94) < 0.5  THEN 'general' END
    ], NULL)                                                              AS focus_areas,
    CASE WHEN pg_temp.u(g.n, 95) < 0.25 THEN jsonb_build_array(jsonb_build_object(
        'title', 'Plankart BEN-' || lpad(g.n::text, 7, '0'),
        'url', 'https://example.org/plandokumenter/BEN-' || lpad(g.n::text, 7, '0') || '.pdf',
        'type', 'application/pdf'))
    ELSE '[]'::jsonb END                                                  AS documents,
    CASE WHEN pg_temp.u(g.n, 96) < 0.8 THEN c.first_name || ' ' || c.last_name END AS contact_name,
    CASE WHEN pg_temp.u(g.n, 96) < 0.8 THEN
        lower(c.first_name) || '.' || lower(c.last_name) || '@' || s.slug || '.kommune.no'
    END                                                                   AS contact_email,
    CASE WHEN pg_temp.u(g.n, 97) < 0.7 THEN
        '+47 ' || (ARRAY['32', '22', '55', '51', '38', '35', '33', '69', '62', '90', '41', '46'])[1 + floor(pg_temp.u(g.n, 98) * 12)::int]
        || ' ' || lpad(floor(pg_temp.u(g.n, 99) * 1000000)::int::text, 6, '0')
    END                                                                   AS contact_phone,
    false                                                                 AS is_demo,
    t.created_at,
    t.created_at                                                          AS updated_at,
    CASE WHEN a.ended THEN t.created_at + (30 + floor(pg_temp.u(g.n, 101) * 270)::int) * interval '1 day' END AS ended_at,
    CASE WHEN a.ended THEN
        CASE a.status WHEN 'sold' THEN w.end_reasons[1]
                      ELSE w.end_reasons[2 + floor(pg_temp.u(g.n, 102) * 2)::int] END
    END                                                                   AS end_reason
FROM generate_series(1, :n::bigint) AS g(n)
CROSS JOIN bench_params p
CROSS JOIN bench_words w
-- where: 0–0.2 Drammen disc, 0.2–0.5 town clusters, 0.5–1 background
CROSS JOIN LATERAL (
    SELECT pg_temp.u(g.n, 1) AS ur,
           width_bucket(pg_temp.u(g.n, 4), p.cl_bounds) AS ci
) r
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN r.ur < 0.2 THEN
            ST_MakePoint(
                10.20 + 15000 * sqrt(pg_temp.u(g.n, 2)) * cos(2 * pi() * pg_temp.u(g.n, 3)) / (111320 * cos(radians(59.74))),
                59.74 + 15000 * sqrt(pg_temp.u(g.n, 2)) * sin(2 * pi() * pg_temp.u(g.n, 3)) / 111000)
        WHEN r.ur < 0.5 THEN
            ST_MakePoint(
                p.cl_lon[r.ci] + 1000 * p.cl_sigma[r.ci] * sqrt(-2 * ln(1 - 0.99 * pg_temp.u(g.n, 5)))
                    * cos(2 * pi() * pg_temp.u(g.n, 6)) / (111320 * cos(radians(p.cl_lat[r.ci]))),
                p.cl_lat[r.ci] + 1000 * p.cl_sigma[r.ci] * sqrt(-2 * ln(1 - 0.99 * pg_temp.u(g.n, 5)))
                    * sin(2 * pi() * pg_temp.u(g.n, 6)) / 111000)
        ELSE coalesce(
            -- up to 8 uniform candidates in the extent; the first inside the outline
            (SELECT q.pt FROM generate_series(1, 8) AS k(i)
             CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(
                    5.0 + 7.5 * pg_temp.u(g.n, 10 + k.i),
                    58.0 + 4.0 * pg_temp.u(g.n, 20 + k.i)), 4326) AS pt) q
             WHERE ST_Intersects(p.region, q.pt)
             ORDER BY k.i LIMIT 1),
            ST_MakePoint(p.cl_lon[r.ci], p.cl_lat[r.ci]))
    END AS pt
    OFFSET 0  -- compute the point once per row (no pull-up into ST_X and ST_Y)
) c0
CROSS JOIN LATERAL (SELECT ST_X(c0.pt) AS cx, ST_Y(c0.pt) AS cy) ctr
CROSS JOIN LATERAL (
    SELECT bs.muni, bs.name, bs.slug FROM bench_seats bs
    ORDER BY bs.kgeom <-> ST_MakePoint(ctr.cx * 0.5, ctr.cy) LIMIT 1
) s
CROSS JOIN LATERAL (
    SELECT CASE WHEN s.muni = '3301' THEN pg_temp.upick(w.drammen_localities, pg_temp.u(g.n, 35))
                ELSE s.name END AS locality
) loc
CROSS JOIN LATERAL (
    SELECT pg_temp.upick(w.first_names, pg_temp.u(g.n, 103)) AS first_name,
           pg_temp.upick(w.last_names, pg_temp.u(g.n, 104)) AS last_name
) c
CROSS JOIN LATERAL (
    SELECT timestamptz '2024-01-01 00:00:00+00' + floor(pg_temp.u(g.n, 100) * 700 * 86400) * interval '1 second' AS created_at
) t
CROSS JOIN LATERAL (
    SELECT
        pg_temp.u(g.n, 105) < 0.01 AS ended,
        pg_temp.pick(ARRAY[1300, 1310, 1320, 1330, 1340, 1350, 1360, 1390, 1800, 1826],
                     ARRAY[0, 0.20, 0.28, 0.30, 0.32, 0.52, 0.64, 0.67, 0.72, 0.85], pg_temp.u(g.n, 106)) AS land_use,
        pg_temp.pick(ARRAY['master_plan', 'zoning_in_progress', 'zoned'], ARRAY[0, 0.25, 0.40], pg_temp.u(g.n, 107)) AS planning_status,
        CASE WHEN pg_temp.u(g.n, 108) < 0.85 THEN (40 + 5 * floor(pg_temp.u(g.n, 109) * 53))::double precision END AS utilisation_percent,
        pg_temp.pick(ARRAY['A', 'B', 'C'], ARRAY[0, 0.15, 0.50], pg_temp.u(g.n, 110)) AS location_class,
        pg_temp.pick(ARRAY['public', 'private', 'port_authority', 'mixed'], ARRAY[0, 0.35, 0.80, 0.85], pg_temp.u(g.n, 111)) AS ownership,
        pg_temp.pick(ARRAY['sale', 'lease', 'sale_or_lease'], ARRAY[0, 0.45, 0.70], pg_temp.u(g.n, 112)) AS offer_type,
        CASE WHEN pg_temp.u(g.n, 105) < 0.01 THEN
            CASE WHEN pg_temp.u(g.n, 113) < 0.7 THEN 'sold' ELSE 'withdrawn' END
        ELSE pg_temp.pick(ARRAY['available', 'reserved', 'under_negotiation', 'sold', 'leased', 'withdrawn'],
                          ARRAY[0, 0.70, 0.78, 0.86, 0.93, 0.98], pg_temp.u(g.n, 113))
        END AS status
) a
-- the polygon: k = 4 or 5 vertices at increasing jittered angles (so the
-- ring is star-shaped around the centre, hence simple), radii jittered,
-- then stretched by (f, 1/f) and rotated; target area log-uniform 3.2–200
-- daa, which the jitter widens to roughly 2–300 daa.
CROSS JOIN LATERAL (
    SELECT 4 + floor(pg_temp.u(g.n, 120) * 2)::int AS k,
           3200 * power(62.5, pg_temp.u(g.n, 121)) AS area,
           0.6 + 1.0 * pg_temp.u(g.n, 122) AS f,
           2 * pi() * pg_temp.u(g.n, 123) AS rot
) sh
CROSS JOIN LATERAL (
    SELECT ST_Multi(ST_SnapToGrid(ST_SetSRID(ST_MakePolygon(ST_MakeLine(
        ST_MakePoint(
            ctr.cx + (cos(sh.rot) * vx - sin(sh.rot) * vy) / (111320 * cos(radians(ctr.cy))),
            ctr.cy + (sin(sh.rot) * vx + cos(sh.rot) * vy) / 111000)
        ORDER BY v.i)), 4326), 1e-7)) AS geom
    FROM generate_series(0, sh.k) AS v(i)
    CROSS JOIN LATERAL (
        SELECT sqrt(2 * sh.area / (sh.k * sin(2 * pi() / sh.k)))
                 * (0.8 + 0.4 * pg_temp.u(g.n, 130 + v.i % sh.k)) AS rad,
               2 * pi() * (v.i % sh.k) / sh.k
                 + (pg_temp.u(g.n, 140 + v.i % sh.k) - 0.5) * 0.6 * pi() / sh.k AS ang
    ) pv
    CROSS JOIN LATERAL (
        SELECT pv.rad * cos(pv.ang) * sh.f AS vx, pv.rad * sin(pv.ang) / sh.f AS vy
    ) xy
) gm;

-- Load in batches (each its own transaction, so progress shows and a
-- failure loses one batch only) --------------------------------------------
\pset tuples_only on
\pset format unaligned
SELECT format($q$INSERT INTO plots (
    id, reference, name, address, geom, municipality, locality, cadastral_units,
    land_use, land_use_status, plan_id, planning_status, utilisation_percent,
    utilisation_type, max_height_m, location_class, readiness, ownership,
    owner_name, offer_type, price_nok_per_m2, lease_nok_per_m2_year, price_note,
    status, available_from, water_sewer, power_capacity_kw, district_heating,
    fibre, road_access, contamination, cultural_heritage, flood_zone,
    landslide_zone, quick_clay_zone, noise_zone, ground_conditions, focus_areas,
    documents, contact_name, contact_email, contact_phone, is_demo, created_at,
    updated_at, ended_at, end_reason)
SELECT
    id, reference, name, address, geom, municipality, locality, cadastral_units,
    land_use, land_use_status, plan_id, planning_status, utilisation_percent,
    utilisation_type, max_height_m, location_class, readiness, ownership,
    owner_name, offer_type, price_nok_per_m2, lease_nok_per_m2_year, price_note,
    status, available_from, water_sewer, power_capacity_kw, district_heating,
    fibre, road_access, contamination, cultural_heritage, flood_zone,
    landslide_zone, quick_clay_zone, noise_zone, ground_conditions, focus_areas,
    documents, contact_name, contact_email, contact_phone, is_demo, created_at,
    updated_at, ended_at, end_reason
FROM bench_plot_rows WHERE n BETWEEN %s AND %s$q$, lo, hi),
       format($q$SELECT 'plots %s/%s loaded at ' || to_char(clock_timestamp(), 'HH24:MI:SS')$q$, hi, :n)
FROM (SELECT lo, least(lo + :batch - 1, :n) AS hi
      FROM generate_series(1, :n, :batch) AS lo) b
ORDER BY lo
\gexec
\pset tuples_only off
\pset format aligned

VACUUM (ANALYZE) reference_places;
VACUUM (ANALYZE) plots;
VACUUM (ANALYZE) plot_versions;
-- The change feed (site matching, the tile cache) reads plot_changes by
-- change_xid; without statistics the planner takes a third of it for every
-- look and joins all plots by hash (seconds at 1M plots, not 0.05 ms).
VACUUM (ANALYZE) plot_changes;
