//! The listing's query: which open plots a filter selects (box, time,
//! attribute lists, CQL2), and a page of them in id order (keyset paging
//! both ways) or in a `sortby` order, and a capped count.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Double, Integer, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use postgis_diesel::functions::st_intersects;
use postgis_diesel::sql_types::Geometry;
use uuid::Uuid;

use super::sorting::{SortKey, SortPosition, order_sql};
use crate::crs::Crs;
use crate::db::bound::BoundSql;
use crate::db::schema::plots;
use crate::db::sql::{st_makeenvelope, st_transform};
use crate::plots::codes::{
    Contamination, FocusArea, LandUseStatus, LocationClass, OfferType, Ownership, PlanningStatus,
    Readiness, Status,
};
use crate::plots::queries::{Plot, PlotRow, geometry_json};

/// A box: west, south, east, north, in the CRS `srid` (x first).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
    pub srid: i32,
}

/// A time interval, inclusive; `None` is an open end.
pub type Interval = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// Which plots a listing selects. Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlotFilter {
    /// Plots that intersect this box.
    pub bbox: Option<Bbox>,
    /// Plots last updated within these bounds (inclusive; `None` is open).
    pub updated: Option<Interval>,
    pub status: Vec<Status>,
    pub land_use: Vec<i32>,
    pub land_use_status: Vec<LandUseStatus>,
    pub planning_status: Vec<PlanningStatus>,
    pub municipality: Vec<String>,
    pub locality: Vec<String>,
    pub location_class: Vec<LocationClass>,
    pub readiness: Vec<Readiness>,
    pub ownership: Vec<Ownership>,
    pub offer_type: Vec<OfferType>,
    pub contamination: Vec<Contamination>,
    pub reference: Vec<String>,
    /// Plots suited to any of these focus areas.
    pub focus_area: Vec<FocusArea>,
    /// Unpublished plots too (planners see them; the public does not).
    pub include_unpublished: bool,
    /// A CQL2 filter.
    pub cql: Option<BoundSql>,
}

/// Where a page starts: after or before a plot id (keyset paging on `id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    After(Uuid),
    Before(Uuid),
}

/// One page of plots, and whether there are more on either side.
#[derive(Debug)]
pub struct Page {
    pub rows: Vec<Plot>,
    pub has_next: bool,
    pub has_prev: bool,
}

type BoxedPlots<'a> = plots::BoxedQuery<'a, Pg>;

type Float = diesel::dsl::AsExprOf<f64, Double>;
type Envelope = st_makeenvelope<Float, Float, Float, Float, diesel::dsl::AsExprOf<i32, Integer>>;

fn envelope(b: Bbox) -> Envelope {
    st_makeenvelope(b.west, b.south, b.east, b.north, b.srid)
}

/// The open (not ended) plots that match `filter`.
pub fn filtered(filter: &PlotFilter) -> BoxedPlots<'_> {
    let mut query = plots::table.filter(plots::ended_at.is_null()).into_boxed();
    if !filter.include_unpublished {
        query = query.filter(plots::published);
    }
    match filter.bbox {
        Some(bbox) if bbox.srid == 4326 => {
            query = query.filter(st_intersects::<Geometry, _, _>(plots::geom, envelope(bbox)));
        }
        Some(bbox) => {
            let in_storage_crs = st_transform(envelope(bbox), 4326);
            query = query.filter(st_intersects::<Geometry, _, _>(plots::geom, in_storage_crs));
        }
        None => {}
    }
    if let Some((start, end)) = filter.updated {
        if let Some(start) = start {
            query = query.filter(plots::updated_at.ge(start));
        }
        if let Some(end) = end {
            query = query.filter(plots::updated_at.le(end));
        }
    }
    macro_rules! any_of {
        ($($field:ident),+) => {$(
            if !filter.$field.is_empty() {
                query = query.filter(plots::$field.eq_any(&filter.$field));
            }
        )+};
    }
    any_of!(
        status,
        land_use,
        land_use_status,
        planning_status,
        municipality,
        locality,
        location_class,
        readiness,
        ownership,
        offer_type,
        contamination,
        reference
    );
    if let Some(cql) = &filter.cql {
        query = query.filter(cql.clone());
    }
    if !filter.focus_area.is_empty() {
        let wanted: Vec<Option<FocusArea>> = filter.focus_area.iter().copied().map(Some).collect();
        query = query.filter(plots::focus_areas.overlaps_with(wanted));
    }
    query
}

/// A page of `limit` open plots matching `filter`, in id order, from `cursor`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &PlotFilter,
    cursor: Option<Cursor>,
    limit: i64,
    crs: Crs,
) -> QueryResult<Page> {
    let query = filtered(filter).select((geometry_json(crs), PlotRow::as_select()));
    // One row more than asked tells whether another page follows.
    let query = match cursor {
        None => query.order(plots::id.asc()),
        Some(Cursor::After(id)) => query.filter(plots::id.gt(id)).order(plots::id.asc()),
        Some(Cursor::Before(id)) => query.filter(plots::id.lt(id)).order(plots::id.desc()),
    };
    let mut rows = query.limit(limit + 1).load(conn).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok(match cursor {
        None => Page {
            rows,
            has_next: more,
            has_prev: false,
        },
        Some(Cursor::After(_)) => Page {
            rows,
            has_next: more,
            has_prev: true,
        },
        Some(Cursor::Before(_)) => {
            rows.reverse();
            Page {
                rows,
                has_next: true,
                has_prev: more,
            }
        }
    })
}

/// A page of `limit` open plots matching `filter` in the order of `keys`
/// (then id), after `after`; and whether more follow.
pub async fn list_sorted(
    conn: &mut AsyncPgConnection,
    filter: &PlotFilter,
    keys: &[SortKey],
    after: Option<&SortPosition>,
    limit: i64,
    crs: Crs,
) -> QueryResult<(Vec<Plot>, bool)> {
    let mut query = filtered(filter)
        .select((geometry_json(crs), PlotRow::as_select()))
        .order(diesel::dsl::sql::<Text>(&order_sql(keys)));
    if let Some(after) = after {
        let predicate = after
            .predicate(keys)
            .map_err(|e| diesel::result::Error::QueryBuilderError(e.into()))?;
        query = query.filter(predicate);
    }
    let mut rows = query.limit(limit + 1).load(conn).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// How many open plots match `filter`, if no more than `cap`.
pub async fn count_up_to(
    conn: &mut AsyncPgConnection,
    filter: &PlotFilter,
    cap: u32,
) -> QueryResult<Option<u64>> {
    if cap == 0 {
        return Ok(None);
    }
    let capped = filtered(filter).select(plots::id).limit(i64::from(cap) + 1);
    let ids: Vec<Uuid> = capped.load(conn).await?;
    Ok((ids.len() as u64 <= u64::from(cap)).then_some(ids.len() as u64))
}
