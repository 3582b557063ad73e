//! Request bodies: read up to a size limit (413 past it), of an accepted
//! media type (415 otherwise), parsed as JSON (400 saying where it breaks).

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::text;
use crate::crs::Crs;
use crate::error::{ApiError, FieldError};

/// Reads a request body of at most `limit` bytes; 413 past it.
pub async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::BytesMut, ApiError> {
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "the body is larger than this resource takes ({limit} bytes)"
        ))
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("reading the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// 415 unless the body is one of `accepted` media types.
pub fn check_content_type(req: &HttpRequest, accepted: &[&str]) -> Result<(), ApiError> {
    let given = req.content_type();
    if accepted.contains(&given) {
        Ok(())
    } else {
        let given = if given.is_empty() { "none" } else { given };
        Err(ApiError::UnsupportedMediaType(format!(
            "the body must be {} (Content-Type), not {given}",
            accepted.join(" or ")
        )))
    }
}

/// The body as JSON, or 400 saying where it breaks. A string holding a
/// NUL, which text cannot hold, is refused by its path
/// (`properties.name`), whatever the field.
pub fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    let value = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid("body", format!("is not valid JSON: {e}")))?;
    let unstorable = text::nul_fields(&value);
    if unstorable.is_empty() {
        Ok(value)
    } else {
        Err(ApiError::InvalidBody(unstorable))
    }
}

/// The body as a `T` (as [`parse_json`] reads it): a field that does not
/// fit is named by its path (`places[2].lat`, `location_class[0]`), a body
/// that is no `T` at all is said not to be `what`.
pub fn parse_body<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(parse_json(body)?).map_err(|e| {
        let (name, reason) = match e.path().to_string().as_str() {
            "." => ("body".to_owned(), format!("is not {what}: {}", e.inner())),
            path => (path.to_owned(), e.inner().to_string()),
        };
        ApiError::InvalidBody(vec![FieldError::new(name, reason)])
    })
}

/// Reads a JSON body of one of the `accepted` media types, of at most
/// `limit` bytes.
pub async fn read_json(
    req: &HttpRequest,
    payload: web::Payload,
    accepted: &[&str],
    limit: usize,
) -> Result<Value, ApiError> {
    check_content_type(req, accepted)?;
    parse_json(&read_body(req, payload, limit).await?)
}

/// The CRS of a body's geometry: the `Content-Crs` header, CRS84 by default.
pub fn content_crs(req: &HttpRequest) -> Result<Crs, ApiError> {
    match req.headers().get("content-crs") {
        None => Ok(Crs::CRS84),
        Some(value) => value
            .to_str()
            .map_err(|_| "is not text".to_owned())
            .and_then(Crs::parse)
            .map_err(|reason| ApiError::invalid("Content-Crs", reason)),
    }
}
