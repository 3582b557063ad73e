-- Synthetic reference places for the benchmark database (never for
-- production: the positions are approximate and the set is small).
--
-- The access distances on every plot are derived from this table by the
-- plots_derive trigger, so it must be filled BEFORE any plot is loaded:
-- inserting into reference_places afterwards re-derives every plot
-- (reference_places_changed runs UPDATE plots SET geom = geom).
--
-- Fixed list, no randomness: the same on every run. Idempotent (ON CONFLICT).

INSERT INTO reference_places (kind, name, road, geom, is_demo)
SELECT kind, name, road, ST_SetSRID(ST_MakePoint(lon, lat), 4326), false
FROM (VALUES
    -- Drammen and its neighbours (the dense cluster)
    ('port',              'Drammen havn Holmen',         NULL,   10.2240, 59.7340),
    ('port',              'Drammen havn Lierstranda',    NULL,   10.2430, 59.7560),
    ('rail_terminal',     'Drammen godsterminal',        NULL,   10.1850, 59.7440),
    ('motorway_junction', 'E18 Kobbervikdalen',          'E18',  10.2520, 59.7100),
    ('motorway_junction', 'E18 Lierskogen',              'E18',  10.3100, 59.8120),
    ('motorway_junction', 'E134 Gulskogen',              'E134', 10.1500, 59.7330),
    ('motorway_junction', 'E134 Mjøndalen',              'E134', 10.0250, 59.7450),
    ('train_station',     'Drammen stasjon',             NULL,   10.2045, 59.7406),
    ('train_station',     'Brakerøya stasjon',           NULL,   10.2270, 59.7590),
    ('train_station',     'Gulskogen stasjon',           NULL,   10.1490, 59.7410),
    ('train_station',     'Mjøndalen stasjon',           NULL,   10.0150, 59.7470),
    ('train_station',     'Lier stasjon',                NULL,   10.2450, 59.7870),
    -- The rest of southern Norway
    ('port',              'Oslo havn Sjursøya',          NULL,   10.7600, 59.8900),
    ('port',              'Moss havn',                   NULL,   10.6550, 59.4350),
    ('port',              'Borg havn',                   NULL,   10.9400, 59.2000),
    ('port',              'Larvik havn',                 NULL,   10.0400, 59.0450),
    ('port',              'Grenland havn Brevik',        NULL,    9.7000, 59.0550),
    ('port',              'Kristiansand havn',           NULL,    7.9950, 58.1400),
    ('port',              'Stavanger havn Risavika',     NULL,    5.6100, 58.9200),
    ('port',              'Bergen havn Dokken',          NULL,    5.3150, 60.3950),
    ('port',              'Haugesund havn',              NULL,    5.2650, 59.4150),
    ('rail_terminal',     'Alnabru godsterminal',        NULL,   10.8450, 59.9300),
    ('rail_terminal',     'Ganddal godsterminal',        NULL,    5.7250, 58.8050),
    ('rail_terminal',     'Nygårdstangen godsterminal',  NULL,    5.3400, 60.3850),
    ('rail_terminal',     'Kristiansand godsterminal',   NULL,    7.9900, 58.1550),
    ('rail_terminal',     'Hamar godsterminal',          NULL,   11.0650, 60.7950),
    ('rail_terminal',     'Eidanger godsterminal',       NULL,    9.6800, 59.1150),
    ('motorway_junction', 'E6 Karihaugen',               'E6',   10.9250, 59.9350),
    ('motorway_junction', 'E6 Vinterbro',                'E6',   10.7800, 59.7300),
    ('motorway_junction', 'E6 Gardermoen',               'E6',   11.1000, 60.1800),
    ('motorway_junction', 'E6 Hamar nord',               'E6',   11.0900, 60.8200),
    ('motorway_junction', 'E6 Sarpsborg',                'E6',   11.1300, 59.2900),
    ('motorway_junction', 'E18 Tønsberg',                'E18',  10.3800, 59.3000),
    ('motorway_junction', 'E18 Sandefjord',              'E18',  10.2000, 59.1600),
    ('motorway_junction', 'E18 Porsgrunn',               'E18',   9.6600, 59.1300),
    ('motorway_junction', 'E18 Arendal',                 'E18',   8.7500, 58.4700),
    ('motorway_junction', 'E18 Kristiansand vest',       'E18',   7.9400, 58.1600),
    ('motorway_junction', 'E39 Forus',                   'E39',   5.7300, 58.8900),
    ('motorway_junction', 'E39 Bergen Nesttun',          'E39',   5.3600, 60.3200),
    ('motorway_junction', 'E16 Hønefoss',                'E16',  10.2600, 60.1700),
    ('motorway_junction', 'E134 Kongsberg',              'E134',  9.6500, 59.6700),
    ('train_station',     'Oslo S',                      NULL,   10.7520, 59.9110),
    ('train_station',     'Lillestrøm stasjon',          NULL,   11.0480, 59.9530),
    ('train_station',     'Moss stasjon',                NULL,   10.6580, 59.4320),
    ('train_station',     'Fredrikstad stasjon',         NULL,   10.9380, 59.2080),
    ('train_station',     'Tønsberg stasjon',            NULL,   10.4080, 59.2700),
    ('train_station',     'Sandefjord stasjon',          NULL,   10.2220, 59.1370),
    ('train_station',     'Larvik stasjon',              NULL,   10.0270, 59.0530),
    ('train_station',     'Skien stasjon',               NULL,    9.6080, 59.2090),
    ('train_station',     'Kongsberg stasjon',           NULL,    9.6520, 59.6690),
    ('train_station',     'Hønefoss stasjon',            NULL,   10.2560, 60.1660),
    ('train_station',     'Hamar stasjon',               NULL,   11.0760, 60.7930),
    ('train_station',     'Lillehammer stasjon',         NULL,   10.4620, 61.1140),
    ('train_station',     'Kristiansand stasjon',        NULL,    7.9970, 58.1450),
    ('train_station',     'Stavanger stasjon',           NULL,    5.7330, 58.9660),
    ('train_station',     'Bergen stasjon',              NULL,    5.3320, 60.3900)
) AS v (kind, name, road, lon, lat)
ON CONFLICT (kind, name) DO NOTHING;
