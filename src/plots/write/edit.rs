//! Writing plots (OGC API – Features Part 4): create, replace, update
//! (JSON merge patch) and retire, by planners, with optimistic locking.

use actix_web::http::header::{self, EntityTag, IfMatch};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, delete, patch, post, put, route, web};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::Value;
use uuid::Uuid;

use super::input::{PlotInput, check_feature, check_geometry_shape, check_transition};
use super::writes::{self, Current};
use crate::crs::Crs;
use crate::error::{ApiError, FieldError, Problem};
use crate::http::body::{check_content_type, content_crs, parse_json, read_body, read_json};
use crate::http::cache::without_coding;
use crate::http::caller::{Caller, Planner};
use crate::http::idempotency::{Idempotency, IdempotencyKeyHeader, Reply, Scope};
use crate::http::media::MERGE_PATCH_JSON;
use crate::http::params::{QueryParams, only_format_param};
use crate::http::{media, problems};
use crate::plots::catalogue;
use crate::plots::catalogue::COLLECTION_ID;
use crate::plots::codes::Status;
use crate::plots::handlers::{etag, feature_response, parse_feature_id};
use crate::plots::queries;
use crate::plots::wire::PlotFeature;
use crate::state::AppState;

/// The `If-Match` tag a write needs: 428 without it.
fn required_if_match(req: &HttpRequest) -> Result<Vec<EntityTag>, ApiError> {
    let missing = || {
        ApiError::PreconditionRequired(
            "send If-Match with the ETag of the version you changed (GET the plot for it), \
             so that no one's edit is overwritten"
                .to_owned(),
        )
    };
    match req.get_header::<IfMatch>() {
        Some(IfMatch::Items(tags)) if !tags.is_empty() => Ok(tags),
        Some(IfMatch::Any) => Err(ApiError::PreconditionRequired(
            "If-Match: * is not taken here: name the ETag of the version you changed".to_owned(),
        )),
        _ if req.headers().contains_key(header::IF_MATCH) => Err(ApiError::invalid(
            "If-Match",
            "is not a list of entity tags such as \"4f0c…-3\"",
        )),
        _ => Err(missing()),
    }
}

/// 409 for an ended plot; 412 unless `tags` name its current version.
fn check_current(current: &Current, tags: &[EntityTag]) -> Result<(), ApiError> {
    if let Some(ended_at) = current.ended_at {
        return Err(ApiError::Conflict(format!(
            "plot {} ended on {}; an ended plot does not change (its history is kept)",
            current.reference,
            ended_at.date_naive()
        )));
    }
    let now = etag(current.id, current.version);
    // A tag from a compressed answer names its coding (`"…-3-gzip"`).
    if tags.iter().any(|t| without_coding(t).strong_eq(&now)) {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed(format!(
            "plot {} has changed since that version: it is now at version {} (ETag {now}); \
             GET it, apply your change again and send the new ETag",
            current.reference, current.version
        )))
    }
}

/// Every land-use code the registry knows.
pub async fn land_use_list(conn: &mut AsyncPgConnection) -> Result<Vec<i32>, ApiError> {
    Ok(queries::land_use_codes(conn)
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect())
}

/// Checks a feature completely: its properties, its boundary (in PostGIS),
/// the status transition from `from`, and that its reference is free (or is
/// the plot's own, `own`). Every problem at once.
async fn validate(
    conn: &mut AsyncPgConnection,
    feature: &Value,
    crs: Crs,
    from: Option<Status>,
    own: Option<Uuid>,
) -> Result<PlotInput, ApiError> {
    let land_uses = land_use_list(conn).await?;
    let checked = check_feature(feature, &land_uses);
    let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
    if let Some(geometry) = feature
        .get("geometry")
        .filter(|g| check_geometry_shape(g).is_ok())
    {
        for (_, problem) in writes::check_boundaries(conn, &[geometry], crs).await? {
            errors.push(FieldError::new("geometry", problem));
        }
    }
    // The status change and the reference are checked even when other
    // properties are wrong, so that every problem is reported at once: from
    // the checked input, or else from the body as sent, where those two
    // properties are themselves well-formed.
    let sent = |name: &str| {
        feature
            .get("properties")
            .and_then(|p| p.get(name))
            .and_then(Value::as_str)
    };
    let (status, reference) = match &checked {
        Ok(input) => (Some(input.status()), Some(input.reference())),
        Err(_) => (
            sent("status").and_then(|s| s.parse::<Status>().ok()),
            sent("reference"),
        ),
    };
    if let (Some(from), Some(to)) = (from, status)
        && let Err(reason) = check_transition(from, to)
    {
        errors.push(FieldError::new("properties.status", reason));
    }
    if let Some(reference) = reference {
        let holders = writes::lock_references(conn, &[reference]).await?;
        if let Some(other) = holders.iter().find(|h| Some(h.id) != own) {
            errors.push(FieldError::new(
                "properties.reference",
                format!("{} is already used by plot {}", other.reference, other.id),
            ));
        }
    }
    match checked {
        Ok(input) if errors.is_empty() => Ok(input),
        _ => Err(ApiError::InvalidFeature(errors)),
    }
}

/// Writes `input`, refuses computed values that differ, and reads the plot back.
async fn write(
    conn: &mut AsyncPgConnection,
    input: &PlotInput,
    crs: Crs,
    id: Option<Uuid>,
) -> Result<queries::Plot, ApiError> {
    let written = match id {
        None => writes::insert(conn, &[input], crs, false)
            .await?
            .pop()
            .ok_or_else(|| anyhow::anyhow!("the insert returned no row"))?,
        Some(id) => writes::replace(conn, id, input, crs).await?,
    };
    let mismatches = written.mismatches(input);
    if !mismatches.is_empty() {
        return Err(ApiError::InvalidFeature(mismatches));
    }
    Ok(queries::get(conn, written.id, Crs::CRS84)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the written plot is gone"))?)
}

const FEATURE_BODY: &[&str] = &[media::GEOJSON, media::JSON];

/// Adds a plot. The body is a GeoJSON Feature; its geometry is in CRS84
/// unless `Content-Crs` says otherwise (EPSG:25832, 25833, …). Area and
/// access distances are computed; every problem is reported at once.
#[utoipa::path(
    tag = "Plots",
    security(("api_key" = [])),
    request_body(content = Object, content_type = "application/geo+json", description = "A GeoJSON Feature with the plot's boundary and properties"),
    params(
        ("Content-Crs" = Option<String>, Header, description = "CRS of the geometry, e.g. `<http://www.opengis.net/def/crs/EPSG/0/25832>`; CRS84 by default"),
        IdempotencyKeyHeader,
    ),
    responses(
        (status = 201, description = "The plot, as stored (or, for a retry with the same `Idempotency-Key`, as first stored)", body = PlotFeature, content_type = "application/geo+json",
            headers(("Location" = String, description = "The new plot's URL"), ("ETag" = String, description = "Its version, for If-Match"),
                ("Idempotent-Replayed" = String, description = "`true` when this is the first answer to an earlier request with the same `Idempotency-Key`"))),
        problems::InvalidFeature,
        problems::ForPlanners,
        problems::Idempotent,
        problems::TooLarge,
        problems::NotGeoJson,
        problems::Unavailable,
    )
)]
#[post("/collections/plots/items")]
pub async fn create_plot(
    req: HttpRequest,
    Planner(who): Planner,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json", "geojson"])?;
    check_content_type(&req, FEATURE_BODY)?;
    let crs = content_crs(&req)?;
    let body = read_body(&req, payload, state.api.max_body_bytes).await?;
    let idempotency = Idempotency::of(&req, Scope::Key(&who), &body, state.api.idempotency_ttl)?;
    let feature = parse_json(&body)?;
    let base = state.base_url(&req);
    let mut conn = state.conn().await?;
    let reply = conn
        .transaction(async |conn| {
        if let Some(first) = idempotency.replay(conn).await? {
            return Ok(first);
        }
        writes::set_changed_by(conn, &who).await?;
        let input = validate(conn, &feature, crs, None, None).await?;
        let row = write(conn, &input, crs, None).await?;
        tracing::info!(plot = %row.row.id, reference = %row.row.reference, by = %who, "plot added");
        let reply = created(&base, row)?;
        idempotency.record(conn, reply).await
    })
    .await?;
    Ok(reply.into_response())
}

/// The 201 of a new plot, with its `Location`.
fn created(base: &str, row: queries::Plot) -> Result<Reply, ApiError> {
    let location = format!("{base}/collections/{COLLECTION_ID}/items/{}", row.row.id);
    let mut created = HttpResponse::Created();
    created.insert_header((header::LOCATION, location));
    Reply::of(feature_response(created, base, row, Crs::CRS84)?)
}

/// Replaces a plot: every property and the boundary. Needs `If-Match` with
/// the plot's current `ETag`.
#[utoipa::path(
    tag = "Plots",
    security(("api_key" = [])),
    request_body(content = Object, content_type = "application/geo+json", description = "The whole plot as a GeoJSON Feature"),
    params(
        ("featureId" = Uuid, Path, description = "The plot's id"),
        ("If-Match" = String, Header, description = "The ETag of the version being replaced"),
        ("Content-Crs" = Option<String>, Header, description = "CRS of the geometry; CRS84 by default"),
    ),
    responses(
        (status = 200, description = "The plot, as stored", body = PlotFeature, content_type = "application/geo+json",
            headers(("ETag" = String, description = "The new version"))),
        problems::InvalidFeature,
        problems::ForPlanners,
        problems::PlotNotFound,
        problems::PlotEnded,
        problems::Locked,
        problems::TooLarge,
        problems::NotGeoJson,
        problems::Unavailable,
    )
)]
#[put("/collections/plots/items/{featureId}")]
pub async fn replace_plot(
    req: HttpRequest,
    Planner(who): Planner,
    path: web::Path<String>,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = parse_feature_id(&path)?;
    only_format_param(req.query_string(), &["json", "geojson"])?;
    let tags = required_if_match(&req)?;
    check_content_type(&req, FEATURE_BODY)?;
    let crs = content_crs(&req)?;
    let feature = parse_json(&read_body(&req, payload, state.api.max_body_bytes).await?)?;
    check_body_id(&feature, id)?;
    edit(&req, &state, &who, id, &tags, crs, |_| Ok(feature)).await
}

/// Changes some of a plot's properties or its boundary with a JSON merge
/// patch (RFC 7396): members given replace, `null` removes, the rest stays.
/// Needs `If-Match` with the plot's current `ETag`.
#[utoipa::path(
    tag = "Plots",
    security(("api_key" = [])),
    request_body(content = Object, content_type = "application/merge-patch+json", description = "A merge patch of the Feature, e.g. `{\"properties\": {\"status\": \"reserved\"}}`"),
    params(
        ("featureId" = Uuid, Path, description = "The plot's id"),
        ("If-Match" = String, Header, description = "The ETag of the version being changed"),
        ("Content-Crs" = Option<String>, Header, description = "CRS of a geometry in the patch; CRS84 by default"),
    ),
    responses(
        (status = 200, description = "The plot, as stored", body = PlotFeature, content_type = "application/geo+json",
            headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "The patched feature is not valid; every problem is in `errors`", body = Problem, content_type = "application/problem+json"),
        problems::ForPlanners,
        problems::PlotNotFound,
        problems::PlotEnded,
        problems::Locked,
        problems::TooLarge,
        (status = 415, description = "The body is not a merge patch", body = Problem, content_type = "application/problem+json"),
        problems::Unavailable,
    )
)]
#[patch("/collections/plots/items/{featureId}")]
pub async fn update_plot(
    req: HttpRequest,
    Planner(who): Planner,
    path: web::Path<String>,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = parse_feature_id(&path)?;
    only_format_param(req.query_string(), &["json", "geojson"])?;
    let tags = required_if_match(&req)?;
    let patch = read_json(
        &req,
        payload,
        &[MERGE_PATCH_JSON, media::JSON],
        state.api.max_body_bytes,
    )
    .await?;
    if !patch.is_object() {
        return Err(ApiError::invalid(
            "body",
            "a merge patch of a feature is a JSON object",
        ));
    }
    check_body_id(&patch, id)?;
    // A geometry in the patch is in the Content-Crs; the stored one, kept
    // when the patch has none, is in CRS84.
    let crs = if patch.get("geometry").is_some_and(|g| !g.is_null()) {
        content_crs(&req)?
    } else {
        Crs::CRS84
    };
    edit(&req, &state, &who, id, &tags, crs, move |current| {
        let mut feature = serde_json::to_value(current).map_err(anyhow::Error::from)?;
        if let Some(properties) = feature.get_mut("properties").and_then(Value::as_object_mut) {
            properties.retain(|name, _| !catalogue::is_computed(name) && !catalogue::is_kept(name));
        }
        if let Some(object) = feature.as_object_mut() {
            object.remove("links");
        }
        json_patch::merge(&mut feature, &patch);
        Ok(feature)
    })
    .await
}

/// A body's `id`, when given, must be the path's: a plot's id never changes.
fn check_body_id(body: &Value, id: Uuid) -> Result<(), ApiError> {
    match body.get("id") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if Uuid::parse_str(s).ok() == Some(id) => Ok(()),
        Some(other) => Err(ApiError::InvalidFeature(vec![FieldError::new(
            "id",
            format!("is {other}, but this is plot {id}: a plot's id cannot change"),
        )])),
    }
}

/// The common course of PUT and PATCH: lock the plot, check the version,
/// make the new feature from the current one, validate, write.
async fn edit(
    req: &HttpRequest,
    state: &AppState,
    who: &str,
    id: Uuid,
    tags: &[EntityTag],
    crs: Crs,
    make: impl FnOnce(PlotFeature) -> Result<Value, ApiError> + Send,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let row = conn
        .transaction(async |conn| {
            writes::set_changed_by(conn, who).await?;
            let current = writes::lock(conn, id)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("there is no plot with id {id}")))?;
            check_current(&current, tags)?;
            let stored = queries::get(conn, id, Crs::CRS84)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the locked plot is gone"))?;
            let feature = make(PlotFeature::from_plot(stored)?)?;
            let from = current.status.parse::<Status>().ok();
            let input = validate(conn, &feature, crs, from, Some(id)).await?;
            write(conn, &input, crs, Some(id)).await
        })
        .await?;
    drop(conn);
    tracing::info!(plot = %id, version = row.row.version, by = %who, "plot changed");
    feature_response(HttpResponse::Ok(), &state.base_url(req), row, Crs::CRS84)
}

/// Retires a plot: it ends now, with a reason, and leaves the public
/// register (a public GET answers 410 Gone); its history stays. Needs
/// `If-Match` with the plot's current `ETag`.
#[utoipa::path(
    tag = "Plots",
    security(("api_key" = [])),
    params(
        ("featureId" = Uuid, Path, description = "The plot's id"),
        ("If-Match" = String, Header, description = "The ETag of the version being retired"),
        ("reason" = Option<String>, Query, description = "Why the plot ends (1–500 characters); default `retired`", example = "sold to Eksempel AS"),
    ),
    responses(
        (status = 204, description = "The plot has ended"),
        (status = 400, description = "The reason is not valid", body = Problem, content_type = "application/problem+json"),
        problems::ForPlanners,
        problems::PlotNotFound,
        (status = 409, description = "The plot has already ended", body = Problem, content_type = "application/problem+json"),
        problems::Locked,
        problems::Unavailable,
    )
)]
#[delete("/collections/plots/items/{featureId}")]
pub async fn delete_plot(
    req: HttpRequest,
    Planner(who): Planner,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_feature_id(&path)?;
    let mut params = QueryParams::parse(req.query_string());
    let reason = params
        .parsed("reason", |r| {
            let r = r.trim();
            if (1..=500).contains(&r.chars().count()) {
                Ok(r.to_owned())
            } else {
                Err("must be 1 to 500 characters".to_owned())
            }
        })
        .unwrap_or_else(|| "retired".to_owned());
    params.finish(&["reason"])?;
    let tags = required_if_match(&req)?;
    let mut conn = state.conn().await?;
    conn.transaction(async |conn| {
        writes::set_changed_by(conn, &who).await?;
        let current = writes::lock(conn, id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("there is no plot with id {id}")))?;
        check_current(&current, &tags)?;
        writes::end(conn, id, &reason).await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    tracing::info!(plot = %id, by = %who, %reason, "plot retired");
    Ok(HttpResponse::NoContent().finish())
}

/// The methods the caller may use on the items.
#[utoipa::path(
    tag = "Plots",
    responses((status = 204, description = "`Allow` lists the methods the caller may use",
        headers(("Allow" = String, description = "e.g. `GET, HEAD, OPTIONS`, or with a planner's key `GET, HEAD, POST, OPTIONS`")))),
)]
#[route("/collections/plots/items", method = "OPTIONS")]
pub async fn items_options(caller: Caller) -> HttpResponse {
    allow(if caller.is_planner() {
        "GET, HEAD, POST, OPTIONS"
    } else {
        "GET, HEAD, OPTIONS"
    })
}

/// The methods the caller may use on one plot.
#[utoipa::path(
    tag = "Plots",
    params(("featureId" = Uuid, Path, description = "The plot's id")),
    responses((status = 204, description = "`Allow` lists the methods the caller may use",
        headers(("Allow" = String, description = "e.g. `GET, HEAD, OPTIONS`, or with a planner's key `GET, HEAD, PUT, PATCH, DELETE, OPTIONS`"))),
        problems::PlotNotFound,
    ),
)]
#[route("/collections/plots/items/{featureId}", method = "OPTIONS")]
pub async fn item_options(
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // An id that is not a UUID names no plot, here as on GET.
    parse_feature_id(&path)?;
    Ok(allow(if caller.is_planner() {
        "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"
    } else {
        "GET, HEAD, OPTIONS"
    }))
}

fn allow(methods: &'static str) -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((header::ALLOW, methods))
        .insert_header(("accept-patch", MERGE_PATCH_JSON))
        .finish()
}
