DROP TRIGGER IF EXISTS reference_places_changed ON reference_places;
DROP FUNCTION IF EXISTS reference_places_changed();
DROP TABLE IF EXISTS plot_versions;
DROP FUNCTION IF EXISTS plot_user_state(plots);
DROP TABLE IF EXISTS plots;
DROP FUNCTION IF EXISTS plots_refuse_delete();
DROP FUNCTION IF EXISTS plots_record_version();
DROP FUNCTION IF EXISTS plots_derive();
-- Left by reverting 2026-12-02-000008 (see its down.sql).
DROP FUNCTION IF EXISTS plots_shown_area();
DROP FUNCTION IF EXISTS nearest_reference_place(geometry, text);
DROP FUNCTION IF EXISTS is_cadastral_unit_list(text[]);
DROP TABLE IF EXISTS reference_places;
DROP TABLE IF EXISTS land_use_codes;
