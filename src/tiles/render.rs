//! A vector tile of the plots, made in PostGIS: the open plots a filter
//! selects whose boxes overlap the tile (with a margin, so that polygons
//! join cleanly across tile edges), clipped and quantised by
//! `ST_AsMVTGeom`, encoded by `ST_AsMVT` as one layer, `plots`.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Binary, Integer, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::matrix::TileId;
use crate::db::schema::plots;
use crate::db::sql::{boxes_overlap, st_expand, st_tileenvelope, st_transform};
use crate::plots::search::query::{PlotFilter, filtered};

/// The name of the tiles' one layer (a style's `source-layer`).
pub const LAYER: &str = "plots";
/// The tile's extent in its own coordinates.
pub const EXTENT: i32 = 4096;
/// How far past its edges a tile holds geometry, in its own coordinates.
pub const BUFFER: i32 = 64;

/// The columns the tile query selects from `plots`, in the order of its
/// select list; a test holds them to the catalogue's tile properties.
pub const COLUMNS: &[&str] = &[
    "id",
    "geom",
    "reference",
    "name",
    "area_m2",
    "land_use",
    "location_class",
    "price_nok_per_m2",
    "status",
];

/// The tile `tile` of the open plots `filter` selects, as MVT bytes
/// (empty when no plot touches it).
pub async fn tile(
    conn: &mut AsyncPgConnection,
    tile: TileId,
    filter: &PlotFilter,
) -> QueryResult<Vec<u8>> {
    let (z, x, y) = (i32::from(tile.z), tile.x as i32, tile.y as i32);
    // The margin in metres of Web Mercator: BUFFER of the tile's EXTENT.
    let tile_width = 2.0 * 20_037_508.342_789_244 / f64::from(1u32 << tile.z);
    let margin = tile_width * f64::from(BUFFER) / f64::from(EXTENT);
    let search = st_transform(st_expand(st_tileenvelope(z, x, y), margin), 4326);
    let plots = filtered(filter)
        .filter(boxes_overlap(plots::geom, search))
        .select((
            plots::id,
            plots::geom,
            plots::reference,
            plots::name,
            plots::area_m2,
            plots::land_use,
            plots::location_class,
            plots::price_nok_per_m2,
            plots::status,
        ));
    let bytes: Option<Vec<u8>> = TileQuery { plots, z, x, y }.get_result(conn).await?;
    Ok(bytes.unwrap_or_default())
}

/// `SELECT ST_AsMVT(…) FROM (SELECT ST_AsMVTGeom(…), … FROM (plots) AS p)`.
struct TileQuery<Q> {
    plots: Q,
    z: i32,
    x: i32,
    y: i32,
}

impl<Q> QueryId for TileQuery<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> Query for TileQuery<Q> {
    type SqlType = Nullable<Binary>;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for TileQuery<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        // Only text written here goes in as SQL; the tile is bound.
        out.push_sql(&format!(
            "SELECT ST_AsMVT(t, '{LAYER}', {EXTENT}, 'geom') FROM (\
             SELECT ST_AsMVTGeom(ST_Transform(p.geom, 3857), ST_TileEnvelope("
        ));
        out.push_bind_param::<Integer, _>(&self.z)?;
        out.push_sql(", ");
        out.push_bind_param::<Integer, _>(&self.x)?;
        out.push_sql(", ");
        out.push_bind_param::<Integer, _>(&self.y)?;
        out.push_sql(&format!(
            "), {EXTENT}, {BUFFER}, true) AS geom, p.id::text AS id, p.reference, p.name, \
             round(p.area_m2::numeric, 1)::float8 AS area_m2, \
             round((p.area_m2 / 1000)::numeric, 2)::float8 AS area_daa, \
             p.land_use, p.location_class, p.price_nok_per_m2, p.status FROM ("
        ));
        self.plots.walk_ast(out.reborrow())?;
        out.push_sql(&format!(") AS p({})) AS t", COLUMNS.join(", ")));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::catalogue::PROPERTIES;

    #[test]
    fn a_tile_carries_the_catalogues_tile_properties() {
        let mut shown: Vec<&str> = PROPERTIES
            .iter()
            .filter(|p| p.tile)
            .map(|p| p.name)
            .collect();
        let mut selected: Vec<&str> = COLUMNS[2..].to_vec();
        // area_daa is derived from area_m2 in the query.
        selected.push("area_daa");
        shown.sort_unstable();
        selected.sort_unstable();
        assert_eq!(shown, selected);
    }
}
