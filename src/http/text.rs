//! Text that PostgreSQL cannot hold: the NUL character (a `text` value
//! cannot contain U+0000) and bytes that are not UTF-8. Refused where a
//! request comes in, with a 400 naming where it was, so that no handler
//! ever hands it to the database (which would fail the statement: a 500).
//! The path and every query parameter are checked by [`refuse_unstorable`]
//! before routing; JSON bodies by [`nul_fields`], where they are parsed.

use std::borrow::Cow;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::error::{ApiError, FieldError};

/// Why a value with a NUL is refused.
pub const HOLDS_NUL: &str = "contains a NUL character (U+0000), which text cannot hold";
/// Why a value that is not UTF-8 is refused.
pub const NOT_UTF8: &str = "is not UTF-8 text once percent-decoded";

/// Why `bytes` (decoded) cannot be stored as text, if they cannot.
fn unstorable(bytes: &[u8]) -> Option<&'static str> {
    match std::str::from_utf8(bytes) {
        Err(_) => Some(NOT_UTF8),
        Ok(text) if text.contains('\0') => Some(HOLDS_NUL),
        Ok(_) => None,
    }
}

/// Every problem of the query string: each parameter whose name or value
/// decodes to text that cannot be stored, named as given.
pub fn query_problems(query: &str) -> Vec<FieldError> {
    let decode = |s: &str| -> Vec<u8> {
        let spaced: Cow<str> = if s.contains('+') {
            Cow::Owned(s.replace('+', " "))
        } else {
            Cow::Borrowed(s)
        };
        percent_decode_str(&spaced).collect()
    };
    let mut problems = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(name);
        let reason = unstorable(&name).or_else(|| unstorable(&decode(value)));
        if let Some(reason) = reason {
            let shown = String::from_utf8_lossy(&name).replace('\0', "\u{FFFD}");
            problems.push(FieldError::new(shown, reason));
        }
    }
    problems
}

/// 400 before routing for a path or query parameter that decodes to text
/// that cannot be stored.
pub async fn refuse_unstorable(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> actix_web::Result<ServiceResponse<EitherBody<impl MessageBody>>> {
    let mut problems = Vec::new();
    if let Some(reason) = unstorable(&percent_decode_str(req.path()).collect::<Vec<u8>>()) {
        problems.push(FieldError::new("path", reason));
    }
    problems.extend(query_problems(req.query_string()));
    if problems.is_empty() {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    Ok(req
        .error_response(ApiError::InvalidParameters(problems))
        .map_into_right_body())
}

/// Every string and member name in `value` that holds a NUL, named by its
/// path (`properties.name`, `documents[0].title`).
pub fn nul_fields(value: &Value) -> Vec<FieldError> {
    fn walk(value: &Value, path: &str, found: &mut Vec<FieldError>) {
        let child = |name: &str| {
            if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            }
        };
        match value {
            Value::String(s) if s.contains('\0') => {
                let name = if path.is_empty() { "body" } else { path };
                found.push(FieldError::new(name, HOLDS_NUL));
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}[{i}]"), found);
                }
            }
            Value::Object(members) => {
                for (name, member) in members {
                    if name.contains('\0') {
                        let shown = name.replace('\0', "\u{FFFD}");
                        found.push(FieldError::new(child(&shown), HOLDS_NUL));
                    } else {
                        walk(member, &child(name), found);
                    }
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(value, "", &mut found);
    found
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn names(problems: &[FieldError]) -> Vec<(&str, &str)> {
        problems
            .iter()
            .map(|p| (p.name.as_str(), p.reason.as_str()))
            .collect()
    }

    #[test]
    fn query_parameters_that_cannot_be_stored_are_named() {
        assert!(
            query_problems("limit=5&locality=Holmen&filter=name%20%3D%20%27%C3%85%27").is_empty()
        );
        assert!(query_problems("").is_empty());
        assert_eq!(
            names(&query_problems(
                "limit=5&near_place=a%00b&locality=%FF&x%00=1"
            )),
            [
                ("near_place", HOLDS_NUL),
                ("locality", NOT_UTF8),
                ("x\u{FFFD}", HOLDS_NUL)
            ]
        );
        // `+` is a space, not an escape; a stray `%` is kept as it is.
        assert!(query_problems("q=a+b&r=100%").is_empty());
    }

    #[test]
    fn body_fields_with_a_nul_are_named_by_their_path() {
        let body = json!({
            "type": "Feature",
            "properties": {"name": "x\u{0}", "documents": [{"title": "ok"}, {"title": "a\u{0}"}]},
            "a\u{0}": 1,
        });
        let problems = nul_fields(&body);
        let mut found = names(&problems);
        found.sort_unstable();
        assert_eq!(
            found,
            [
                ("a\u{FFFD}", HOLDS_NUL),
                ("properties.documents[1].title", HOLDS_NUL),
                ("properties.name", HOLDS_NUL),
            ]
        );
        assert_eq!(names(&nul_fields(&json!("\u{0}"))), [("body", HOLDS_NUL)]);
        assert!(nul_fields(&json!({"name": "Holmen", "n": [1, null, true]})).is_empty());
    }
}
