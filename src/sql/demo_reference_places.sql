-- Loads the reference places of the GeoJSON FeatureCollection $1 as demo
-- data; a place already there changes only when its road or position did.
INSERT INTO reference_places (kind, name, road, geom, is_demo)
SELECT f -> 'properties' ->> 'kind', f -> 'properties' ->> 'name', f -> 'properties' ->> 'road',
       ST_SetSRID(ST_GeomFromGeoJSON(f -> 'geometry'), 4326), true
FROM jsonb_array_elements($1::jsonb -> 'features') AS f
ON CONFLICT (kind, name) DO UPDATE
SET road = EXCLUDED.road, geom = EXCLUDED.geom, is_demo = true
WHERE (reference_places.road, reference_places.geom) IS DISTINCT FROM (EXCLUDED.road, EXCLUDED.geom)
