-- Numbers that are shown are the numbers compared. The API shows a plot's
-- area to 0.1 m² (and in daa to 0.01), but filters (`area_m2 > X`),
-- sorting, site matching and the reserve's totals compared and added the
-- unrounded area: a plot shown at X m² was found by `area_m2 > X`. The
-- area is now stored as it is shown: the boundary's geodesic area rounded
-- to 0.1 m² (PostgreSQL's numeric rounding, half away from zero), kept by a
-- trigger instead of a generated expression (PostgreSQL 15 cannot change a
-- generated column's expression in place, and a new column would move it).
-- The boundary is kept exactly, so the unrounded area can always be
-- computed again; the versions' copies are rounded alike, so that the
-- register as it stood (`as_of`) adds up the same figures.
-- (IF EXISTS: after down.sql the column is already a plain one.)
ALTER TABLE plots ALTER COLUMN area_m2 DROP EXPRESSION IF EXISTS;

-- Before the trigger below exists (it would keep the old value). Changes no
-- version: the area is not part of what people entered (plot_user_state).
UPDATE plots SET area_m2 = round(area_m2::numeric, 1) WHERE area_m2 IS DISTINCT FROM round(area_m2::numeric, 1);
UPDATE plot_versions
SET data = jsonb_set(data, '{area_m2}', to_jsonb(round((data ->> 'area_m2')::numeric, 1)::float8))
WHERE jsonb_typeof(data -> 'area_m2') = 'number';

-- After plots_derive (BEFORE triggers fire in name order), which makes the
-- boundary canonical: the area is the stored boundary's.
CREATE OR REPLACE FUNCTION plots_shown_area() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.geom IS DISTINCT FROM OLD.geom THEN
        NEW.area_m2 := round(ST_Area(NEW.geom::geography)::numeric, 1);
    ELSE
        NEW.area_m2 := OLD.area_m2;
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER plots_shown_area BEFORE INSERT OR UPDATE ON plots
FOR EACH ROW EXECUTE FUNCTION plots_shown_area();
