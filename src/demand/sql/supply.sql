-- The plots on offer now (open, published, available), counted and summed
-- (m²) in every combination of land-use group, size band and location
-- class, 'any' standing for all of one; each row also by power: the plots
-- with at least 0, 1000 and 5000 kW. The plots are counted by land use
-- first, from the partial index plots_on_offer_supply_idx alone (an
-- index-only scan), and the few counts then rolled up.
WITH counted AS (
    SELECT p.land_use, demand_size_band(p.area_m2) AS size_band, p.location_class,
           count(*) AS plots, sum(p.area_m2) AS area_m2,
           count(*) FILTER (WHERE p.power_capacity_kw >= 0) AS plots_kw0,
           coalesce(sum(p.area_m2) FILTER (WHERE p.power_capacity_kw >= 0), 0) AS area_m2_kw0,
           count(*) FILTER (WHERE p.power_capacity_kw >= 1000) AS plots_kw1000,
           coalesce(sum(p.area_m2) FILTER (WHERE p.power_capacity_kw >= 1000), 0) AS area_m2_kw1000,
           count(*) FILTER (WHERE p.power_capacity_kw >= 5000) AS plots_kw5000,
           coalesce(sum(p.area_m2) FILTER (WHERE p.power_capacity_kw >= 5000), 0) AS area_m2_kw5000
    FROM plots AS p
    WHERE p.ended_at IS NULL AND p.published AND p.status = 'available' AND p.area_m2 IS NOT NULL
    GROUP BY p.land_use, size_band, p.location_class
)
SELECT CASE WHEN grouping(c.demand_group) = 1 THEN 'any' ELSE c.demand_group END AS land_use_group,
       CASE WHEN grouping(o.size_band) = 1 THEN 'any' ELSE o.size_band END AS size_band,
       CASE WHEN grouping(o.location_class) = 1 THEN 'any' ELSE o.location_class END AS location_class,
       sum(o.plots)::bigint AS plots, sum(o.area_m2) AS area_m2,
       sum(o.plots_kw0)::bigint AS plots_kw0, sum(o.area_m2_kw0) AS area_m2_kw0,
       sum(o.plots_kw1000)::bigint AS plots_kw1000, sum(o.area_m2_kw1000) AS area_m2_kw1000,
       sum(o.plots_kw5000)::bigint AS plots_kw5000, sum(o.area_m2_kw5000) AS area_m2_kw5000
FROM counted AS o
JOIN land_use_codes AS c ON c.code = o.land_use
GROUP BY CUBE (c.demand_group, o.size_band, o.location_class)
