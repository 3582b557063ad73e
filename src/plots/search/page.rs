//! One page of the items listing, as the request asks for it: the paging
//! strategy (nearest first, a `sortby` order, or id order both ways, or
//! the register as it stood at `as_of`), the cursors of the pages around
//! it, and whether counting the matches is affordable.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};

use super::proximity::{self, Near};
use super::query::{self, Cursor};
use super::request::{ItemsRequest, NearRequest, encode_cursor};
use super::sorting::SortPosition;
use crate::error::ApiError;
use crate::plots::queries::Plot;
use crate::plots::versions::history;

/// A page of plots and the cursors around it.
#[derive(Debug)]
pub struct ItemsPage {
    pub rows: Vec<Plot>,
    /// Each row's distance in metres, when nearest first.
    pub distances: Vec<f64>,
    /// The cursor of this page, of the next and of the previous one.
    pub this: Option<String>,
    pub next: Option<String>,
    pub prev: Option<String>,
    /// How many plots match, when counting them is affordable.
    pub number_matched: Option<u64>,
}

/// The page `request` asks for. An exact count is paid for only when it is
/// at most `count_limit`.
pub async fn find(
    conn: &mut AsyncPgConnection,
    request: &ItemsRequest,
    count_limit: u32,
) -> Result<ItemsPage, ApiError> {
    let limit = i64::from(request.limit);
    let mut distances = Vec::new();
    let (rows, has_next, has_prev) = if let Some(asked) = &request.near {
        let near = resolve_near(conn, asked).await?;
        let after = match &request.sort_after {
            Some(position) => Some((distance_of(position)?, position.id)),
            None => None,
        };
        let (rows, has_next) =
            proximity::list_near(conn, &request.filter, near, after, limit, request.crs).await?;
        let (rows, found): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
        distances = found;
        (rows, has_next, false)
    } else if request.sortby.is_empty() {
        let page = query::list(conn, &request.filter, request.cursor, limit, request.crs).await?;
        (page.rows, page.has_next, page.has_prev)
    } else {
        let (rows, has_next) = query::list_sorted(
            conn,
            &request.filter,
            &request.sortby,
            request.sort_after.as_ref(),
            limit,
            request.crs,
        )
        .await?;
        (rows, has_next, false)
    };
    let first_page = request.cursor.is_none() && request.sort_after.is_none();
    // The first page of a short answer is the count; and when this page
    // plus the one row seen past it are already more than the limit,
    // counting would only find that out again.
    let seen = rows.len() as u64 + u64::from(has_next);
    let number_matched = if first_page && !has_next {
        Some(rows.len() as u64)
    } else if seen > u64::from(count_limit) {
        None
    } else {
        query::count_up_to(conn, &request.filter, count_limit).await?
    };
    let next = match (has_next, rows.last()) {
        (true, Some(last)) => Some(if let Some(d) = distances.last() {
            SortPosition {
                keys: vec![json!(d)],
                id: last.row.id,
            }
            .encode()
        } else if request.sortby.is_empty() {
            encode_cursor(Cursor::After(last.row.id))
        } else {
            SortPosition::after(&last.row, &request.sortby)?.encode()
        }),
        _ => None,
    };
    let prev = match (has_prev, rows.first()) {
        (true, Some(first)) => Some(encode_cursor(Cursor::Before(first.row.id))),
        _ => None,
    };
    Ok(ItemsPage {
        this: this_cursor(request),
        rows,
        distances,
        next,
        prev,
        number_matched,
    })
}

/// A page of the register as it stood at `as_of`: each plot as its version
/// then, as a GeoJSON Feature, in id order.
#[derive(Debug)]
pub struct PastPage {
    pub features: Vec<Value>,
    pub this: Option<String>,
    pub next: Option<String>,
}

/// The page `request` asks for of the register at `as_of`.
pub async fn find_as_of(
    conn: &mut AsyncPgConnection,
    request: &ItemsRequest,
    as_of: DateTime<Utc>,
) -> Result<PastPage, ApiError> {
    let after = match request.cursor {
        Some(Cursor::After(id)) => Some(id),
        _ => None,
    };
    let limit = i64::from(request.limit);
    let mut rows = history::register_at(conn, as_of, &request.filter, after, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(request.limit as usize);
    let next = match (more, rows.last()) {
        (true, Some((last, _))) => Some(encode_cursor(Cursor::After(*last))),
        _ => None,
    };
    Ok(PastPage {
        features: rows
            .iter()
            .map(|(_, data)| history::version_feature(data))
            .collect(),
        this: request.cursor.map(encode_cursor),
        next,
    })
}

/// The cursor the request came with, as its `self` link repeats it.
fn this_cursor(request: &ItemsRequest) -> Option<String> {
    request
        .sort_after
        .as_ref()
        .map(SortPosition::encode)
        .or(request.cursor.map(encode_cursor))
}

/// The distance a nearest-first cursor continues from.
fn distance_of(position: &SortPosition) -> Result<f64, ApiError> {
    position
        .keys
        .first()
        .and_then(Value::as_f64)
        .ok_or_else(|| {
            ApiError::invalid(
                "cursor",
                "does not belong to this query; follow the `next` links",
            )
        })
}

/// The point a `near` or `near_place` asks about.
async fn resolve_near(conn: &mut AsyncPgConnection, asked: &NearRequest) -> Result<Near, ApiError> {
    let (lon, lat) = match (&asked.point, &asked.place) {
        (Some(point), _) => *point,
        (None, Some(name)) => match proximity::reference_place(conn, name).await? {
            Some(point) => point,
            None => {
                let known = proximity::reference_place_names(conn).await?;
                return Err(ApiError::invalid(
                    "near_place",
                    format!(
                        "there is no reference place `{name}`; known: {}",
                        known.join(", ")
                    ),
                ));
            }
        },
        (None, None) => return Err(anyhow::anyhow!("near without a point or place").into()),
    };
    Ok(Near {
        lon,
        lat,
        within_m: asked.within_m,
    })
}
