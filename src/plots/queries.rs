//! Reading plots: the row type the reads select, one plot or several by id
//! with its boundary in a CRS, the collection's extent and the land-use
//! codes. Free functions taking `&mut conn`, returning `QueryResult`. The
//! listings' queries are in `search`.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Double, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::codes::{
    Contamination, FocusArea, LandUseStatus, LocationClass, NoiseZone, OfferType, Ownership,
    PlanningStatus, Readiness, Status, UtilisationType,
};
use crate::crs::Crs;
use crate::db::schema::{land_use_codes, plots};
use crate::db::sql::{st_asgeojson, st_flipcoordinates, st_transform};

/// Decimal places of a degree in GeoJSON output: 7 is about 1 cm.
pub const GEOJSON_DECIMALS: i32 = 7;

/// Decimal places of a metre in GeoJSON output in a projected CRS: 1 cm.
pub const METRE_DECIMALS: i32 = 2;

/// A plot as the read queries select it: its boundary as GeoJSON text in
/// the CRS asked for, and its other columns.
#[derive(Debug, Queryable)]
pub struct Plot {
    pub geometry: String,
    pub row: PlotRow,
}

/// A plot's columns but the boundary.
#[derive(Debug, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = plots, check_for_backend(Pg))]
pub struct PlotRow {
    pub id: Uuid,
    pub reference: String,
    pub name: String,
    pub address: Option<String>,
    pub previously_part_of: Vec<Option<Uuid>>,
    pub area_m2: Option<f64>,
    pub municipality: String,
    pub locality: Option<String>,
    pub cadastral_units: Vec<Option<String>>,
    pub land_use: i32,
    pub land_use_status: LandUseStatus,
    pub plan_id: Option<String>,
    pub planning_status: PlanningStatus,
    pub utilisation_percent: Option<f64>,
    pub utilisation_type: Option<UtilisationType>,
    pub max_height_m: Option<f64>,
    pub location_class: LocationClass,
    pub readiness: Readiness,
    pub ownership: Ownership,
    pub owner_name: Option<String>,
    pub offer_type: OfferType,
    pub price_nok_per_m2: Option<i32>,
    pub lease_nok_per_m2_year: Option<i32>,
    pub price_note: Option<String>,
    pub status: Status,
    pub available_from: Option<NaiveDate>,
    pub water_sewer: bool,
    pub power_capacity_kw: Option<i32>,
    pub district_heating: bool,
    pub fibre: bool,
    pub road_access: bool,
    pub port_distance_m: Option<i32>,
    pub port_name: Option<String>,
    pub rail_terminal_distance_m: Option<i32>,
    pub rail_terminal_name: Option<String>,
    pub motorway_distance_m: Option<i32>,
    pub motorway_junction_name: Option<String>,
    pub station_distance_m: Option<i32>,
    pub station_name: Option<String>,
    pub contamination: Contamination,
    pub cultural_heritage: bool,
    pub flood_zone: bool,
    pub landslide_zone: bool,
    pub quick_clay_zone: bool,
    pub noise_zone: NoiseZone,
    pub ground_conditions: Option<String>,
    pub focus_areas: Vec<Option<FocusArea>>,
    pub documents: serde_json::Value,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub is_demo: bool,
    pub published: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
    pub version: i32,
}

impl PlotRow {
    /// Whether the plot is on offer: open, published and available. Only
    /// such plots are candidates for site matching.
    pub fn is_on_offer(&self) -> bool {
        self.ended_at.is_none() && self.published && self.status == Status::Available
    }
}

/// The boundary as GeoJSON text in `crs`: 7 decimals of a degree or 2 of a
/// metre (both about 1 cm), latitude first where the CRS says so. The SRID
/// comes from the list of supported CRSs, and is bound, not written in.
pub fn geometry_json(crs: Crs) -> Box<dyn BoxableExpression<plots::table, Pg, SqlType = Text>> {
    if crs == Crs::CRS84 {
        return Box::new(st_asgeojson(plots::geom, GEOJSON_DECIMALS, 0));
    }
    let decimals = if crs.is_geographic() {
        GEOJSON_DECIMALS
    } else {
        METRE_DECIMALS
    };
    let projected = st_transform(plots::geom, crs.srid);
    if crs.lat_lon() {
        Box::new(st_asgeojson(st_flipcoordinates(projected), decimals, 0))
    } else {
        Box::new(st_asgeojson(projected, decimals, 0))
    }
}

/// One plot by id, ended or not, its boundary in `crs`.
pub async fn get(conn: &mut AsyncPgConnection, id: Uuid, crs: Crs) -> QueryResult<Option<Plot>> {
    plots::table
        .find(id)
        .into_boxed()
        .select((geometry_json(crs), PlotRow::as_select()))
        .first(conn)
        .await
        .optional()
}

/// The spatial and temporal extent of the open plots.
#[derive(Debug, QueryableByName)]
pub struct Extent {
    #[diesel(sql_type = Nullable<Double>)]
    pub west: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub south: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub east: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub north: Option<f64>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Timestamptz>)]
    pub first_update: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Timestamptz>)]
    pub last_update: Option<DateTime<Utc>>,
}

impl Extent {
    /// The box west, south, east, north; with no plots yet, Norway's.
    pub fn bbox(&self) -> [f64; 4] {
        match (self.west, self.south, self.east, self.north) {
            (Some(w), Some(s), Some(e), Some(n)) => [w, s, e, n],
            _ => [4.0, 57.9, 31.2, 71.2],
        }
    }
}

/// The extent of the open plots, computed from the data.
pub async fn extent(conn: &mut AsyncPgConnection) -> QueryResult<Extent> {
    diesel::sql_query(include_str!("sql/extent.sql"))
        .get_result(conn)
        .await
}

/// A SOSI land-use code the registry knows.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = land_use_codes, check_for_backend(Pg))]
pub struct LandUseCode {
    pub code: i32,
    pub name_nb: String,
    pub name_en: String,
}

/// Every land-use code, in code order.
pub async fn land_use_codes(conn: &mut AsyncPgConnection) -> QueryResult<Vec<LandUseCode>> {
    land_use_codes::table
        .select(LandUseCode::as_select())
        .order(land_use_codes::code)
        .load(conn)
        .await
}

/// How many plots exist in all, ended ones included.
pub async fn count_all(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    plots::table.select(count_star()).get_result(conn).await
}

/// The plots with these ids, ended or not, in the order of `ids`, their
/// boundaries in `crs`; ids of no plot are left out.
pub async fn get_many(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    crs: Crs,
) -> QueryResult<Vec<Plot>> {
    let mut found: Vec<Plot> = plots::table
        .filter(plots::id.eq_any(ids))
        .into_boxed()
        .select((geometry_json(crs), PlotRow::as_select()))
        .load::<(String, PlotRow)>(conn)
        .await?
        .into_iter()
        .map(|(geometry, row)| Plot { geometry, row })
        .collect();
    found.sort_by_key(|plot| ids.iter().position(|id| *id == plot.row.id));
    Ok(found)
}
