-- The register as it stood at $1: each plot's last version then, if the plot
-- was open then; in id order after $2, at most $4. $3: unpublished plots too;
-- $5, $6: statuses and municipalities (empty: any).
SELECT id, data
FROM (SELECT DISTINCT ON (plot_id) plot_id AS id, data
      FROM plot_versions
      WHERE valid_from <= $1 AND ($2::uuid IS NULL OR plot_id > $2)
      ORDER BY plot_id, version DESC) AS v
WHERE data ->> 'ended_at' IS NULL
  AND ($3 OR coalesce((data ->> 'published')::boolean, true))
  AND (cardinality($5::text[]) = 0 OR data ->> 'status' = ANY($5))
  AND (cardinality($6::text[]) = 0 OR data ->> 'municipality' = ANY($6))
ORDER BY id
LIMIT $4
