//! Media types the API speaks.

pub const JSON: &str = "application/json";
pub const GEOJSON: &str = "application/geo+json";
/// The OpenAPI 3.1 document (`/api`).
pub const OPENAPI_JSON: &str = "application/vnd.oai.openapi+json;version=3.1";
/// The OpenAPI 3.0 document, the media type OGC API – Features Part 1 names
/// (and the one OWSLib looks for).
pub const OPENAPI_JSON_30: &str = "application/vnd.oai.openapi+json;version=3.0";
pub const HTML: &str = "text/html";
pub const SCHEMA_JSON: &str = "application/schema+json";
/// A JSON merge patch (RFC 7396).
pub const MERGE_PATCH_JSON: &str = "application/merge-patch+json";
/// CSV, as spreadsheets open it.
pub const CSV: &str = "text/csv; charset=utf-8";
