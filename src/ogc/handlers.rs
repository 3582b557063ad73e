//! Handlers of the landing page, conformance and collections.

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::pages;
use super::wire::{Collections, Conformance, LandingPage};
use crate::error::ApiError;
use crate::html::negotiate::{Form, form};
use crate::html::page::{Page, respond};
use crate::http::link::{Link, rel};
use crate::http::params::{FormatParam, only_format_param};
use crate::http::{media, problems};
use crate::state::AppState;
use crate::{openapi, plots};

/// The conformance classes the registry implements (only what really works).
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/array-functions",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
];

/// Landing page: what the service is and where everything is.
#[utoipa::path(
    tag = "Capabilities",
    params(FormatParam),
    responses(
        (status = 200, description = "The landing page (a page for people with `f=html` or a browser's `Accept`)", content((LandingPage = "application/json"), (String = "text/html"))),
        problems::BadQuery,
    )
)]
#[get("/")]
pub async fn landing_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json", "html"])?;
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
                format!("{base}/?f=html"),
                "alternate",
                media::HTML,
                "This document as HTML",
            ),
            Link::new(
                format!("{base}/map"),
                "related",
                media::HTML,
                "The map of vacant business land",
            ),
            Link::new(
                format!("{base}{}", openapi::PATH_30),
                "service-desc",
                media::OPENAPI_JSON_30,
                "The API definition (OpenAPI 3.0)",
            ),
            Link::new(
                format!("{base}{}", openapi::PATH),
                "service-desc",
                media::OPENAPI_JSON,
                "The API definition (OpenAPI 3.1)",
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
            Link::new(
                format!("{base}/tileMatrixSets"),
                rel::TILING_SCHEMES,
                media::JSON,
                "The tile matrix sets the tiles are cut in",
            ),
            Link::new(
                format!("{base}/collections/plots/tiles"),
                rel::TILESETS_VECTOR,
                media::JSON,
                "Vector tiles of the plots",
            ),
        ],
    };
    if form(&req) == Form::Html {
        let html = Page::new(&req, &base, Page::texts(&req).get("landing.title"))
            .json(format!("{base}/?f=json"), media::JSON);
        return respond(html.lang, pages::landing(&html, &page));
    }
    Ok(HttpResponse::Ok().json(page))
}

/// The conformance classes the service implements.
#[utoipa::path(
    tag = "Capabilities",
    params(FormatParam),
    responses(
        (status = 200, description = "Conformance classes", content((Conformance = "application/json"), (String = "text/html"))),
        problems::BadQuery,
    )
)]
#[get("/conformance")]
pub async fn conformance(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json", "html"])?;
    let conformance = Conformance {
        conforms_to: CONFORMANCE.iter().map(|c| (*c).to_owned()).collect(),
    };
    if form(&req) == Form::Html {
        let base = state.base_url(&req);
        let t = Page::texts(&req);
        let html = Page::new(&req, &base, t.get("conformance.title"))
            .crumb(t.get("landing.title"), format!("{base}/"))
            .json(format!("{base}/conformance?f=json"), media::JSON);
        return respond(html.lang, pages::conformance(&html, &conformance));
    }
    Ok(HttpResponse::Ok().json(conformance))
}

/// The collections: for now the one collection of plots.
#[utoipa::path(
    tag = "Capabilities",
    params(FormatParam),
    responses(
        (status = 200, description = "The collections", content((Collections = "application/json"), (String = "text/html"))),
        problems::BadQuery,
        problems::Unavailable,
    )
)]
#[get("/collections")]
pub async fn list_collections(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json", "html"])?;
    let base = state.base_url(&req);
    let mut conn = state.read_conn(true).await?;
    let plots = plots::handlers::describe_collection(&mut conn, &base).await?;
    let collections = Collections {
        links: vec![
            Link::new(
                format!("{base}/collections"),
                "self",
                media::JSON,
                "This document",
            ),
            Link::new(
                format!("{base}/collections?f=html"),
                "alternate",
                media::HTML,
                "This document as HTML",
            ),
        ],
        collections: vec![plots],
    };
    if form(&req) == Form::Html {
        let t = Page::texts(&req);
        let html = Page::new(&req, &base, t.get("collections.title"))
            .crumb(t.get("landing.title"), format!("{base}/"))
            .json(format!("{base}/collections?f=json"), media::JSON);
        return respond(html.lang, pages::collections(&html, &collections));
    }
    Ok(HttpResponse::Ok().json(collections))
}
