-- What PostGIS finds of each boundary in the array $1 (GeoJSON geometries in
-- SRID $2, latitude first when $3), by its position from 0; the area as it
-- is stored and shown (to 0.1 m²), so that the size limits judge that figure.
SELECT (t.i - 1)::integer AS i, c.valid, c.reason, c.x, c.y, c.inside, c.inside_if_swapped,
       round(c.area_m2::numeric, 1)::float8 AS area_m2
FROM jsonb_array_elements($1) WITH ORDINALITY AS t(g, i),
     LATERAL boundary_check(ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(t.g::text)), $2), $3) AS c
