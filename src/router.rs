//! The application, above every resource: the route table, the OpenAPI
//! document built from it, the app's middleware (request ids, metrics, the
//! bound on requests in flight, every error as problem+json, 405 with
//! `Allow`, caching, compression, CORS) and the extractors' error handlers.
//! `main` and the tests build the app with the same [`app`] function, so
//! the app under test is the app in production.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, Responder, web};
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::error::{ApiError, PROBLEM_JSON, problem_for_status, problem_response};
use crate::http::overload::InFlight;
use crate::http::{self, media};
use crate::mail::sender::MailStats;
use crate::matching::candidates::Candidates;
use crate::metrics::Metrics;
use crate::openapi::ApiDoc;
use crate::state::AppState;
use crate::tiles::cache::TileCache;
use crate::{
    alerts, demand, enquiries, health, html, keys, mail, map, matching, ogc, plots, reception,
    tiles,
};

/// Everything the app's workers share: the state every handler reaches,
/// and the resources' own data (site matching's copy of the plots on
/// offer). Built once, then cloned into each worker, so that the workers
/// share one copy.
#[derive(Clone)]
pub struct Shared {
    /// What every handler reaches.
    pub state: AppState,
    /// Site matching's copy of the plots on offer.
    pub candidates: web::Data<Candidates>,
    /// The tile cache.
    pub tiles: web::Data<TileCache>,
    /// The metrics that requests feed (and the replica lag, set from outside).
    pub metrics: web::Data<Metrics>,
    /// The requests in flight, and the bound on them.
    pub in_flight: web::Data<InFlight>,
    /// What this instance's mail senders have done (for `/metrics`).
    pub mail: web::Data<MailStats>,
}

impl From<AppState> for Shared {
    /// The state with fresh resource data.
    fn from(state: AppState) -> Self {
        let tiles = web::Data::new(TileCache::new(state.api.tile_cache_mb << 20));
        let in_flight = web::Data::new(InFlight::new(state.api.max_in_flight));
        Self {
            state,
            candidates: web::Data::new(Candidates::default()),
            tiles,
            metrics: web::Data::new(Metrics::new()),
            in_flight,
            mail: web::Data::new(MailStats::default()),
        }
    }
}

/// The OpenAPI documents as served: 3.1 at `/api`, 3.0 at [`openapi::PATH_30`](crate::openapi::PATH_30).
pub struct ApiDocument {
    /// The 3.1 document, as generated.
    pub v31: String,
    /// Its 3.0 conversion.
    pub v30: String,
}

/// Registers every documented route. Used by [`app`] and by [`openapi`].
fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    ogc::configure(cfg);
    plots::configure(cfg);
    matching::configure(cfg);
    tiles::configure(cfg);
    map::configure(cfg);
    keys::configure(cfg);
    enquiries::configure(cfg);
    reception::configure(cfg);
    demand::configure(cfg);
    mail::configure(cfg);
    alerts::configure(cfg);
    health::configure(cfg);
}

/// The OpenAPI document generated from the code.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    crate::openapi::finish(&mut api);
    api
}

/// The OpenAPI 3.1 document as the service serves it at `/api` (pretty
/// JSON, newline-terminated).
pub fn openapi_json() -> String {
    to_json(&openapi())
}

/// The OpenAPI 3.0 document as the service serves it at [`openapi::PATH_30`](crate::openapi::PATH_30):
/// the 3.1 document converted (pretty JSON, newline-terminated).
pub fn openapi30_json() -> String {
    to_json_30(&openapi())
}

fn to_json(api: &utoipa::openapi::OpenApi) -> String {
    let mut json = api
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    json.push('\n');
    json
}

fn to_json_30(api: &utoipa::openapi::OpenApi) -> String {
    let doc = serde_json::to_value(api).expect("the OpenAPI document serialises");
    let converted = crate::openapi::v30::convert(&doc)
        .unwrap_or_else(|e| panic!("the OpenAPI document has no 3.0 form: {e}"));
    let mut json = serde_json::to_string_pretty(&converted).expect("JSON serialises");
    json.push('\n');
    json
}

/// The whole application.
pub fn app(
    shared: impl Into<Shared>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, mut api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    crate::openapi::finish(&mut api);
    let Shared {
        state,
        candidates,
        tiles,
        metrics,
        in_flight,
        mail,
    } = shared.into();
    let serve_metrics = state.api.metrics;
    let cors = http::cors::middleware(&state.api.cors_origins, state.public_url.as_ref());
    app.app_data(web::Data::new(state))
        .app_data(candidates)
        .app_data(tiles)
        .app_data(metrics)
        .app_data(in_flight)
        .app_data(mail)
        .app_data(web::Data::new(ApiDocument {
            v31: to_json(&api),
            v30: to_json_30(&api),
        }))
        .app_data(web::QueryConfig::default().error_handler(|err, _| {
            ApiError::BadRequest(format!("invalid query string: {err}")).into()
        }))
        .app_data(
            web::PathConfig::default()
                .error_handler(|err, _| ApiError::invalid("path", err.to_string()).into()),
        )
        .app_data(web::JsonConfig::default().error_handler(|err, _| {
            ApiError::BadRequest(format!("invalid JSON body: {err}")).into()
        }))
        .route(crate::openapi::PATH, web::get().to(serve_openapi))
        .route(crate::openapi::PATH_30, web::get().to(serve_openapi_30))
        .route("/assets/{path:.*}", web::get().to(html::assets::serve))
        .route("/api.html", web::get().to(serve_api_docs))
        .configure(|cfg| {
            if serve_metrics {
                cfg.route(
                    "/metrics",
                    web::get().to(crate::metrics::scrape::serve_metrics),
                );
            }
        })
        .default_service(web::to(unknown_route))
        .wrap(actix_web::middleware::from_fn(
            crate::metrics::middleware::count_db_errors,
        ))
        .wrap(actix_web::middleware::from_fn(
            http::text::refuse_unstorable,
        ))
        .wrap(ErrorHandlers::new().default_handler(as_problem))
        .wrap(actix_web::middleware::from_fn(html::errors::as_html))
        .wrap(actix_web::middleware::from_fn(html::i18n::remember_choice))
        // Inside compression, which it predicts, to tag and compare the
        // body as it is before compression.
        .wrap(actix_web::middleware::from_fn(http::cache::revalidate))
        .wrap(actix_web::middleware::Compress::default())
        // Refused before any other work but CORS (so a page on another site
        // can read the refusal), with the request id (header and log) and
        // counted.
        .wrap(actix_web::middleware::from_fn(
            http::overload::limit_in_flight,
        ))
        // Outside the error handlers and compression: refusals, errors and
        // 304s carry CORS headers too, and a preflight never reaches them.
        .wrap(cors)
        .wrap(actix_web::middleware::from_fn(http::finish::finish))
        .wrap(actix_web::middleware::from_fn(request_id_header))
        .wrap(actix_web::middleware::from_fn(head_as_get))
        .wrap(actix_web::middleware::from_fn(
            crate::metrics::middleware::record,
        ))
        .wrap(TracingLogger::<http::request_span::RequestSpan>::new())
}

async fn serve_openapi(doc: web::Data<ApiDocument>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(media::OPENAPI_JSON)
        .body(doc.v31.clone())
}

async fn serve_openapi_30(doc: web::Data<ApiDocument>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(media::OPENAPI_JSON_30)
        .body(doc.v30.clone())
}

/// The API documentation: Swagger UI over `/api`, served by the service.
async fn serve_api_docs(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    #[derive(askama::Template)]
    #[template(path = "api.html")]
    struct ApiDocsView<'a> {
        page: &'a html::page::Page,
        css: String,
        bundle: String,
        script: String,
    }
    let base = state.base_url(&req);
    let t = html::page::Page::texts(&req);
    let page = html::page::Page::new(&req, &base, t.get("api.title"))
        .crumb(t.get("landing.title"), format!("{base}/"))
        .json(format!("{base}/api"), media::OPENAPI_JSON)
        .section("api");
    let view = ApiDocsView {
        css: html::assets::vendored(&base, "swagger-ui-dist", "swagger-ui.css"),
        bundle: html::assets::vendored(&base, "swagger-ui-dist", "swagger-ui-bundle.js"),
        script: page.asset("apidocs.js"),
        page: &page,
    };
    html::page::respond(page.lang, askama::Template::render(&view))
}

/// Unknown paths are 404; known paths with a method they do not take are
/// 405 with `Allow` (the app's default service also answers for resources'
/// unmatched methods).
async fn unknown_route(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if let Some(pattern) = req.match_pattern() {
        let allowed = allowed_methods(&pattern);
        return Ok(problem_response(&problem_for_status(
            actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "{} is not allowed on {}; allowed: {allowed}",
                req.method(),
                req.path()
            ),
        ))
        .customize()
        .insert_header((header::ALLOW, allowed))
        .respond_to(&req)
        .map_into_boxed_body());
    }
    Err(ApiError::NotFound(format!(
        "there is no resource at {}",
        req.path()
    )))
}

/// Every method a resource takes (with the right key).
fn allowed_methods(pattern: &str) -> &'static str {
    match pattern {
        "/collections/plots/items" => "GET, HEAD, POST, OPTIONS",
        "/collections/plots/items/{featureId}" => "GET, HEAD, PUT, PATCH, DELETE, OPTIONS",
        "/collections/plots/import" | "/collections/plots/match" | "/sign-out" => "POST",
        "/keys" | "/enquiries" | "/sign-in" => "GET, HEAD, POST",
        "/keys/{name}" => "DELETE",
        "/enquiries/{id}" => "GET, HEAD, PATCH",
        "/outbox/{id}/retry" | "/alerts" => "POST",
        "/alerts/confirm" | "/alerts/unsubscribe" | "/rating" => "GET, HEAD, POST",
        _ => "GET, HEAD",
    }
}

/// Turns any error response that is not already problem+json (actix's own
/// 404, 405, 413, …) into one.
fn as_problem<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match status.as_u16() {
        405 => format!(
            "{} is not allowed on {}",
            res.request().method(),
            res.request().path()
        ),
        413 => "the request body is too large".to_owned(),
        _ => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    let (req, old) = res.into_parts();
    let mut new: HttpResponse<BoxBody> = problem_response(&problem_for_status(status, detail));
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}

/// `HEAD` on every `GET` resource: the request is served as a `GET`, and
/// the HTTP/1 codec, which saw `HEAD`, sends the status and headers
/// (`Content-Length` included) without the body (RFC 9110 §9.3.2).
async fn head_as_get(
    mut req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody>,
) -> actix_web::Result<ServiceResponse<impl MessageBody>> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(req).await
}

/// Puts the request id that every log line of the request carries into the
/// `x-request-id` response header, so a user can quote it.
async fn request_id_header(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody>,
) -> actix_web::Result<ServiceResponse<impl MessageBody>> {
    let id = req.extensions().get::<RequestId>().copied();
    let mut res = next.call(req).await?;
    if let Some(id) = id
        && let Ok(value) = HeaderValue::from_str(&id.to_string())
    {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}
