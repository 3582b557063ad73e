-- PostGIS is the spatial engine of the registry: geometry types, GiST indexes,
-- validity checks, geodesic area and distance, and CRS transforms.
CREATE EXTENSION IF NOT EXISTS postgis;
