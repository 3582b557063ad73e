//! Handlers of `/keys`: admins make, list and revoke API keys.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::role::Role;
use super::store::{self, KeyInfo};
use crate::error::{ApiError, Problem};
use crate::http::body::{check_content_type, parse_body, read_body};
use crate::http::caller::Admin;
use crate::http::params::only_format_param;
use crate::http::{media, problems};
use crate::state::AppState;

/// A key to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    /// A name for the key, recorded with every write it makes; never reused.
    #[schema(example = "kari.nordmann")]
    pub name: String,
    /// What the key may do.
    pub role: Role,
}

/// A key just made: the only time the key itself is shown.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct CreatedKey {
    /// The key. Store it now: the registry keeps only its hash.
    pub key: String,
    /// Its record.
    #[serde(flatten)]
    pub info: KeyInfo,
}

/// Every API key (never the keys themselves). Admins only.
#[utoipa::path(
    tag = "Keys",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The keys", body = Vec<KeyInfo>),
        problems::ForAdmins,
        problems::Unavailable,
    )
)]
#[get("/keys")]
pub async fn list_keys(
    req: HttpRequest,
    _: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json"])?;
    let mut conn = state.conn().await?;
    Ok(HttpResponse::Ok().json(store::list(&mut conn).await?))
}

/// The largest body a new key is sent in.
const MAX_BODY_BYTES: usize = 4096;

/// Makes an API key. The answer holds the key: it is shown this once.
#[utoipa::path(
    tag = "Keys",
    security(("api_key" = [])),
    request_body = NewKey,
    responses(
        (status = 201, description = "The key", body = CreatedKey),
        (status = 400, description = "The name or role is not valid", body = Problem, content_type = "application/problem+json"),
        problems::ForAdmins,
        problems::TooLarge,
        problems::NotJson,
        (status = 409, description = "The name is taken (names are never reused)", body = Problem, content_type = "application/problem+json"),
        problems::Unavailable,
    )
)]
#[post("/keys")]
pub async fn create_key(
    Admin(by): Admin,
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    check_content_type(&req, &[media::JSON])?;
    let body: NewKey = parse_body(
        &read_body(&req, payload, MAX_BODY_BYTES).await?,
        "a new key",
    )?;
    store::check_name(&body.name).map_err(|reason| ApiError::invalid("name", reason))?;
    let mut conn = state.conn().await?;
    let (key, info) = store::create(&mut conn, &body.name, body.role).await?;
    tracing::info!(key_name = %info.name, role = info.role.as_ref(), %by, "API key made");
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(CreatedKey { key, info }))
}

/// Revokes an API key: it stops working at once. Admins only.
#[utoipa::path(
    tag = "Keys",
    security(("api_key" = [])),
    params(("name" = String, Path, description = "The key's name")),
    responses(
        (status = 200, description = "The key, revoked", body = KeyInfo),
        problems::ForAdmins,
        (status = 404, description = "No valid key has this name", body = Problem, content_type = "application/problem+json"),
        problems::Unavailable,
    )
)]
#[delete("/keys/{name}")]
pub async fn revoke_key(
    _: Admin,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let revoked = store::revoke(&mut conn, &name)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no valid key is named `{name}`")))?;
    tracing::info!(key_name = %revoked.name, "API key revoked");
    Ok(HttpResponse::Ok().json(revoked))
}
