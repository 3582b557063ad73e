CREATE INDEX plots_match_idx ON plots (id)
    INCLUDE (area_m2, land_use, location_class, port_distance_m,
             rail_terminal_distance_m, motorway_distance_m, station_distance_m,
             power_capacity_kw, available_from, price_nok_per_m2, offer_type,
             contamination, focus_areas)
    WHERE ended_at IS NULL AND published AND status = 'available';
CREATE INDEX plots_match_land_use_idx ON plots (land_use, id)
    INCLUDE (area_m2, location_class, port_distance_m,
             rail_terminal_distance_m, motorway_distance_m, station_distance_m,
             power_capacity_kw, available_from, price_nok_per_m2, offer_type,
             contamination, focus_areas)
    WHERE ended_at IS NULL AND published AND status = 'available';
DROP TRIGGER plots_note_updates ON plots;
DROP TRIGGER plots_note_inserts ON plots;
DROP FUNCTION plots_note_changes();
DROP TABLE plot_changes;
