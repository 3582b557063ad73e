DROP FUNCTION dwithin_box(geometry, float8);
DROP INDEX plots_match_land_use_idx;
DROP INDEX plots_match_idx;
