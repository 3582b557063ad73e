//! Proximity: plots near a point (or a reference place), nearest first,
//! each with its geodesic distance; within a distance if asked. Exact, and
//! still served by the spatial index: a box around the point (wide enough
//! for the distance at that latitude) picks the candidates, the geodesic
//! distance decides; without a limiting distance, the search radius grows
//! until a page is full.

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::Double;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use postgis_diesel::functions::st_intersects;
use postgis_diesel::sql_types::Geometry;
use uuid::Uuid;

use super::query::{PlotFilter, filtered};
use crate::crs::Crs;
use crate::db::schema::{plots, reference_places};
use crate::db::sql::st_makeenvelope;
use crate::plots::queries::{Plot, PlotRow, geometry_json};

/// The largest search radius: farther than Norway is long.
pub const MAX_RADIUS_M: f64 = 3_000_000.0;
const FIRST_RADIUS_M: f64 = 2_000.0;

/// A point in CRS84 that distances are measured from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near {
    pub lon: f64,
    pub lat: f64,
    /// Only plots within this many metres.
    pub within_m: Option<f64>,
}

/// The geodesic distance in metres from a plot's boundary to a point, to
/// 0.1 m as it is shown: `within_m`, the order and the cursor compare the
/// figure the client sees.
#[derive(Debug, Clone, Copy)]
pub struct DistanceTo {
    lon: f64,
    lat: f64,
}

impl Expression for DistanceTo {
    type SqlType = Double;
}
impl ValidGrouping<()> for DistanceTo {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}
impl AppearsOnTable<plots::table> for DistanceTo {}
impl SelectableExpression<plots::table> for DistanceTo {}
impl QueryId for DistanceTo {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}
impl QueryFragment<Pg> for DistanceTo {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("round(ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(");
        out.push_bind_param::<Double, _>(&self.lon)?;
        out.push_sql(", ");
        out.push_bind_param::<Double, _>(&self.lat)?;
        out.push_sql("), 4326)::geography)::numeric, 1)::float8");
        Ok(())
    }
}

/// A box around the point that holds every place within `radius` metres
/// (degrees of longitude shrink towards the pole: measured at the box's
/// poleward edge).
fn search_box(near: Near, radius: f64) -> (f64, f64, f64, f64) {
    let dlat = radius / 110_574.0 * 1.01 + 1e-6;
    let poleward = (near.lat.abs() + dlat).min(89.9).to_radians();
    let dlon = (radius / (111_320.0 * poleward.cos()) * 1.01 + 1e-6).min(180.0);
    (
        near.lon - dlon,
        near.lat - dlat,
        near.lon + dlon,
        (near.lat + dlat).min(90.0),
    )
}

/// A page of the plots matching `filter`, nearest to `near` first (then by
/// id), after `after` (distance, id); with their distances, and whether
/// more follow.
pub async fn list_near(
    conn: &mut AsyncPgConnection,
    filter: &PlotFilter,
    near: Near,
    after: Option<(f64, Uuid)>,
    limit: i64,
    crs: Crs,
) -> QueryResult<(Vec<(Plot, f64)>, bool)> {
    let distance = DistanceTo {
        lon: near.lon,
        lat: near.lat,
    };
    let start = after.map_or(0.0, |(d, _)| d);
    let mut radius = match near.within_m {
        Some(within) => within,
        None => (start * 2.0).max(start + FIRST_RADIUS_M),
    };
    loop {
        let radius_now = radius.min(MAX_RADIUS_M);
        // A plot 0.05 m beyond the radius is shown at it.
        let (w, s, e, n) = search_box(near, radius_now + 0.05);
        let mut query = filtered(filter)
            .select((geometry_json(crs), PlotRow::as_select(), distance))
            .filter(st_intersects::<Geometry, _, _>(
                plots::geom,
                st_makeenvelope(w, s, e, n, 4326),
            ))
            .filter(distance.le(radius_now))
            .order((distance.asc(), plots::id.asc()));
        if let Some((d, id)) = after {
            query = query.filter(distance.gt(d).or(distance.eq(d).and(plots::id.gt(id))));
        }
        let rows: Vec<(String, PlotRow, f64)> = query.limit(limit + 1).load(conn).await?;
        let full = rows.len() as i64 > limit;
        if full || near.within_m.is_some() || radius_now >= MAX_RADIUS_M {
            let mut rows: Vec<(Plot, f64)> = rows
                .into_iter()
                .map(|(geometry, row, d)| (Plot { geometry, row }, d))
                .collect();
            rows.truncate(limit as usize);
            return Ok((rows, full));
        }
        radius *= 4.0;
    }
}

/// The point of a reference place (port, rail terminal, junction,
/// station) by its name, with its kind.
pub async fn reference_place(
    conn: &mut AsyncPgConnection,
    name: &str,
) -> QueryResult<Option<(f64, f64)>> {
    reference_places::table
        .filter(reference_places::name.eq(name))
        .select((
            diesel::dsl::sql::<Double>("ST_X(geom)"),
            diesel::dsl::sql::<Double>("ST_Y(geom)"),
        ))
        .first(conn)
        .await
        .optional()
}

/// The names of the reference places, for error messages.
pub async fn reference_place_names(conn: &mut AsyncPgConnection) -> QueryResult<Vec<String>> {
    reference_places::table
        .select(reference_places::name)
        .order(reference_places::name)
        .load::<String>(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_box_holds_the_radius_at_high_latitudes() {
        let (w, s, e, n) = search_box(
            Near {
                lon: 25.0,
                lat: 70.0,
                within_m: None,
            },
            10_000.0,
        );
        // 10 km is about 0.09° of latitude and, at 70° N, about 0.26° of longitude.
        assert!(n - 70.0 > 0.09 && 70.0 - s > 0.09);
        assert!(e - 25.0 > 0.26 && 25.0 - w > 0.26, "{w} {e}");
    }
}
