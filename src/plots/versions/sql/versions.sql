-- Every version of plot $1, oldest first.
SELECT version, valid_from, changed_by, operation, data
FROM plot_versions
WHERE plot_id = $1
ORDER BY version
