-- What PostGIS finds of each boundary in the array $1 (GeoJSON geometries in
-- SRID $2, latitude first when $3), by its position from 0.
SELECT (t.i - 1)::integer AS i, c.*
FROM jsonb_array_elements($1) WITH ORDINALITY AS t(g, i),
     LATERAL boundary_check(ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(t.g::text)), $2), $3) AS c
