//! HTTP caching, in one place for every answer: `Cache-Control`, `ETag`,
//! `Vary` and `304 Not Modified` (RFC 9110 §8.8, §13; RFC 9111).
//!
//! - `Cache-Control`: reads are `public, no-cache` (a cache may keep them
//!   but asks again each time, so a write is seen at once), or
//!   `private, no-cache` when the request carries a key (or the sign-in cookie); everything else
//!   (writes, errors, redirects) is `no-store`. A handler's own value wins
//!   (assets are immutable).
//! - `ETag`: a handler's tag (a plot's version, a tile's digest) or else a
//!   digest of the body as sent; a strong tag names the content coding too
//!   (`"…-br"`), as one must differ between codings. `If-None-Match` that
//!   names it gets a 304 with `ETag`, `Cache-Control` and `Vary`, no body.
//! - `Vary`: `Accept` where a handler negotiated JSON or HTML (and on
//!   errors, which `html::errors` negotiates), `Authorization` where the
//!   caller's key changes the answer, `Accept-Encoding` where the coding
//!   does; HTML pages name `Accept-Language` and `Cookie` themselves.
//!
//! The middleware sits inside `Compress`: it sees the body before it is
//! compressed, and tells from the request which coding `Compress` will
//! use ([`coding`](super::coding)).

use std::io::Write;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, EntityTag, HeaderMap, HeaderName, HeaderValue, IfNoneMatch};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::coding::{self, Coding};

const PUBLIC: HeaderValue = HeaderValue::from_static("public, no-cache");
const PRIVATE: HeaderValue = HeaderValue::from_static("private, no-cache");
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// The request headers an answer was chosen by, noted by handlers and
/// extractors as they read them.
#[derive(Debug, Clone, Default)]
struct VaryOn(Vec<HeaderName>);

/// Notes that the answer to `req` depends on its header `name`.
pub fn vary_on(req: &HttpRequest, name: HeaderName) {
    let mut extensions = req.extensions_mut();
    match extensions.get_mut::<VaryOn>() {
        Some(VaryOn(names)) if !names.contains(&name) => names.push(name),
        Some(_) => {}
        None => {
            extensions.insert(VaryOn(vec![name]));
        }
    }
}

/// A strong tag of a body: the first 128 bits of its SHA-256, in hex.
pub fn digest_tag(bytes: &[u8]) -> EntityTag {
    EntityTag::new_strong(hex(&Sha256::digest(bytes)))
}

/// A weak tag of a JSON document's content, for answers that differ in a
/// detail that is not their content (a page's `timeStamp`): serialise the
/// document without that detail.
pub fn content_tag(value: &impl serde::Serialize) -> Result<EntityTag, serde_json::Error> {
    struct Hasher(Sha256);
    impl Write for Hasher {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut hasher = Hasher(Sha256::new());
    serde_json::to_writer(&mut hasher, value)?;
    Ok(EntityTag::new_weak(hex(&hasher.0.finalize())))
}

fn hex(digest: &[u8]) -> String {
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The codings a strong tag may name (see [`without_coding`]).
const CODINGS: [&str; 4] = ["br", "gzip", "deflate", "zstd"];

/// A strong tag as sent in `coding`: `"tag-gzip"`; as it is in identity.
fn coded(tag: &EntityTag, coding: header::ContentEncoding) -> EntityTag {
    match coding.as_str() {
        "identity" => tag.clone(),
        name => EntityTag::new_strong(format!("{}-{name}", tag.tag())),
    }
}

/// The tag a client sent, without the coding it names: a write's
/// `If-Match` may quote the tag of a compressed answer.
pub fn without_coding(tag: &EntityTag) -> EntityTag {
    let base = CODINGS
        .iter()
        .find_map(|c| tag.tag().strip_suffix(c)?.strip_suffix('-'))
        .unwrap_or(tag.tag());
    EntityTag::new(tag.weak, base.to_owned())
}

/// Adds `names` to the response's `Vary`, merging every `Vary` field into
/// one with each name once.
pub fn merge_vary(headers: &mut HeaderMap, names: &[&str]) {
    let mut all: Vec<String> = Vec::new();
    let present = headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .chain(names.iter().copied())
        .filter(|n| !n.is_empty());
    for name in present {
        if !all.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            all.push(name.to_owned());
        }
    }
    if let Ok(value) = HeaderValue::from_str(&all.join(", "))
        && !all.is_empty()
    {
        headers.insert(header::VARY, value);
    }
}

/// Whether `If-None-Match` names `tag` (weak comparison, RFC 9110 §13.1.2).
fn not_modified(req: &HttpRequest, tag: &EntityTag) -> bool {
    match req.get_header::<IfNoneMatch>() {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(tag)),
        None => false,
    }
}

/// The caching headers and 304s of every answer (see the module docs).
pub async fn revalidate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let negotiated = coding::negotiated(req.request());
    let (req, res) = next.call(req).await?.map_into_boxed_body().into_parts();
    let (mut res, body) = res.into_parts();
    let status = res.status();
    let read = req.method() == Method::GET;
    let headers = res.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        let value = match status {
            StatusCode::OK | StatusCode::NOT_MODIFIED if read => {
                if super::credentials::carries_key(&req) {
                    PRIVATE
                } else {
                    PUBLIC
                }
            }
            _ => NO_STORE,
        };
        headers.insert(header::CACHE_CONTROL, value);
    }
    let no_store = headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store"));
    let body = body.try_into_bytes();
    let len = match &body {
        Ok(bytes) => Some(bytes.len()),
        Err(body) => match body.size() {
            actix_web::body::BodySize::Sized(n) => usize::try_from(n).ok(),
            actix_web::body::BodySize::None => Some(0),
            actix_web::body::BodySize::Stream => None,
        },
    };
    // Without a coding it takes, `Compress` answers 406 itself.
    let coding = match negotiated {
        Some(negotiated) => coding::of_response(status, headers, len, negotiated),
        None => Coding::Identity,
    };

    let mut vary: Vec<&str> = Vec::new();
    let noted = req
        .extensions()
        .get::<VaryOn>()
        .cloned()
        .unwrap_or_default();
    vary.extend(noted.0.iter().map(HeaderName::as_str));
    if status.is_client_error() || status.is_server_error() {
        vary.push("Accept");
    }
    if coding.varies() {
        vary.push("Accept-Encoding");
    }
    merge_vary(headers, &vary);

    let cacheable = read && status == StatusCode::OK && !no_store;
    if cacheable
        && !headers.contains_key(header::ETAG)
        && let Ok(bytes) = &body
        && !bytes.is_empty()
    {
        headers.insert(header::ETAG, tag_value(&digest_tag(bytes)));
    }
    let tag = headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<EntityTag>().ok());
    if let Some(tag) = tag {
        let sent = if tag.weak {
            tag
        } else {
            coded(&tag, coding.applied())
        };
        headers.insert(header::ETAG, tag_value(&sent));
        if cacheable && not_modified(&req, &sent) {
            let mut answer = HttpResponse::NotModified();
            for name in [
                header::ETAG,
                header::CACHE_CONTROL,
                header::VARY,
                header::CONTENT_LOCATION,
                header::EXPIRES,
            ] {
                for value in headers.get_all(&name) {
                    answer.append_header((name.clone(), value.clone()));
                }
            }
            return Ok(ServiceResponse::new(req, answer.finish()));
        }
    }
    let body = match body {
        Ok(bytes) => BoxBody::new(bytes),
        Err(body) => body,
    };
    Ok(ServiceResponse::new(req, res.set_body(body)))
}

fn tag_value(tag: &EntityTag) -> HeaderValue {
    HeaderValue::from_str(&tag.to_string()).expect("an entity tag is a header value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_the_coding_and_lose_it_again() {
        let tag = EntityTag::new_strong("0123abcd-7".to_owned());
        let br = coded(&tag, header::ContentEncoding::Brotli);
        assert_eq!(br.to_string(), "\"0123abcd-7-br\"");
        assert_eq!(coded(&tag, header::ContentEncoding::Identity), tag);
        assert_eq!(without_coding(&br), tag);
        assert_eq!(without_coding(&tag), tag);
        let gz = coded(&tag, header::ContentEncoding::Gzip);
        assert_eq!(without_coding(&gz), tag);
    }

    #[test]
    fn vary_is_merged_once() {
        let mut headers = HeaderMap::new();
        headers.append(header::VARY, HeaderValue::from_static("Accept, Cookie"));
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
        merge_vary(
            &mut headers,
            &["accept", "Accept-Encoding", "authorization"],
        );
        assert_eq!(
            headers.get_all(header::VARY).collect::<Vec<_>>(),
            ["Accept, Cookie, accept-encoding, authorization"]
        );
    }

    #[test]
    fn content_tags_are_weak_digests() {
        let a = content_tag(&serde_json::json!({"a": 1})).unwrap();
        let b = content_tag(&serde_json::json!({"a": 2})).unwrap();
        assert!(a.weak);
        assert_ne!(a, b);
        assert_eq!(a, content_tag(&serde_json::json!({"a": 1})).unwrap());
    }
}
