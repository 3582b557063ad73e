-- Back to the unrounded area, as the generated column held it. The one
-- thing that cannot go back in place: PostgreSQL 15 cannot make a column
-- generated again (nor add one where it was), so area_m2 stays a plain
-- column, kept by the trigger with the generated column's values. The
-- versions keep their rounded copies (the boundary gives the exact area).
CREATE OR REPLACE FUNCTION plots_shown_area() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.area_m2 := ST_Area(NEW.geom::geography);
    RETURN NEW;
END
$$;
UPDATE plots SET area_m2 = ST_Area(geom::geography);
