-- The enquiries waiting for a first answer, the most overdue first, at
-- most $1, with the plot asked about.
SELECT e.id, e.reference, e.created_at, e.answer_due_at, e.status, e.assigned_to,
       p.reference AS plot_reference, e.answer_due_at < now() AS overdue,
       count(*) OVER () AS total,
       count(*) FILTER (WHERE e.answer_due_at < now()) OVER () AS overdue_total
FROM enquiries e
LEFT JOIN plots p ON p.id = e.plot_id
WHERE e.answered_at IS NULL
ORDER BY e.answer_due_at, e.created_at, e.id
LIMIT $1
