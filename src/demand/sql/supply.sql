-- The plots on offer now (open, published, available), counted and summed
-- (m²) in every combination of land-use group, size band and location
-- class, 'any' standing for all of one; each row also by power: the plots
-- with at least 0, 1000 and 5000 kW. One pass over the plots.
WITH offer AS (
    SELECT c.demand_group AS land_use_group, demand_size_band(p.area_m2) AS size_band,
           p.location_class, p.area_m2, p.power_capacity_kw AS kw
    FROM plots AS p
    JOIN land_use_codes AS c ON c.code = p.land_use
    WHERE p.ended_at IS NULL AND p.published AND p.status = 'available' AND p.area_m2 IS NOT NULL
)
SELECT CASE WHEN grouping(land_use_group) = 1 THEN 'any' ELSE land_use_group END AS land_use_group,
       CASE WHEN grouping(size_band) = 1 THEN 'any' ELSE size_band END AS size_band,
       CASE WHEN grouping(location_class) = 1 THEN 'any' ELSE location_class END AS location_class,
       count(*) AS plots, sum(area_m2) AS area_m2,
       count(*) FILTER (WHERE kw >= 0) AS plots_kw0,
       coalesce(sum(area_m2) FILTER (WHERE kw >= 0), 0) AS area_m2_kw0,
       count(*) FILTER (WHERE kw >= 1000) AS plots_kw1000,
       coalesce(sum(area_m2) FILTER (WHERE kw >= 1000), 0) AS area_m2_kw1000,
       count(*) FILTER (WHERE kw >= 5000) AS plots_kw5000,
       coalesce(sum(area_m2) FILTER (WHERE kw >= 5000), 0) AS area_m2_kw5000
FROM offer
GROUP BY CUBE (land_use_group, size_band, location_class)
