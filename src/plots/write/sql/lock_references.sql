-- The plots with the references $1, locked for update (in reference order, so
-- that two writers lock them in the same order).
SELECT id, reference, version, status, ended_at
FROM plots
WHERE reference = ANY($1)
ORDER BY reference
FOR UPDATE
