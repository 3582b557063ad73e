-- The spatial and temporal extent of the open, published plots (the
-- collection's extent): the temporal extent spans their `updated_at`, the
-- instant `datetime` filters on.
SELECT ST_XMin(e) AS west, ST_YMin(e) AS south, ST_XMax(e) AS east, ST_YMax(e) AS north,
       first_update, last_update
FROM (SELECT ST_Extent(geom) AS e,
             min(updated_at) AS first_update,
             max(updated_at) AS last_update
      FROM plots
      WHERE ended_at IS NULL AND published) AS x
