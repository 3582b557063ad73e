//! The problem+json responses that many operations share, declared once
//! for the OpenAPI document: `responses(..., problems::Unavailable)` in a
//! handler's `#[utoipa::path]`. Each is the `Problem` schema under
//! `application/problem+json` with a fixed description; a group stands for
//! the responses that always come together (a role check's 401 and 403).

use std::collections::BTreeMap;

use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

use crate::error::PROBLEM_JSON;

/// The response `status`: a problem, as `description` says.
fn problem(status: u16, description: &str) -> BTreeMap<String, RefOr<Response>> {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    let response = ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, content)
        .build();
    BTreeMap::from([(status.to_string(), RefOr::T(response))])
}

macro_rules! problems {
    ($($(#[$meta:meta])* $name:ident = $status:literal, $description:literal;)+) => {$(
        $(#[$meta])*
        #[doc = concat!("`", stringify!($status), "`: ", $description, ".")]
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                problem($status, $description)
            }
        }
    )+};
}

problems! {
    BadQuery = 400, "Unknown or invalid query parameter";
    BadQueryNamed = 400, "Unknown or invalid query parameter, named in `errors`";
    BadIdOrQuery = 400, "A query parameter is wrong, or the path holds text that cannot be stored";
    InvalidFeature = 400, "The feature is not valid; every problem is in `errors`";
    Unauthorized = 401, "No valid API key";
    NotAPlanner = 403, "The key may not write";
    NotAnAdmin = 403, "The key is not an admin's";
    PlotNotFound = 404, "No plot has this id (ids are UUIDs)";
    EnquiryNotFound = 404, "No enquiry has this id (ids are UUIDs)";
    NoSuchTileMatrixSet = 404, "No tile matrix set has this id";
    PlotEnded = 409, "The plot has ended";
    PlotChanged = 412, "The plot changed since the If-Match version; nothing was written";
    TooLarge = 413, "The body is too large";
    TooLarge16K = 413, "The body is larger than 16 KiB";
    NotJson = 415, "The body is not JSON";
    NotGeoJson = 415, "The body is not GeoJSON";
    NotAForm = 415, "The body is not a form (`application/x-www-form-urlencoded`)";
    IfMatchMissing = 428, "If-Match is missing";
    IdempotencyKeyInUse = 409, "A request with this Idempotency-Key is still being processed; retry after `Retry-After` seconds for its answer";
    IdempotencyKeyReused = 422, "This Idempotency-Key was used for another request (another body, path, query or Content-Crs); nothing was written";
    Unavailable = 503, "The database is busy or unreachable";
}

macro_rules! groups {
    ($($(#[$meta:meta])* $name:ident = [$($member:ident),+];)+) => {$(
        $(#[$meta])*
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                let mut all = BTreeMap::new();
                $(all.extend(<$member as utoipa::IntoResponses>::responses());)+
                all
            }
        }
    )+};
}

groups! {
    /// A planner's operation: no key (401), or a key that is not a planner's (403).
    ForPlanners = [Unauthorized, NotAPlanner];
    /// An admin's operation: no key (401), or a key that is not an admin's (403).
    ForAdmins = [Unauthorized, NotAnAdmin];
    /// A write with optimistic locking: the `If-Match` tag missing (428) or stale (412).
    Locked = [IfMatchMissing, PlotChanged];
    /// A POST that takes an `Idempotency-Key`: its first request still
    /// running (409), or the key used for another request (422).
    Idempotent = [IdempotencyKeyInUse, IdempotencyKeyReused];
}
