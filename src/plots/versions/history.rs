//! The history of plots: every version of one plot with a field-level diff,
//! and the state of the register at a past instant.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Jsonb, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::caller::Planner;
use crate::http::link::Link;
use crate::http::params::only_format_param;
use crate::http::{media, problems};
use crate::plots::catalogue::COLLECTION_ID;
use crate::plots::catalogue::shown_area;
use crate::plots::handlers::parse_feature_id;
use crate::state::AppState;

/// One version of a plot.
#[derive(Debug, QueryableByName)]
pub struct VersionRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub version: i32,
    #[diesel(sql_type = Timestamptz)]
    pub valid_from: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub changed_by: String,
    #[diesel(sql_type = Text)]
    pub operation: String,
    #[diesel(sql_type = Jsonb)]
    pub data: Value,
}

/// Every version of plot `id`, oldest first.
pub async fn versions(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<VersionRow>> {
    diesel::sql_query(include_str!("sql/versions.sql"))
        .bind::<diesel::sql_types::Uuid, _>(id)
        .load(conn)
        .await
}

/// A stored version's data (the row as JSON) as a GeoJSON Feature with the
/// API's property names.
pub fn version_feature(data: &Value) -> Value {
    let mut properties = data.as_object().cloned().unwrap_or_default();
    let id = properties.remove("id").unwrap_or(Value::Null);
    let mut geometry = properties.remove("geom").unwrap_or(Value::Null);
    // PostGIS writes a geometry's SRID into its JSON as a `crs` member
    // (GeoJSON 2008); RFC 7946 has none, and the boundary is CRS84.
    if let Some(g) = geometry.as_object_mut() {
        g.remove("crs");
    }
    if let Some(demo) = properties.remove("is_demo") {
        properties.insert("demo".to_owned(), demo);
    }
    if let Some(area) = properties.get("area_m2").and_then(Value::as_f64) {
        let (area_m2, area_daa) = shown_area(area);
        properties.insert("area_m2".to_owned(), area_m2.into());
        properties.insert("area_daa".to_owned(), area_daa.into());
    }
    serde_json::json!({"type": "Feature", "id": id, "geometry": geometry, "properties": properties})
}

/// One changed property between two versions.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Change {
    /// The property (`geometry` for the boundary).
    pub property: String,
    /// Its value before (null: it had none), any JSON value.
    pub from: Value,
    /// Its value after (null: it has none now), any JSON value.
    pub to: Value,
}

/// What changed from `before` to `after` (features as [`version_feature`]
/// makes them): every property whose value differs, the boundary as
/// `geometry`. Bookkeeping (version, updated_at) is left out.
pub fn diff(before: Option<&Value>, after: &Value) -> Vec<Change> {
    let empty = Map::new();
    let props = |f: Option<&Value>| -> Map<String, Value> {
        f.and_then(|f| f["properties"].as_object())
            .unwrap_or(&empty)
            .clone()
    };
    let (old, new) = (props(before), props(Some(after)));
    let mut names: Vec<&String> = old.keys().chain(new.keys()).collect();
    names.sort();
    names.dedup();
    let mut changes: Vec<Change> = names
        .into_iter()
        .filter(|n| !["version", "updated_at"].contains(&n.as_str()))
        .filter_map(|name| {
            let from = old.get(name).cloned().unwrap_or(Value::Null);
            let to = new.get(name).cloned().unwrap_or(Value::Null);
            (from != to).then(|| Change {
                property: name.clone(),
                from,
                to,
            })
        })
        .collect();
    let old_geometry = before.map(|b| &b["geometry"]).unwrap_or(&Value::Null);
    if *old_geometry != after["geometry"] {
        changes.insert(
            0,
            Change {
                property: "geometry".to_owned(),
                from: old_geometry.clone(),
                to: after["geometry"].clone(),
            },
        );
    }
    changes
}

/// One entry of a plot's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionEntry {
    /// The version number.
    pub version: i32,
    /// When it became the plot's state.
    pub valid_from: DateTime<Utc>,
    /// The API key (by name) or tool that made it.
    pub changed_by: String,
    /// `create`, `update` or `end`.
    pub operation: String,
    /// What changed from the version before (for `create`: every property set).
    pub changes: Vec<Change>,
    /// The plot's whole state at this version, as a GeoJSON Feature.
    #[schema(value_type = Object)]
    pub feature: Value,
}

/// The history of a plot.
#[derive(Debug, Serialize, ToSchema)]
pub struct History {
    /// The plot's id.
    pub id: Uuid,
    /// Every version, oldest first.
    pub versions: Vec<VersionEntry>,
    /// `self` and the plot.
    pub links: Vec<Link>,
}

/// Every version of a plot: when, by which key, what changed (field by
/// field) and the full state. Planners only; ended plots included.
#[utoipa::path(
    tag = "Plots",
    security(("api_key" = [])),
    params(("featureId" = Uuid, Path, description = "The plot's id")),
    responses(
        (status = 200, description = "The history", body = History),
        problems::BadIdOrQuery,
        problems::Unauthorized,
        problems::PlotNotFound,
        problems::Unavailable,
    )
)]
#[get("/collections/plots/items/{featureId}/history")]
pub async fn get_history(
    req: HttpRequest,
    _: Planner,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json"])?;
    let id = parse_feature_id(&path)?;
    let mut conn = state.conn().await?;
    let rows = versions(&mut conn, id).await?;
    drop(conn);
    if rows.is_empty() {
        return Err(ApiError::NotFound(format!("there is no plot with id {id}")));
    }
    let mut entries: Vec<VersionEntry> = Vec::with_capacity(rows.len());
    for row in rows {
        let feature = version_feature(&row.data);
        let changes = diff(entries.last().map(|e| &e.feature), &feature);
        entries.push(VersionEntry {
            version: row.version,
            valid_from: row.valid_from,
            changed_by: row.changed_by,
            operation: row.operation,
            changes,
            feature,
        });
    }
    let base = state.base_url(&req);
    let item = format!("{base}/collections/{COLLECTION_ID}/items/{id}");
    Ok(HttpResponse::Ok().json(History {
        id,
        versions: entries,
        links: vec![
            Link::new(
                format!("{item}/history"),
                "self",
                media::JSON,
                "This history",
            ),
            Link::new(item, "item", media::GEOJSON, "The plot now"),
        ],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diffs_name_each_changed_property() {
        let before = json!({"geometry": {"type": "Point"}, "properties": {"status": "available", "name": "A", "version": 1}});
        let after = json!({"geometry": {"type": "Point"}, "properties": {"status": "reserved", "name": "A", "version": 2, "owner_name": "X"}});
        let changes = diff(Some(&before), &after);
        let names: Vec<&str> = changes.iter().map(|c| c.property.as_str()).collect();
        assert_eq!(names, ["owner_name", "status"]);
        assert_eq!(changes[1].from, "available");
        assert_eq!(changes[1].to, "reserved");
    }
}

#[derive(QueryableByName)]
struct PastPlot {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Jsonb)]
    data: Value,
}

/// A page of the register as it stood at `as_of`: for each plot, its last
/// version from before then, unless that version had ended it (or, for the
/// public, was unpublished), with the statuses and municipalities of
/// `filter` as they were then. Keyset paging on id.
pub async fn register_at(
    conn: &mut AsyncPgConnection,
    as_of: DateTime<Utc>,
    filter: &crate::plots::search::query::PlotFilter,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<(Uuid, Value)>> {
    let rows: Vec<PastPlot> = diesel::sql_query(include_str!("sql/register_at.sql"))
        .bind::<Timestamptz, _>(as_of)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(after)
        .bind::<diesel::sql_types::Bool, _>(filter.include_unpublished)
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .bind::<diesel::sql_types::Array<Text>, _>(&filter.status)
        .bind::<diesel::sql_types::Array<Text>, _>(&filter.municipality)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.data)).collect())
}
