//! PostGIS functions used by the queries, declared for diesel.

use diesel::sql_types::{Double, Integer};

diesel::infix_operator!(BoxesOverlap, " && ", backend: diesel::pg::Pg);

use postgis_diesel::sql_types::Geometry;

#[diesel::declare_sql_function]
extern "SQL" {
    /// `ST_AsGeoJSON(geom, maxdecimaldigits, options)`: the geometry as
    /// GeoJSON text; options 0 leaves out the `crs` member PostGIS would
    /// otherwise add for any SRID but 4326 (the answer's `Content-Crs` says it).
    #[sql_name = "ST_AsGeoJSON"]
    fn st_asgeojson(geom: Geometry, maxdecimaldigits: Integer, options: Integer) -> Text;

    /// `ST_Transform(geom, srid)`: the geometry in another CRS.
    #[sql_name = "ST_Transform"]
    fn st_transform(geom: Geometry, srid: Integer) -> Geometry;

    /// `ST_FlipCoordinates(geom)`: x and y swapped (for latitude-first CRSs).
    #[sql_name = "ST_FlipCoordinates"]
    fn st_flipcoordinates(geom: Geometry) -> Geometry;

    /// `ST_MakeEnvelope(xmin, ymin, xmax, ymax, srid)`: a box.
    #[sql_name = "ST_MakeEnvelope"]
    fn st_makeenvelope(
        xmin: Double,
        ymin: Double,
        xmax: Double,
        ymax: Double,
        srid: Integer,
    ) -> Geometry;

    /// `ST_TileEnvelope(z, x, y)`: the tile's box in EPSG:3857.
    #[sql_name = "ST_TileEnvelope"]
    fn st_tileenvelope(z: Integer, x: Integer, y: Integer) -> Geometry;

    /// `ST_Expand(geom, d)`: the geometry's box grown by `d` on every side.
    #[sql_name = "ST_Expand"]
    fn st_expand(geom: Geometry, d: Double) -> Geometry;
}

/// `a && b`: the boxes of two geometries overlap (what a spatial index answers).
pub fn boxes_overlap<A, B>(a: A, b: B) -> BoxesOverlap<A, B>
where
    A: diesel::Expression<SqlType = Geometry>,
    B: diesel::Expression<SqlType = Geometry>,
{
    BoxesOverlap::new(a, b)
}
