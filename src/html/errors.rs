//! Errors for people: a browser that asked for a page (`text/html`, or
//! `f=html`) and got a problem (404, 400, 410, 503, …) is shown it as a
//! page in its language, with the same status, every offending parameter
//! and a way on; clients that asked for JSON get the problem+json as ever.

use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use askama::Template;
use serde_json::Value;

use super::negotiate::{Form, asked_form};
use super::page::{Page, headers};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorView<'a> {
    page: &'a Page,
    status: u16,
    detail: String,
    errors: Vec<(String, String)>,
    /// For a 401: the sign-in page, back here afterwards.
    sign_in: Option<String>,
}

/// Renders problem+json answers to HTML requests as pages.
pub async fn as_html(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let wants_html = asked_form(req.request()) == Form::Html;
    let res = next.call(req).await?.map_into_boxed_body();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !wants_html
        || !is_problem
        || !res.status().is_client_error() && !res.status().is_server_error()
    {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let status = res.status();
    let keep: Vec<_> = [header::RETRY_AFTER, header::ALLOW, header::WWW_AUTHENTICATE]
        .into_iter()
        .filter_map(|h| res.headers().get(&h).map(|v| (h, v.clone())))
        .collect();
    let body = actix_web::body::to_bytes(res.into_body())
        .await
        .unwrap_or_default();
    let problem: Value = serde_json::from_slice(&body).unwrap_or_default();
    let base = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map(|s| s.base_url(&req))
        .unwrap_or_default();
    let t = Page::texts(&req);
    let title = problem["title"].as_str().unwrap_or("Error").to_owned();
    let page = Page::new(
        &req,
        &base,
        t.find(&format!("error.{}", status.as_u16()))
            .unwrap_or(&title)
            .to_owned(),
    )
    .crumb(t.get("landing.title"), format!("{base}/"));
    let sign_in = (status == actix_web::http::StatusCode::UNAUTHORIZED).then(|| {
        let here = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
        format!("{base}/sign-in?next={next}")
    });
    let view = ErrorView {
        page: &page,
        sign_in,
        status: status.as_u16(),
        detail: problem["detail"].as_str().unwrap_or_default().to_owned(),
        errors: problem["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["name"].as_str().unwrap_or_default().to_owned(),
                    e["reason"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect(),
    };
    let html = match view.render() {
        Ok(html) => html,
        Err(_) => {
            return Ok(ServiceResponse::new(
                req,
                HttpResponse::build(status).body(body),
            ));
        }
    };
    let mut response = HttpResponse::build(status);
    for (name, value) in headers(page.lang, "") {
        response.insert_header((name, value));
    }
    for (name, value) in keep {
        response.insert_header((name, value));
    }
    Ok(ServiceResponse::new(req, response.body(html)))
}
