-- When client $1 may send again, in seconds from now, if it has sent more
-- than $3 enquiries in the last $2 seconds: the moment the ($3 + 1)-th newest
-- of them leaves the window. No row while it is under the limit.
SELECT greatest(1, ceil(extract(epoch FROM created_at + make_interval(secs => $2) - now())))::bigint AS seconds
FROM enquiries
WHERE client_address = $1 AND created_at > now() - make_interval(secs => $2)
ORDER BY created_at DESC
OFFSET $3
LIMIT 1
