-- Site matching scores the available plots in the service's memory, not in
-- the database (src/plots/matching/candidates.rs): it keeps a copy of their
-- matching columns and, before each match, reads the plots written since it
-- last looked. "Since" is a snapshot (pg_current_snapshot()): a plot was
-- written since when the transaction that last wrote it is not visible in
-- that snapshot. This table names that transaction for every plot written
-- since this migration (plots never written since are in the first copy a
-- service makes); its index finds the few plots written since a snapshot's
-- oldest running transaction.
--
-- Statement triggers with transition tables fill it: one upsert per
-- statement, so a bulk write (an import, the access distances derived again
-- for every plot when the reference places change) is one set-based insert.
-- Plots are never deleted, so no trigger on DELETE is needed.
CREATE TABLE plot_changes (
    plot_id    uuid PRIMARY KEY,
    change_xid xid8 NOT NULL
);
CREATE INDEX plot_changes_xid_idx ON plot_changes (change_xid);

CREATE FUNCTION plots_note_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plot_changes (plot_id, change_xid)
    SELECT id, pg_current_xact_id() FROM changed
    ON CONFLICT (plot_id) DO UPDATE SET change_xid = EXCLUDED.change_xid
        WHERE plot_changes.change_xid <> EXCLUDED.change_xid;
    RETURN NULL;
END
$$;

CREATE TRIGGER plots_note_inserts AFTER INSERT ON plots
REFERENCING NEW TABLE AS changed
FOR EACH STATEMENT EXECUTE FUNCTION plots_note_changes();
CREATE TRIGGER plots_note_updates AFTER UPDATE ON plots
REFERENCING NEW TABLE AS changed
FOR EACH STATEMENT EXECUTE FUNCTION plots_note_changes();

-- The covering indexes that let matching score in SQL by index-only scans
-- are not read any more; they only cost every write.
DROP INDEX plots_match_land_use_idx;
DROP INDEX plots_match_idx;
