//! Liveness and readiness probes.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

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
    })
}

/// Readiness: the database answers and has PostGIS.
#[utoipa::path(
    tag = "Operations",
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "The database is unreachable or lacks PostGIS", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ready")]
pub async fn ready(
    state: web::Data<AppState>,
    tiles: web::Data<TileCache>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let version = crate::db::postgis_version(&mut conn)
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(HttpResponse::Ok().json(HealthStatus {
        status: "ok".to_owned(),
        postgis: Some(version),
        tile_cache: tiles.is_on().then(|| tiles.stats()),
    }))
}
