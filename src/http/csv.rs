//! CSV answers: a download that spreadsheets open.

use actix_web::HttpResponse;

use super::media;

/// `body` (CSV) as a download named `filename`.
pub fn attachment(body: Vec<u8>, filename: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(media::CSV)
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}

/// A JSON value as a CSV cell: empty for null, text as it is, a list of
/// text joined with `; `, anything else as JSON.
pub fn cell(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}
