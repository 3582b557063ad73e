//! Handlers of the landing page, conformance and collections.

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::wire::{Collections, Conformance, LandingPage, Link};
use super::{CONFORMANCE, media};
use crate::app::AppState;
use crate::error::{ApiError, Problem};
use crate::params::only_format_param;
use crate::plots;

/// Landing page: what the service is and where everything is.
#[utoipa::path(
    tag = "Capabilities",
    params(crate::params::FormatParam),
    responses(
        (status = 200, description = "The landing page", body = LandingPage, content_type = "application/json"),
        (status = 400, description = "Unknown or invalid query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/")]
pub async fn landing_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json"])?;
    let base = state.base_url(&req);
    let page = LandingPage {
        title: "Næringsareal – available business land".to_owned(),
        description: "The registry of vacant business land (næringsareal): plots with size, \
                      land use, planning status, location class, price and terms, power, \
                      access and constraints, served as OGC API – Features and GeoJSON."
            .to_owned(),
        links: vec![
            Link::new(format!("{base}/"), "self", media::JSON, "This document"),
            Link::new(
                format!("{base}/api"),
                "service-desc",
                media::OPENAPI_JSON,
                "The API definition (OpenAPI)",
            ),
            Link::new(
                format!("{base}/api.html"),
                "service-doc",
                media::HTML,
                "The API documentation, interactive",
            ),
            Link::new(
                format!("{base}/conformance"),
                "conformance",
                media::JSON,
                "Conformance classes implemented",
            ),
            Link::new(
                format!("{base}/collections"),
                "data",
                media::JSON,
                "The collections",
            ),
        ],
    };
    Ok(HttpResponse::Ok().json(page))
}

/// The conformance classes the service implements.
#[utoipa::path(
    tag = "Capabilities",
    params(crate::params::FormatParam),
    responses(
        (status = 200, description = "Conformance classes", body = Conformance, content_type = "application/json"),
        (status = 400, description = "Unknown or invalid query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conformance")]
pub async fn conformance(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json"])?;
    Ok(HttpResponse::Ok().json(Conformance {
        conforms_to: CONFORMANCE.iter().map(|c| (*c).to_owned()).collect(),
    }))
}

/// The collections: for now the one collection of plots.
#[utoipa::path(
    tag = "Capabilities",
    params(crate::params::FormatParam),
    responses(
        (status = 200, description = "The collections", body = Collections, content_type = "application/json"),
        (status = 400, description = "Unknown or invalid query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy or unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/collections")]
pub async fn list_collections(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json"])?;
    let base = state.base_url(&req);
    let mut conn = state.conn().await?;
    let plots = plots::handlers::describe_collection(&mut conn, &base).await?;
    Ok(HttpResponse::Ok().json(Collections {
        links: vec![Link::new(
            format!("{base}/collections"),
            "self",
            media::JSON,
            "This document",
        )],
        collections: vec![plots],
    }))
}
