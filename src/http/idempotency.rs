//! `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header) on the
//! POSTs that create something: a retry with the same key and the same
//! request gets the first answer again and creates nothing new.
//!
//! The protocol, all inside the transaction of the write:
//! 1. an unexpired answer stored for (caller, key) is replayed, or is a
//!    422 when it answered another request (the fingerprint differs);
//! 2. otherwise the transaction takes an advisory lock on (caller, key)
//!    without waiting: held by another transaction, the first request is
//!    still running (409, with `Retry-After`);
//! 3. with the lock, the stored answer is looked for again (its request may
//!    have committed meanwhile); an expired one is deleted;
//! 4. the handler writes, and [`Idempotency::record`] stores the answer in
//!    the same transaction: the key is stored exactly when the write is.
//!
//! Answers pass through the transaction as a [`Reply`] (an `HttpResponse`
//! cannot: it is not `Send`).
//!
//! Only successful (2xx) answers are stored. An error wrote nothing, so a
//! retry after a 4xx or a 503 runs afresh (and may fix its body).

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Bool, Bytea, Double, Int2, Jsonb, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::db::schema::idempotency_keys;
use crate::error::ApiError;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The header that marks a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";
/// The longest key taken.
pub const MAX_KEY_LEN: usize = 255;
/// First key of the two-key advisory locks held for keys being processed
/// ("idem" in ASCII), apart from every other lock the registry takes.
const LOCK_CLASS: i32 = 0x6964_656d;

/// The answer headers that are stored and replayed with the body.
fn kept_headers() -> [HeaderName; 4] {
    [
        header::CONTENT_TYPE,
        header::LOCATION,
        header::ETAG,
        HeaderName::from_static("content-crs"),
    ]
}

/// The `Idempotency-Key` request header, as the OpenAPI document shows it.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKeyHeader {
    /// A key of the client's choosing (a new UUID for each new request)
    /// that makes retrying safe: a retry with the same key and the same
    /// request (body, path, query and `Content-Crs`) gets the first
    /// successful answer again, marked `Idempotent-Replayed: true`, and
    /// creates nothing new. Kept for `NAERINGSAREAL_IDEMPOTENCY_TTL_HOURS`
    /// (24 by default), per API key (anonymous callers: per endpoint).
    /// Errors are not kept: a retry after one runs afresh. 1 to 255
    /// visible ASCII characters other than `"` and `\`, bare or in double
    /// quotes; a malformed key is a 400.
    #[param(
        rename = "Idempotency-Key",
        pattern = r#"^("[!#-\[\]-~]{1,255}"|[!#-\[\]-~]{1,255})$"#,
        example = "8e03978e-40d5-43e8-bc93-6894a57f9324"
    )]
    pub idempotency_key: Option<String>,
}

/// Whose key it is.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// The holder of the API key with this name.
    Key(&'a str),
    /// An anonymous caller: the key alone, on this endpoint.
    Anonymous,
}

/// The `Idempotency-Key` of a request, if it sent one, with what the key is
/// checked against.
#[derive(Debug)]
pub struct Idempotency(Option<Keyed>);

#[derive(Debug)]
struct Keyed {
    scope: String,
    key: String,
    fingerprint: Vec<u8>,
    ttl: Duration,
}

/// Reads a key: 1 to 255 visible ASCII characters other than `"` and `\`,
/// bare or as a structured-field string (`"…"`, as the draft writes it).
pub fn parse_key(value: &HeaderValue) -> Result<String, String> {
    let wrong = || {
        format!(
            "must be 1 to {MAX_KEY_LEN} visible ASCII characters (no spaces, `\"` or `\\`), \
             bare or in double quotes, e.g. a UUID"
        )
    };
    let text = value.to_str().map_err(|_| wrong())?;
    let key = match text.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"').ok_or_else(wrong)?,
        None => text,
    };
    let visible = |b: u8| b.is_ascii_graphic() && b != b'"' && b != b'\\';
    if (1..=MAX_KEY_LEN).contains(&key.len()) && key.bytes().all(visible) {
        Ok(key.to_owned())
    } else {
        Err(wrong())
    }
}

/// What identifies a request, for telling a retry from another request
/// with the same key: SHA-256 of its method, path and query, `Content-Crs`
/// and body (each part prefixed by its length, so parts cannot run together).
fn fingerprint(req: &HttpRequest, body: &[u8]) -> Vec<u8> {
    let crs = req
        .headers()
        .get("content-crs")
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    let mut hash = Sha256::new();
    for part in [
        req.method().as_str().as_bytes(),
        req.path().as_bytes(),
        req.query_string().as_bytes(),
        crs,
        body,
    ] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hash.finalize().to_vec()
}

/// An answer as it is stored and replayed: its status, the headers that
/// matter (`Content-Type`, `Location`, `ETag`, `Content-Crs`) and its body.
#[derive(Debug, Clone)]
pub struct Reply {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
    replayed: bool,
}

impl Reply {
    /// The reply of a response with a body in memory (every JSON answer).
    pub fn of(response: HttpResponse) -> Result<Self, ApiError> {
        let (head, body) = response.into_parts();
        let body = body
            .try_into_bytes()
            .map_err(|_| anyhow::anyhow!("a streamed answer cannot be stored for retries"))?;
        let headers = kept_headers()
            .into_iter()
            .filter_map(|name| Some((name.clone(), head.headers().get(&name)?.clone())))
            .collect();
        Ok(Self {
            status: head.status(),
            headers,
            body,
            replayed: false,
        })
    }

    /// The response, marked `Idempotent-Replayed: true` when it is the
    /// first answer again.
    pub fn into_response(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        for header in self.headers {
            response.insert_header(header);
        }
        if self.replayed {
            response.insert_header((REPLAYED, "true"));
        }
        response.body(self.body)
    }
}

#[derive(QueryableByName)]
struct Stored {
    #[diesel(sql_type = Bytea)]
    fingerprint: Vec<u8>,
    #[diesel(sql_type = Int2)]
    status: i16,
    #[diesel(sql_type = Jsonb)]
    headers: Value,
    #[diesel(sql_type = Bytea)]
    body: Vec<u8>,
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

impl Idempotency {
    /// The request's key (none without the header; 400 for a malformed
    /// one), kept for `ttl`, of the caller `scope`, for the request `req`
    /// with `body`.
    pub fn of(
        req: &HttpRequest,
        scope: Scope<'_>,
        body: &[u8],
        ttl: Duration,
    ) -> Result<Self, ApiError> {
        let mut values = req.headers().get_all(HEADER);
        let Some(value) = values.next() else {
            return Ok(Self(None));
        };
        if values.next().is_some() {
            return Err(ApiError::invalid(
                "Idempotency-Key",
                "is sent more than once: send one key",
            ));
        }
        let key =
            parse_key(value).map_err(|reason| ApiError::invalid("Idempotency-Key", reason))?;
        let scope = match scope {
            Scope::Key(name) => format!("key:{name}"),
            Scope::Anonymous => format!("anonymous:{}", req.path()),
        };
        Ok(Self(Some(Keyed {
            scope,
            key,
            fingerprint: fingerprint(req, body),
            ttl,
        })))
    }

    /// The first answer, when this is a retry: `Some` to send instead of
    /// writing. 422 when the key answered another request, 409 while its
    /// first request is still running. Call it first in the transaction
    /// of the write.
    pub async fn replay(&self, conn: &mut AsyncPgConnection) -> Result<Option<Reply>, ApiError> {
        let Some(keyed) = &self.0 else {
            return Ok(None);
        };
        if let Some(stored) = keyed.stored(conn).await? {
            return keyed.answer(stored).map(Some);
        }
        let locked: Locked = diesel::sql_query(
            "SELECT pg_try_advisory_xact_lock($1, hashtext($2 || ' ' || $3)) AS locked",
        )
        .bind::<diesel::sql_types::Integer, _>(LOCK_CLASS)
        .bind::<Text, _>(&keyed.scope)
        .bind::<Text, _>(&keyed.key)
        .get_result(conn)
        .await?;
        if !locked.locked {
            return Err(ApiError::IdempotencyKeyInUse(
                "a request with this key is still being processed; \
                 retry after it, and you will get its answer"
                    .to_owned(),
            ));
        }
        // The request that held the lock may have committed since the
        // first look.
        if let Some(stored) = keyed.stored(conn).await? {
            return keyed.answer(stored).map(Some);
        }
        // An expired answer is forgotten: the key is new again.
        diesel::sql_query("DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2")
            .bind::<Text, _>(&keyed.scope)
            .bind::<Text, _>(&keyed.key)
            .execute(conn)
            .await?;
        Ok(None)
    }

    /// Stores `reply` (when it is a success) as the key's answer, in the
    /// transaction of the write it answers, and returns it.
    pub async fn record(
        &self,
        conn: &mut AsyncPgConnection,
        reply: Reply,
    ) -> Result<Reply, ApiError> {
        let Some(keyed) = &self.0 else {
            return Ok(reply);
        };
        if !reply.status.is_success() {
            return Ok(reply);
        }
        let headers: Map<String, Value> = reply
            .headers
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), Value::from(value.to_str().ok()?)))
            })
            .collect();
        let stored = diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::scope.eq(&keyed.scope),
                idempotency_keys::key.eq(&keyed.key),
                idempotency_keys::fingerprint.eq(&keyed.fingerprint),
                idempotency_keys::status.eq(reply.status.as_u16() as i16),
                idempotency_keys::headers.eq(Value::Object(headers)),
                idempotency_keys::body.eq(reply.body.as_ref()),
            ))
            .execute(conn)
            .await;
        match stored {
            Ok(_) => Ok(reply),
            // The lock makes this unlikely (two keys whose hashes collide
            // could share it), the primary key makes it harmless.
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                Err(ApiError::IdempotencyKeyInUse(
                    "another request with this key was answered meanwhile; retry to get its answer"
                        .to_owned(),
                ))
            }
            Err(e) => Err(e.into()),
        }
    }
}

impl Keyed {
    /// The unexpired answer stored for the key.
    async fn stored(&self, conn: &mut AsyncPgConnection) -> QueryResult<Option<Stored>> {
        diesel::sql_query(
            "SELECT fingerprint, status, headers, body FROM idempotency_keys \
             WHERE scope = $1 AND key = $2 AND created_at > now() - make_interval(secs => $3)",
        )
        .bind::<Text, _>(&self.scope)
        .bind::<Text, _>(&self.key)
        .bind::<Double, _>(self.ttl.as_secs_f64())
        .get_result(conn)
        .await
        .optional()
    }

    /// The stored answer again, or 422 when it answered another request.
    fn answer(&self, stored: Stored) -> Result<Reply, ApiError> {
        if stored.fingerprint != self.fingerprint {
            return Err(ApiError::IdempotencyKeyReused(format!(
                "was used for another request (another body, path, query or Content-Crs) \
                 in the last {} hours; use a new key for a new request",
                self.ttl.as_secs() / 3600
            )));
        }
        let status = StatusCode::from_u16(stored.status as u16)
            .map_err(|e| anyhow::anyhow!("a stored status: {e}"))?;
        let headers = stored
            .headers
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(name, value)| {
                Some((
                    HeaderName::from_bytes(name.as_bytes()).ok()?,
                    HeaderValue::from_str(value.as_str()?).ok()?,
                ))
            })
            .collect();
        tracing::info!(scope = %self.scope, "idempotent retry: the first answer replayed");
        Ok(Reply {
            status,
            headers,
            body: Bytes::from(stored.body),
            replayed: true,
        })
    }
}

/// Deletes the answers older than `ttl`; returns how many.
pub async fn purge(conn: &mut AsyncPgConnection, ttl: Duration) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM idempotency_keys WHERE created_at <= now() - make_interval(secs => $1)",
    )
    .bind::<Double, _>(ttl.as_secs_f64())
    .execute(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn keys_are_visible_ascii_bare_or_quoted() {
        let parse = |s: &str| parse_key(&HeaderValue::from_str(s).unwrap());
        assert_eq!(parse("abc-123").unwrap(), "abc-123");
        assert_eq!(
            parse("\"8e03978e-40d5-43e8-bc93-6894a57f9324\"").unwrap(),
            "8e03978e-40d5-43e8-bc93-6894a57f9324"
        );
        assert_eq!(parse(&"k".repeat(255)).unwrap().len(), 255);
        for bad in ["", "\"\"", "a b", "\"abc", "a\"b", "a\\b", &"k".repeat(256)] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        let latin1 = HeaderValue::from_bytes(b"n\xe6ring").unwrap();
        assert!(parse_key(&latin1).is_err());
    }

    #[test]
    fn the_fingerprint_covers_path_query_crs_and_body() {
        let of = |req: TestRequest, body: &[u8]| fingerprint(&req.to_http_request(), body);
        let base = || TestRequest::post().uri("/collections/plots/items");
        let first = of(base(), b"{}");
        assert_eq!(first, of(base(), b"{}"));
        assert_eq!(first.len(), 32);
        assert_ne!(first, of(base(), b"{ }"));
        assert_ne!(first, of(TestRequest::post().uri("/enquiries"), b"{}"));
        assert_ne!(
            first,
            of(
                TestRequest::post().uri("/collections/plots/items?f=json"),
                b"{}"
            )
        );
        assert_ne!(
            first,
            of(base().insert_header(("content-crs", "EPSG:25832")), b"{}")
        );
    }

    #[test]
    fn a_request_without_the_header_has_no_key_and_a_bad_one_is_refused() {
        let ttl = Duration::from_secs(3600);
        let req = TestRequest::post().to_http_request();
        assert!(
            Idempotency::of(&req, Scope::Anonymous, b"", ttl)
                .unwrap()
                .0
                .is_none()
        );
        let req = TestRequest::post()
            .insert_header((HEADER, "a b"))
            .to_http_request();
        let error = Idempotency::of(&req, Scope::Anonymous, b"", ttl).unwrap_err();
        assert_eq!(error.problem().errors[0].name, "Idempotency-Key");
        let req = TestRequest::post()
            .uri("/enquiries")
            .insert_header((HEADER, "k1"))
            .to_http_request();
        let keyed = Idempotency::of(&req, Scope::Anonymous, b"", ttl)
            .unwrap()
            .0
            .unwrap();
        assert_eq!(keyed.scope, "anonymous:/enquiries");
        let keyed = Idempotency::of(&req, Scope::Key("kari"), b"", ttl)
            .unwrap()
            .0
            .unwrap();
        assert_eq!(keyed.scope, "key:kari");
    }
}
