DROP FUNCTION dwithin_box(geometry, float8);
DROP INDEX plots_match_idx;
