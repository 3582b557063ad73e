-- Which plots meet an active alert's hard requirements now, and whether
-- the alert's address has been told (src/alerts/watch.rs). A row is made
-- when a plot comes to meet them (it became available, or changed) and
-- goes when it no longer does, so that meeting them again is news again.
-- At confirmation the plots that meet them already are recorded as told:
-- an alert tells of what changes after it is made.
CREATE TABLE alert_matches (
    alert_id    uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    plot_id     uuid NOT NULL REFERENCES plots (id),
    matched_at  timestamptz NOT NULL DEFAULT now(),
    -- When a digest told of it; NULL while it is still to tell.
    notified_at timestamptz,
    PRIMARY KEY (alert_id, plot_id)
);

CREATE INDEX alert_matches_plot_idx ON alert_matches (plot_id);
CREATE INDEX alert_matches_untold_idx ON alert_matches (alert_id) WHERE notified_at IS NULL;
