//! PostGIS functions used by the queries, declared for diesel.

use diesel::sql_types::{Double, Integer};

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
}
