//! The last touch on every answer, outside CORS and compression: refusals
//! of those two layers as problem+json, one `Vary` field, and the headers
//! every answer carries: `X-Content-Type-Options: nosniff`, and
//! `Strict-Transport-Security` when the public URL is https (only then do
//! browsers reach the service over TLS, and only then may they be told to
//! keep to it).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use super::{cache, coding, cors};
use crate::error::{FieldError, PROBLEM_JSON, Problem, problem_response};
use crate::state::AppState;

/// A year; browsers keep to https for this long after an answer.
const HSTS: HeaderValue = HeaderValue::from_static("max-age=31536000");

/// See the module docs.
pub async fn finish(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let https = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.public_url.as_ref())
        .is_some_and(|u| u.scheme() == "https");
    let mut res = next.call(req).await?.map_into_boxed_body();
    if let Some(refusal) = refusal(&res) {
        let mut refusal = refusal;
        for (name, value) in res.headers() {
            if name == header::VARY || name.as_str().starts_with("access-control-") {
                refusal.headers_mut().append(name.clone(), value.clone());
            }
        }
        refusal
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res = res.into_response(refusal);
    }
    let headers = res.headers_mut();
    coding::unmark(headers);
    cache::merge_vary(headers, &[]);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if https {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    Ok(res)
}

/// A refusal of the CORS or the compression layer (plain text there) as
/// problem+json.
fn refusal(res: &ServiceResponse<BoxBody>) -> Option<actix_web::HttpResponse> {
    if let Some(error) = res
        .response()
        .error()
        .and_then(|e| e.as_error::<actix_cors::CorsError>())
    {
        let origin = res
            .request()
            .headers()
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok());
        return Some(cors::problem(error, origin));
    }
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if res.status() == StatusCode::NOT_ACCEPTABLE && !is_problem {
        let reason = "takes none of the codings this service sends: br, gzip, deflate, zstd, \
                      or identity (the body as it is)";
        return Some(problem_response(&Problem {
            problem_type: "about:blank".to_owned(),
            title: "Not Acceptable".to_owned(),
            status: 406,
            detail: format!("Accept-Encoding: {reason}"),
            errors: vec![FieldError::new("Accept-Encoding", reason)],
        }));
    }
    None
}
