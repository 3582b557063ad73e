//! One error type for the API, one body shape: RFC 9457 problem details
//! (`application/problem+json`). Internal causes go to the log only.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::log_rate::OncePerSecond;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Problem type of a request whose parameters or body are wrong.
pub const TYPE_INVALID_PARAMETER: &str = "urn:naeringsareal:problem:invalid-parameter";
/// Problem type of a request for something that does not exist.
pub const TYPE_NOT_FOUND: &str = "urn:naeringsareal:problem:not-found";
/// Problem type of a request for something that has ended.
pub const TYPE_GONE: &str = "urn:naeringsareal:problem:gone";
/// Problem type of a request that the database could not serve in time.
pub const TYPE_UNAVAILABLE: &str = "urn:naeringsareal:problem:unavailable";
/// Problem type of a feature (or a file of features) that is not valid.
pub const TYPE_INVALID_FEATURE: &str = "urn:naeringsareal:problem:invalid-feature";
/// Problem type of a request without a valid API key, or with too weak a one.
pub const TYPE_UNAUTHORIZED: &str = "urn:naeringsareal:problem:unauthorized";
/// Problem type of a write that conflicts with what is stored.
pub const TYPE_CONFLICT: &str = "urn:naeringsareal:problem:conflict";
/// Problem type of a write whose `If-Match` is missing or stale.
pub const TYPE_PRECONDITION: &str = "urn:naeringsareal:problem:precondition";
/// Problem type of a JSON body (other than a feature) that is not valid.
pub const TYPE_INVALID_BODY: &str = "urn:naeringsareal:problem:invalid-body";
/// Problem type of a client that sent more requests than it may.
pub const TYPE_RATE_LIMITED: &str = "urn:naeringsareal:problem:rate-limited";
/// Problem type of a request refused because the instance has as many
/// requests in flight as it takes.
pub const TYPE_OVERLOADED: &str = "urn:naeringsareal:problem:overloaded";

/// Problem type of an `Idempotency-Key` that cannot be used: its first
/// request is still running (409), or it was sent with another request (422).
pub const TYPE_IDEMPOTENCY_KEY: &str = "urn:naeringsareal:problem:idempotency-key";

/// An error body (RFC 9457 problem details).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": TYPE_INVALID_PARAMETER,
    "title": "Invalid query parameter",
    "status": 400,
    "detail": "limit: must be a whole number of at least 1, got `0`",
    "errors": [{"name": "limit", "reason": "must be a whole number of at least 1, got `0`"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, in words a person can act on.
    pub detail: String,
    /// Each offending parameter or field, with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One offending parameter or field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The name of the query parameter, path segment or body field
    /// (`geometry`, `properties.status`, `id`, …).
    pub name: String,
    /// Why it was refused.
    pub reason: String,
    /// In an import: the position of the feature in the file, from 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// In an import: the feature's `reference`, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl FieldError {
    /// An error for the field `name`.
    pub fn new(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            reason: reason.into(),
            index: None,
            reference: None,
        }
    }

    /// The same error, said of the feature at `index` of a file.
    pub fn of_feature(mut self, index: usize, reference: Option<&str>) -> Self {
        self.index = Some(index);
        self.reference = reference.map(str::to_owned);
        self
    }
}

/// Everything a handler can answer other than success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// One or more query parameters are unknown or have invalid values (400).
    #[error("invalid query parameters")]
    InvalidParameters(Vec<FieldError>),
    /// The request is malformed in a way that is not one parameter's fault (400).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A feature in the body is not valid; every problem is listed (400).
    #[error("invalid feature")]
    InvalidFeature(Vec<FieldError>),
    /// A JSON body that is not a feature (an enquiry, a change of one) is
    /// not valid; every problem is listed (400).
    #[error("invalid body")]
    InvalidBody(Vec<FieldError>),
    /// No API key, or one the registry does not know (401).
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The key's role may not do this (403).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The write conflicts with what is stored (409).
    #[error("conflict: {0}")]
    Conflict(String),
    /// `If-Match` names a version that is no longer current (412).
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    /// The body is larger than the registry takes (413).
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    /// The body is in a media type the resource does not take (415).
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// The write needs `If-Match` (428).
    #[error("precondition required: {0}")]
    PreconditionRequired(String),
    /// The client sent more than it may in a while (429, with `Retry-After`
    /// in whole seconds).
    #[error("too many requests: {detail}")]
    TooManyRequests {
        detail: String,
        retry_after_secs: u64,
    },
    /// A request with this `Idempotency-Key` is still being processed (409,
    /// with `Retry-After`).
    #[error("idempotency key in use: {0}")]
    IdempotencyKeyInUse(String),
    /// This `Idempotency-Key` was used for another request (422).
    #[error("idempotency key reused: {0}")]
    IdempotencyKeyReused(String),
    /// The resource does not exist (404).
    #[error("not found: {0}")]
    NotFound(String),
    /// The resource existed but has ended (410).
    #[error("gone: {0}")]
    Gone(String),
    /// The database could not give a connection in time (503).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// `/ready`: the service cannot serve, for the reason given (503).
    #[error("not ready: {0}")]
    NotReady(String),
    /// The instance has as many requests in flight as it takes; refused at
    /// once rather than queued (503, with `Retry-After`).
    #[error("overloaded: the limit of requests in flight is reached")]
    Overloaded,
    /// Anything else (500). The cause is logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A single invalid parameter.
    pub fn invalid(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidParameters(vec![FieldError::new(name, reason)])
    }

    /// The problem body for this error.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (problem_type, detail, errors) = match self {
            Self::InvalidParameters(errors) => {
                (TYPE_INVALID_PARAMETER, summarise(errors), errors.clone())
            }
            Self::BadRequest(detail) => (TYPE_INVALID_PARAMETER, detail.clone(), vec![]),
            Self::InvalidFeature(errors) => {
                (TYPE_INVALID_FEATURE, summarise(errors), errors.clone())
            }
            Self::InvalidBody(errors) => (TYPE_INVALID_BODY, summarise(errors), errors.clone()),
            Self::TooManyRequests { detail, .. } => (TYPE_RATE_LIMITED, detail.clone(), vec![]),
            Self::Unauthorized(detail) | Self::Forbidden(detail) => {
                (TYPE_UNAUTHORIZED, detail.clone(), vec![])
            }
            Self::Conflict(detail) => (TYPE_CONFLICT, detail.clone(), vec![]),
            Self::PreconditionFailed(detail) | Self::PreconditionRequired(detail) => {
                (TYPE_PRECONDITION, detail.clone(), vec![])
            }
            Self::PayloadTooLarge(detail) | Self::UnsupportedMediaType(detail) => {
                ("about:blank", detail.clone(), vec![])
            }
            Self::IdempotencyKeyInUse(reason) | Self::IdempotencyKeyReused(reason) => (
                TYPE_IDEMPOTENCY_KEY,
                format!("Idempotency-Key: {reason}"),
                vec![FieldError::new("Idempotency-Key", reason.clone())],
            ),
            Self::NotFound(detail) => (TYPE_NOT_FOUND, detail.clone(), vec![]),
            Self::Gone(detail) => (TYPE_GONE, detail.clone(), vec![]),
            Self::Unavailable(_) => (
                TYPE_UNAVAILABLE,
                "the database is busy or unreachable; try again shortly".to_owned(),
                vec![],
            ),
            Self::NotReady(reason) => (TYPE_UNAVAILABLE, reason.clone(), vec![]),
            Self::Overloaded => (
                TYPE_OVERLOADED,
                "the service has as many requests under way as it takes; try again shortly"
                    .to_owned(),
                vec![],
            ),
            Self::Internal(_) => (
                "about:blank",
                "the server failed to answer this request; the cause is in its log".to_owned(),
                vec![],
            ),
        };
        let title = match self {
            Self::InvalidParameters(_) => "Invalid query parameter".to_owned(),
            Self::InvalidFeature(_) => "Invalid feature".to_owned(),
            Self::InvalidBody(_) => "Invalid request body".to_owned(),
            _ => status.canonical_reason().unwrap_or("Error").to_owned(),
        };
        Problem {
            problem_type: problem_type.to_owned(),
            title,
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

/// The warnings that the database is unavailable, one a second.
static UNAVAILABLE_WARNINGS: OncePerSecond = OncePerSecond::new();

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidParameters(_)
            | Self::BadRequest(_)
            | Self::InvalidFeature(_)
            | Self::InvalidBody(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::IdempotencyKeyInUse(_) => StatusCode::CONFLICT,
            Self::IdempotencyKeyReused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Gone(_) => StatusCode::GONE,
            Self::Unavailable(_) | Self::NotReady(_) | Self::Overloaded => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => tracing::error!(error = ?cause, "request failed"),
            // While the database is down every request fails alike, tens
            // of thousands a second: one warning a second, the rest at debug.
            Self::Unavailable(cause) => match UNAVAILABLE_WARNINGS.due() {
                Some(held) => {
                    tracing::warn!(%cause, since_last_warning = held + 1, "database unavailable")
                }
                None => tracing::debug!(%cause, "database unavailable"),
            },
            _ => {}
        }
        let mut response = problem_response(&self.problem());
        if matches!(
            self,
            Self::Unavailable(_)
                | Self::NotReady(_)
                | Self::IdempotencyKeyInUse(_)
                | Self::Overloaded
        ) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if let Self::TooManyRequests {
            retry_after_secs, ..
        } = self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        if matches!(self, Self::Unauthorized(_)) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"naeringsareal\""),
            );
        }
        response
    }
}

impl ApiError {
    /// What kind of server-side failure this is, for the metrics: why the
    /// database was unavailable (`pool_timeout`, `connect`, `pool_closed`,
    /// `connection_closed`, `statement_timeout`, `terminated`, `other`), or
    /// `internal` for a 500; `None` for every other error (the client's).
    /// Told from the cause's message, the only thing diesel and deadpool
    /// give for most of these (see the `From` impls below).
    pub fn failure_kind(&self) -> Option<&'static str> {
        match self {
            Self::Unavailable(cause) => Some(unavailable_kind(cause)),
            Self::Internal(_) => Some("internal"),
            _ => None,
        }
    }
}

fn unavailable_kind(cause: &str) -> &'static str {
    let cause = cause.to_ascii_lowercase();
    let has = |part: &str| cause.contains(part);
    if has("waiting for a slot") {
        "pool_timeout"
    } else if has("creating a new object") {
        "connect"
    } else if has("pool has been closed") {
        "pool_closed"
    } else if has("statement timeout") {
        "statement_timeout"
    } else if has("terminating connection") {
        "terminated"
    } else if has("closed") || has("communicating") || has("broken pipe") || has("reset") {
        "connection_closed"
    } else {
        "other"
    }
}

/// The errors in one line: `name: reason; name: reason`. Long lists are cut
/// (the `errors` member has them all).
fn summarise(errors: &[FieldError]) -> String {
    const SHOWN: usize = 10;
    let mut text = errors
        .iter()
        .take(SHOWN)
        .map(|e| match e.index {
            Some(i) => format!("feature {i}: {}: {}", e.name, e.reason),
            None => format!("{}: {}", e.name, e.reason),
        })
        .collect::<Vec<_>>()
        .join("; ");
    if errors.len() > SHOWN {
        text.push_str(&format!("; and {} more", errors.len() - SHOWN));
    }
    text
}

/// The HTTP response carrying `problem`.
pub fn problem_response(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .content_type(PROBLEM_JSON)
        .json(problem)
}

/// A problem for a bare status (used for errors raised outside our handlers:
/// unknown routes, wrong methods, actix's own refusals).
pub fn problem_for_status(status: StatusCode, detail: impl Into<String>) -> Problem {
    Problem {
        problem_type: if status == StatusCode::NOT_FOUND {
            TYPE_NOT_FOUND.to_owned()
        } else {
            "about:blank".to_owned()
        },
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: detail.into(),
        errors: vec![],
    }
}

impl From<DieselError> for ApiError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => Self::NotFound("no such record".to_owned()),
            // The connection is gone (diesel-async reports a closed socket
            // as "unable to send command").
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => Self::Unavailable(info.message().to_owned()),
            // A write reached a server that is read-only: a standby, as the
            // primary is during a failover. The next connection finds the
            // new primary (target_session_attrs=read-write).
            DieselError::DatabaseError(DatabaseErrorKind::ReadOnlyTransaction, info) => {
                Self::Unavailable(info.message().to_owned())
            }
            // statement_timeout: the query ran out of time; or the server
            // ended the connection (restart, failover, pg_terminate_backend).
            // diesel exposes no SQLSTATE for these, only the message.
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, ref info)
                if info.message().contains("statement timeout")
                    || info.message().contains("terminating connection") =>
            {
                Self::Unavailable(info.message().to_owned())
            }
            // Validation runs before every write, so the database's own
            // refusals mean a race (a reference taken meanwhile) or a rule
            // only the database knows; the constraint's name says which.
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, ref info) => {
                Self::Conflict(match info.constraint_name() {
                    Some("plots_reference_key") => {
                        "the reference is already used by another plot".to_owned()
                    }
                    Some("api_keys_name_key") => {
                        "a key with this name exists (names are never reused)".to_owned()
                    }
                    _ => format!(
                        "the write conflicts with a stored record: {}",
                        info.message()
                    ),
                })
            }
            DieselError::DatabaseError(DatabaseErrorKind::CheckViolation, ref info) => {
                Self::BadRequest(format!(
                    "the database refused the values: {}",
                    info.constraint_name().unwrap_or_else(|| info.message())
                ))
            }
            other => Self::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for ApiError {
    fn from(error: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        use diesel_async::pooled_connection::deadpool::PoolError;
        match error {
            PoolError::Timeout(_) | PoolError::Backend(_) | PoolError::Closed => {
                Self::Unavailable(error.to_string())
            }
            other => Self::Internal(anyhow::anyhow!("connection pool: {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_as_documented() {
        assert_eq!(
            ApiError::invalid("limit", "x").status_code(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            ApiError::from(DieselError::NotFound).status_code(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            ApiError::Unavailable("t".into()).status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let closed = DieselError::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand,
            Box::new("connection closed".to_owned()),
        );
        assert_eq!(
            ApiError::from(closed).status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            ApiError::from(DieselError::RollbackTransaction).status_code(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            ApiError::InvalidBody(vec![FieldError::new("email", "x")]).status_code(),
            StatusCode::BAD_REQUEST
        );
    }

    #[test]
    fn too_many_requests_says_when_to_come_back() {
        let error = ApiError::TooManyRequests {
            detail: "at most 5 enquiries in 10 minutes".to_owned(),
            retry_after_secs: 42,
        };
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "42");
        assert_eq!(error.problem().problem_type, TYPE_RATE_LIMITED);
    }

    #[test]
    fn idempotency_key_problems_name_the_header() {
        let in_use = ApiError::IdempotencyKeyInUse("still running".to_owned());
        let response = in_use.error_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "1");
        let reused = ApiError::IdempotencyKeyReused("another body".to_owned());
        assert_eq!(reused.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
        for error in [in_use, reused] {
            let problem = error.problem();
            assert_eq!(problem.problem_type, TYPE_IDEMPOTENCY_KEY);
            assert_eq!(problem.errors[0].name, "Idempotency-Key");
            assert!(problem.detail.starts_with("Idempotency-Key: "));
        }
    }

    #[test]
    fn overload_is_a_503_that_says_when_to_come_back() {
        let response = ApiError::Overloaded.error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "1");
        assert_eq!(ApiError::Overloaded.problem().problem_type, TYPE_OVERLOADED);
        assert_eq!(ApiError::Overloaded.failure_kind(), None);
    }

    #[test]
    fn failures_are_told_apart_by_kind() {
        use deadpool::managed::TimeoutType;
        use diesel_async::pooled_connection::deadpool::PoolError;
        let database = |kind, message: &str| {
            ApiError::from(DieselError::DatabaseError(
                kind,
                Box::new(message.to_owned()),
            ))
        };
        let cases = [
            (
                ApiError::from(PoolError::Timeout(TimeoutType::Wait)),
                "pool_timeout",
            ),
            (
                ApiError::from(PoolError::Timeout(TimeoutType::Create)),
                "connect",
            ),
            (ApiError::from(PoolError::Closed), "pool_closed"),
            (
                database(
                    DatabaseErrorKind::Unknown,
                    "canceling statement due to statement timeout",
                ),
                "statement_timeout",
            ),
            (
                database(
                    DatabaseErrorKind::Unknown,
                    "terminating connection due to administrator command",
                ),
                "terminated",
            ),
            (
                database(DatabaseErrorKind::UnableToSendCommand, "connection closed"),
                "connection_closed",
            ),
            (
                database(
                    DatabaseErrorKind::ClosedConnection,
                    "error communicating with the server: Connection reset by peer",
                ),
                "connection_closed",
            ),
            (ApiError::Unavailable("no PostGIS".to_owned()), "other"),
            (ApiError::from(DieselError::RollbackTransaction), "internal"),
        ];
        for (error, kind) in cases {
            assert_eq!(error.failure_kind(), Some(kind), "{error}");
        }
        assert_eq!(ApiError::from(DieselError::NotFound).failure_kind(), None);
    }

    #[test]
    fn internal_causes_stay_out_of_the_body() {
        let problem = ApiError::Internal(anyhow::anyhow!("password=hunter2")).problem();
        let body = serde_json::to_string(&problem).unwrap();
        assert!(!body.contains("hunter2"), "{body}");
        assert_eq!(problem.status, 500);
    }

    #[test]
    fn invalid_parameters_name_each_parameter() {
        let problem = ApiError::InvalidParameters(vec![
            FieldError::new("limit", "too small"),
            FieldError::new("bbox", "needs 4 numbers"),
        ])
        .problem();
        assert_eq!(problem.status, 400);
        assert_eq!(problem.errors.len(), 2);
        assert!(problem.detail.contains("limit: too small"));
        assert!(problem.detail.contains("bbox: needs 4 numbers"));
    }
}
