//! Liveness and readiness probes.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::replica::ReplicaStatus;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use crate::tiles::cache::{Stats, TileCache};

/// Registers `/health` and `/ready`.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(health).service(ready);
}

/// The answer of a probe.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok` when the probe passes.
    pub status: String,
    /// The PostGIS version of the database (`/ready` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postgis: Option<String>,
    /// How the tile cache has done since the start (`/ready` only, when it is on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tile_cache: Option<Stats>,
    /// The read replica and its lag (`/ready` only, when one is configured).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica: Option<ReplicaStatus>,
}

/// Liveness: the process answers. Touches nothing else.
#[utoipa::path(
    tag = "Operations",
    responses((status = 200, description = "The process is alive", body = HealthStatus))
)]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus {
        status: "ok".to_owned(),
        postgis: None,
        tile_cache: None,
        replica: None,
    })
}

/// Readiness: the primary database answers and has PostGIS. The read
/// replica's state and lag are shown; a replica that is down or lagging
/// does not make the service unready (reads then go to the primary).
#[utoipa::path(
    tag = "Operations",
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "The database is unreachable or lacks PostGIS: `detail` says which", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ready")]
pub async fn ready(
    state: web::Data<AppState>,
    tiles: web::Data<TileCache>,
) -> Result<HttpResponse, ApiError> {
    let not_ready = |reason: String| ApiError::NotReady(reason);
    let mut conn = state
        .pool
        .get()
        .await
        .map_err(|e| not_ready(format!("the database gives no connection: {e}")))?;
    let version = crate::db::postgis_version(&mut conn)
        .await
        .map_err(|e| not_ready(e.to_string()))?;
    drop(conn);
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(HealthStatus {
            status: "ok".to_owned(),
            postgis: Some(version),
            tile_cache: tiles.is_on().then(|| tiles.stats()),
            replica: state.replica.as_ref().map(|r| r.status()),
        }))
}
