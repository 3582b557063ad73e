//! Writes to the `plots` table: checks that need PostGIS, inserts, updates,
//! upserts by reference, and ending. Every write runs in the caller's
//! transaction, after [`set_changed_by`], so that the history (written by
//! trigger) records who made it.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Double, Integer, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::input::{PlotInput, computed_matches};
use crate::crs::Crs;
use crate::error::FieldError;
use crate::plots::catalogue::{self, writable_columns};

/// The smallest boundary taken as a plot, in m².
pub const MIN_AREA_M2: f64 = 50.0;
/// The largest, in m² (10 km²: larger than any business area in Norway).
pub const MAX_AREA_M2: f64 = 10_000_000.0;

/// Records `who` as the author of the writes of the current transaction.
pub async fn set_changed_by(conn: &mut AsyncPgConnection, who: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT set_config('naeringsareal.changed_by', $1, true)")
        .bind::<Text, _>(who)
        .execute(conn)
        .await
        .map(drop)
}

#[derive(QueryableByName)]
struct BoundaryCheck {
    #[diesel(sql_type = Integer)]
    i: i32,
    #[diesel(sql_type = Bool)]
    valid: bool,
    #[diesel(sql_type = Nullable<Text>)]
    reason: Option<String>,
    #[diesel(sql_type = Nullable<Double>)]
    x: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    y: Option<f64>,
    #[diesel(sql_type = Nullable<Bool>)]
    inside: Option<bool>,
    #[diesel(sql_type = Nullable<Bool>)]
    inside_if_swapped: Option<bool>,
    #[diesel(sql_type = Nullable<Double>)]
    area_m2: Option<f64>,
}

/// What PostGIS finds wrong with each boundary (well-formed GeoJSON Polygons
/// or MultiPolygons in `crs`): invalid (GEOS's reason and where, in the
/// input's coordinates), outside Norway, or of an implausible size. Returns
/// the position of each faulty geometry with its problem.
pub async fn check_boundaries(
    conn: &mut AsyncPgConnection,
    geometries: &[&Value],
    crs: Crs,
) -> QueryResult<Vec<(usize, String)>> {
    if geometries.is_empty() {
        return Ok(vec![]);
    }
    let checks: Vec<BoundaryCheck> = diesel::sql_query(include_str!("sql/check_boundaries.sql"))
        .bind::<Jsonb, _>(Value::Array(
            geometries.iter().map(|g| (*g).clone()).collect(),
        ))
        .bind::<Integer, _>(crs.srid)
        .bind::<Bool, _>(crs.lat_lon())
        .load(conn)
        .await?;
    let metres = !matches!(crs.srid, 4326 | 4258);
    let decimals = if metres { 2 } else { 7 };
    Ok(checks
        .into_iter()
        .filter_map(|c| {
            let problem = if !c.valid {
                let at = match (c.x, c.y) {
                    (Some(x), Some(y)) => format!(" at {x:.decimals$} {y:.decimals$}"),
                    _ => String::new(),
                };
                let reason = c.reason.as_deref().unwrap_or("invalid").to_lowercase();
                format!("is not a valid polygon: {reason}{at}")
            } else if c.inside.is_none() {
                format!(
                    "cannot be read in {crs}: its coordinates are outside that CRS's range; \
                     is the Content-Crs header right?"
                )
            } else if c.inside == Some(false) {
                let hint = if c.inside_if_swapped == Some(true) {
                    if crs.lat_lon() {
                        " (its axes look swapped: this CRS takes latitude first)"
                    } else {
                        " (its axes look swapped: GeoJSON takes longitude first; for latitude first send Content-Crs: EPSG:4326)"
                    }
                } else if !metres && geometries[c.i as usize].to_string().contains("000") {
                    " (if these are metres, say so: Content-Crs: http://www.opengis.net/def/crs/EPSG/0/25832)"
                } else {
                    ""
                };
                format!("lies outside Norway{hint}")
            } else {
                let area = c.area_m2.unwrap_or_default();
                if area < MIN_AREA_M2 {
                    format!("is {area:.1} m²: too small for a plot (at least {MIN_AREA_M2} m²)")
                } else if area > MAX_AREA_M2 {
                    format!(
                        "is {:.1} km²: too large for a plot (at most {} km²)",
                        area / 1e6,
                        MAX_AREA_M2 / 1e6
                    )
                } else {
                    return None;
                }
            };
            Some((c.i as usize, problem))
        })
        .collect())
}

/// A plot as a write leaves it: its identity, version and computed values.
#[derive(Debug, QueryableByName)]
pub struct Written {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub reference: String,
    #[diesel(sql_type = Bool)]
    pub inserted: bool,
    #[diesel(sql_type = Integer)]
    pub version: i32,
    #[diesel(sql_type = Double)]
    pub area_m2: f64,
    #[diesel(sql_type = Nullable<Integer>)]
    pub port_distance_m: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub port_name: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub rail_terminal_distance_m: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub rail_terminal_name: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub motorway_distance_m: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub motorway_junction_name: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub station_distance_m: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub station_name: Option<String>,
}

impl Written {
    /// The computed properties, as the API writes them.
    pub fn computed(&self) -> Map<String, Value> {
        let (area_m2, area_daa) = catalogue::shown_area(self.area_m2);
        let Value::Object(map) = json!({
            "area_m2": area_m2,
            "area_daa": area_daa,
            "port_distance_m": self.port_distance_m,
            "port_name": self.port_name,
            "rail_terminal_distance_m": self.rail_terminal_distance_m,
            "rail_terminal_name": self.rail_terminal_name,
            "motorway_distance_m": self.motorway_distance_m,
            "motorway_junction_name": self.motorway_junction_name,
            "station_distance_m": self.station_distance_m,
            "station_name": self.station_name,
        }) else {
            unreachable!("a JSON object literal")
        };
        map
    }

    /// The computed properties `input` sent that differ from what the
    /// registry computed.
    pub fn mismatches(&self, input: &PlotInput) -> Vec<FieldError> {
        let computed = self.computed();
        input
            .computed
            .iter()
            .filter(|(name, _)| catalogue::is_computed(name))
            .filter_map(|(name, given)| {
                let actual = computed.get(name).unwrap_or(&Value::Null);
                (!computed_matches(name, given, actual)).then(|| {
                    FieldError::new(
                        format!("properties.{name}"),
                        format!(
                            "is computed by the registry ({actual}), not set: leave it out or send it as read (got {given})"
                        ),
                    )
                })
            })
            .collect()
    }
}

const RETURNING: &str = "RETURNING id, reference, (xmax = 0) AS inserted, version, area_m2, \
    port_distance_m, port_name, rail_terminal_distance_m, rail_terminal_name, \
    motorway_distance_m, motorway_junction_name, station_distance_m, station_name";

/// The boundary from GeoJSON `$g` in SRID `$2` (latitude first when `$3`),
/// in storage CRS. The trigger makes it canonical (precision, ring order).
/// (GeoJSON is parsed from text: from jsonb it takes three times as long;
/// and a transform from 4326 to itself is skipped, not cheap either.)
fn boundary_sql(g: &str) -> String {
    format!(
        "ST_Multi(CASE WHEN $2 = 4326 THEN y.g ELSE ST_Transform(y.g, 4326) END) \
         FROM (SELECT CASE WHEN $3 THEN ST_FlipCoordinates(x.g) ELSE x.g END AS g \
               FROM (SELECT ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(({g})::text)), $2) AS g) AS x) AS y"
    )
}

static COLUMNS: LazyLock<String> =
    LazyLock::new(|| writable_columns().collect::<Vec<_>>().join(", "));
static FROM_RECORD: LazyLock<String> = LazyLock::new(|| {
    writable_columns()
        .map(|c| format!("p.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
});

fn batch(inputs: &[&PlotInput]) -> Value {
    Value::Array(
        inputs
            .iter()
            .map(|i| json!({"values": i.values, "geometry": i.geometry}))
            .collect(),
    )
}

/// Inserts new plots, or with `upsert` updates the plot with the same
/// reference. Returns each written plot, in input order.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    inputs: &[&PlotInput],
    crs: Crs,
    upsert: bool,
) -> QueryResult<Vec<Written>> {
    static INSERT: LazyLock<String> = LazyLock::new(|| insert_sql(false));
    static UPSERT: LazyLock<String> = LazyLock::new(|| insert_sql(true));
    if inputs.is_empty() {
        return Ok(vec![]);
    }
    let sql = if upsert { &*UPSERT } else { &*INSERT };
    diesel::sql_query(sql.as_str())
        .bind::<Jsonb, _>(batch(inputs))
        .bind::<Integer, _>(crs.srid)
        .bind::<Bool, _>(crs.lat_lon())
        .load(conn)
        .await
}

fn insert_sql(upsert: bool) -> String {
    let conflict = if upsert {
        let updates = writable_columns()
            .filter(|c| *c != "reference")
            .map(|c| format!("{c} = EXCLUDED.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!("ON CONFLICT (reference) DO UPDATE SET {updates}, geom = EXCLUDED.geom")
    } else {
        String::new()
    };
    // ORDER BY keeps the input order, so RETURNING rows line up with it.
    format!(
        "INSERT INTO plots ({cols}, geom) \
         SELECT {from}, (SELECT {boundary}) \
         FROM jsonb_array_elements($1) WITH ORDINALITY AS f(doc, n), \
              jsonb_populate_record(NULL::plots, f.doc -> 'values') AS p \
         ORDER BY f.n \
         {conflict} {RETURNING}",
        cols = *COLUMNS,
        from = *FROM_RECORD,
        boundary = boundary_sql("f.doc -> 'geometry'"),
    )
}

/// Replaces every writable property and the boundary of plot `id`.
pub async fn replace(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    input: &PlotInput,
    crs: Crs,
) -> QueryResult<Written> {
    static REPLACE: LazyLock<String> = LazyLock::new(|| {
        format!(
            "UPDATE plots SET ({cols}, geom) = \
             (SELECT {from}, (SELECT {boundary}) FROM jsonb_populate_record(NULL::plots, $1 -> 'values') AS p) \
             WHERE id = $4 {RETURNING}",
            cols = *COLUMNS,
            from = *FROM_RECORD,
            boundary = boundary_sql("$1 -> 'geometry'"),
        )
    });
    diesel::sql_query(REPLACE.as_str())
        .bind::<Jsonb, _>(json!({"values": input.values, "geometry": input.geometry}))
        .bind::<Integer, _>(crs.srid)
        .bind::<Bool, _>(crs.lat_lon())
        .bind::<diesel::sql_types::Uuid, _>(id)
        .get_result(conn)
        .await
}

/// A stored plot's state as a write needs it, locked until the transaction ends.
#[derive(Debug, QueryableByName)]
pub struct Current {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub reference: String,
    #[diesel(sql_type = Integer)]
    pub version: i32,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub ended_at: Option<DateTime<Utc>>,
}

/// Plot `id`, locked for update.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Current>> {
    diesel::sql_query(
        "SELECT id, reference, version, status, ended_at FROM plots WHERE id = $1 FOR UPDATE",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .get_result(conn)
    .await
    .optional()
}

/// The plots with these references, locked for update.
pub async fn lock_references(
    conn: &mut AsyncPgConnection,
    references: &[&str],
) -> QueryResult<Vec<Current>> {
    diesel::sql_query(include_str!("sql/lock_references.sql"))
        .bind::<Array<Text>, _>(references)
        .load(conn)
        .await
}

/// Ends plot `id` now, for `reason`.
pub async fn end(conn: &mut AsyncPgConnection, id: Uuid, reason: &str) -> QueryResult<()> {
    diesel::sql_query("UPDATE plots SET ended_at = now(), end_reason = $2 WHERE id = $1")
        .bind::<diesel::sql_types::Uuid, _>(id)
        .bind::<Text, _>(reason)
        .execute(conn)
        .await
        .map(drop)
}
