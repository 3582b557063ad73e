//! CORS, so that web maps on other sites can use the API and the tiles
//! (`actix-cors`, configured by `NAERINGSAREAL_CORS_ORIGINS`).
//!
//! One rule for every resource: with `*`, any origin may read without a
//! key (GET, HEAD, OPTIONS, and the site matching search, a POST that
//! changes nothing); origins named in the list may also write and send an
//! API key; the service's own pages always may. A preflight that asks for
//! more, or a request from an origin that may not make it, is refused with
//! 403 before it reaches a handler. Credentials (cookies) are never
//! allowed: keys travel in `Authorization`, which a preflight must name.
//! A plain `OPTIONS` (no `Access-Control-Request-Method`) is not a
//! preflight and reaches the resource as before.

use actix_cors::{Cors, CorsError};
use actix_web::HttpResponse;
use actix_web::dev::RequestHead;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};

use crate::config::CorsOrigins;
use crate::error::{FieldError, Problem, problem_response};

/// The one POST that only reads: site matching.
const SEARCH: &str = "/collections/plots/match";

/// How long a browser may keep a preflight's answer, in seconds.
const PREFLIGHT_MAX_AGE: usize = 3600;

/// The CORS middleware for `origins`; `own` is the service's public URL
/// when configured (else a request's `Host` tells its own origin).
pub fn middleware(origins: &CorsOrigins, own: Option<&url::Url>) -> Cors {
    let origins = origins.clone();
    let own = own.map(|u| u.origin().ascii_serialization());
    let mut cors = Cors::default();
    if origins.any_may_read {
        // `*` rather than the origin echoed: one answer for every site,
        // which shared caches can keep (no credentials are ever allowed).
        cors = cors.allow_any_origin().send_wildcard();
    }
    cors.allowed_origin_fn(move |origin, head| allowed(&origins, own.as_deref(), origin, head))
        .allowed_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("naeringsareal-session"),
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
            header::ALLOW,
            header::HeaderName::from_static("accept-patch"),
            header::HeaderName::from_static("content-crs"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(PREFLIGHT_MAX_AGE)
        .block_on_origin_mismatch(true)
}

/// Whether `origin` may make the request `head` (or, for a preflight, the
/// request it announces).
fn allowed(
    origins: &CorsOrigins,
    own: Option<&str>,
    origin: &HeaderValue,
    head: &RequestHead,
) -> bool {
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if origins.named.iter().any(|o| o.eq_ignore_ascii_case(origin)) || is_own(origin, own, head) {
        return true;
    }
    origins.any_may_read && is_anonymous_read(head)
}

/// A read without a key: GET, HEAD, OPTIONS or the search, no
/// `Authorization` (announced, in a preflight).
fn is_anonymous_read(head: &RequestHead) -> bool {
    let reads = |method: &[u8]| match method {
        b"GET" | b"HEAD" | b"OPTIONS" => true,
        b"POST" => head.uri.path() == SEARCH,
        _ => false,
    };
    match head.headers.get(header::ACCESS_CONTROL_REQUEST_METHOD) {
        Some(method) if head.method == Method::OPTIONS => {
            let keyed = head
                .headers
                .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .any(|h| h.trim().eq_ignore_ascii_case("authorization"));
            reads(method.as_bytes()) && !keyed
        }
        _ => {
            reads(head.method.as_str().as_bytes())
                && !head.headers.contains_key(header::AUTHORIZATION)
        }
    }
}

/// Whether `origin` is the service's own (its pages post enquiries and
/// searches, and browsers send `Origin` with every POST).
fn is_own(origin: &str, own: Option<&str>, head: &RequestHead) -> bool {
    if let Some(own) = own {
        return origin.eq_ignore_ascii_case(own);
    }
    let Ok(url) = url::Url::parse(origin) else {
        return false;
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return false;
    };
    let authority = head
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| head.uri.authority().map(|a| a.as_str()));
    let Some(authority) = authority else {
        return false;
    };
    let (their_host, their_port) = match authority.rsplit_once(':') {
        Some((h, p)) if !authority.ends_with(']') => (h, p.parse::<u16>().ok()),
        _ => (authority, None),
    };
    // A `Host` without a port has the scheme's default one (the scheme
    // itself is not known here, behind a proxy that ends TLS).
    let same_port = match their_port {
        Some(p) => p == port,
        None => url.port().is_none(),
    };
    their_host.eq_ignore_ascii_case(host) && same_port
}

/// A refusal of `actix-cors` as problem+json, naming the header at fault.
pub fn problem(error: &CorsError, origin: Option<&str>) -> HttpResponse {
    let origin = origin.unwrap_or("");
    let (status, name, reason) = match error {
        CorsError::OriginNotAllowed => (
            StatusCode::FORBIDDEN,
            "Origin",
            format!(
                "`{origin}` may not make this request: other sites may read without a key \
                 if the service allows any origin; writing, or sending an API key, only \
                 from the origins it names (NAERINGSAREAL_CORS_ORIGINS)"
            ),
        ),
        CorsError::MethodNotAllowed => (
            StatusCode::FORBIDDEN,
            "Access-Control-Request-Method",
            "names a method this service does not take".to_owned(),
        ),
        CorsError::HeadersNotAllowed => (
            StatusCode::FORBIDDEN,
            "Access-Control-Request-Headers",
            "names a header this service does not take across origins (it takes \
             Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key)"
                .to_owned(),
        ),
        CorsError::MissingOrigin => (
            StatusCode::BAD_REQUEST,
            "Origin",
            "is missing: a CORS preflight (OPTIONS with Access-Control-Request-Method) needs it"
                .to_owned(),
        ),
        CorsError::MissingRequestMethod | CorsError::BadRequestMethod => (
            StatusCode::BAD_REQUEST,
            "Access-Control-Request-Method",
            "is not a method".to_owned(),
        ),
        CorsError::BadRequestHeaders => (
            StatusCode::BAD_REQUEST,
            "Access-Control-Request-Headers",
            "is not a list of header names".to_owned(),
        ),
        other => (StatusCode::BAD_REQUEST, "Origin", other.to_string()),
    };
    problem_response(&Problem {
        problem_type: "about:blank".to_owned(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: format!("{name}: {reason}"),
        errors: vec![FieldError::new(name, reason)],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn head(req: TestRequest) -> RequestHead {
        req.to_http_request().head().clone()
    }

    #[test]
    fn anonymous_reads_and_the_search_are_reads() {
        assert!(is_anonymous_read(&head(
            TestRequest::get().uri("/collections")
        )));
        assert!(is_anonymous_read(&head(TestRequest::post().uri(SEARCH))));
        assert!(!is_anonymous_read(&head(
            TestRequest::post().uri("/collections/plots/items")
        )));
        assert!(!is_anonymous_read(&head(
            TestRequest::get().insert_header((header::AUTHORIZATION, "Bearer x"))
        )));
        let preflight = |method: &str, headers: &str| {
            head(
                TestRequest::default()
                    .method(Method::OPTIONS)
                    .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method))
                    .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, headers)),
            )
        };
        assert!(is_anonymous_read(&preflight("GET", "if-none-match")));
        assert!(!is_anonymous_read(&preflight(
            "GET",
            "if-none-match, Authorization"
        )));
        assert!(!is_anonymous_read(&preflight("DELETE", "")));
    }

    #[test]
    fn own_origin_is_the_hosts() {
        let req = head(TestRequest::get().insert_header((header::HOST, "kart.example.no")));
        assert!(is_own("https://kart.example.no", None, &req));
        assert!(is_own("http://kart.example.no", None, &req));
        assert!(!is_own("https://kart.example.no:8443", None, &req));
        assert!(!is_own("https://evil.example", None, &req));
        let req = head(TestRequest::get().insert_header((header::HOST, "localhost:8080")));
        assert!(is_own("http://localhost:8080", None, &req));
        assert!(is_own("https://a.no", Some("https://a.no"), &req));
        assert!(!is_own("http://localhost:8080", Some("https://a.no"), &req));
    }
}
