//! Handlers of `/outbox`: planners see the mails, the failed ones first of
//! all, and queue a failed one again.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;
use diesel_async::AsyncConnection;
use strum::VariantNames;
use utoipa::IntoParams;
use uuid::Uuid;

use super::outbox::{self, After, MailRow};
use super::wire::{MailKind, MailState, OutboxList, OutboxMail};
use crate::error::{ApiError, Problem};
use crate::http::caller::Planner;
use crate::http::link::{Link, PageLinks};
use crate::http::params::{QueryParams, list_of, only_format_param, parse_limit};
use crate::http::{media, problems};
use crate::state::AppState;

/// Query parameters of the outbox listing.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// Page size (described by its schema).
    #[param(schema_with = crate::http::params::limit_schema)]
    pub limit: Option<u32>,
    /// Opaque position of a page, from a `next` link.
    pub cursor: Option<String>,
    /// Only mails in this state, or any of a comma-separated list.
    #[param(value_type = Option<MailState>, example = "failed")]
    pub state: Option<String>,
    /// Output format; only JSON is served.
    pub f: Option<String>,
}

const LIST_PARAMS: &[&str] = &["limit", "cursor", "state", "f"];

/// The mails of the outbox, newest first, a page at a time: what was sent,
/// what waits for its next attempt, and what failed and why. Planners only.
#[utoipa::path(
    tag = "Mail",
    security(("api_key" = [])),
    params(OutboxQuery),
    responses(
        (status = 200, description = "A page of mails", body = OutboxList),
        problems::BadQueryNamed,
        problems::ForPlanners,
        problems::Unavailable,
    )
)]
#[get("/outbox")]
pub async fn list_outbox(
    req: HttpRequest,
    _: Planner,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut p = QueryParams::parse(req.query_string());
    p.check_format(&["json"]);
    let limit = p
        .parsed("limit", parse_limit)
        .unwrap_or(state.api.default_limit.get())
        .min(state.api.max_limit.get());
    let after = p.parsed("cursor", decode_cursor);
    let states = p
        .parsed("state", |v| {
            list_of(v, |s| {
                s.parse::<MailState>()
                    .map(|st| st.as_ref().to_owned())
                    .map_err(|_| format!("`{s}` is not one of {}", MailState::VARIANTS.join(", ")))
            })
        })
        .unwrap_or_default();
    let pairs = p.finish(LIST_PARAMS)?;
    let mut conn = state.conn().await?;
    let (rows, more) = outbox::list(&mut conn, &states, after, i64::from(limit)).await?;
    drop(conn);

    let base = state.base_url(&req);
    let url = format!("{base}/outbox");
    let pages = PageLinks {
        url: &url,
        pairs: &pairs,
        media_type: media::JSON,
    };
    let mut links = vec![pages.this(after.map(encode_cursor).as_deref())];
    if let (true, Some(last)) = (more, rows.last()) {
        links.push(pages.next(&encode_cursor(After {
            created_at: last.created_at,
            id: last.id,
        })));
    }
    let mails: Vec<OutboxMail> = rows.into_iter().map(|row| to_wire(&base, row)).collect();
    Ok(HttpResponse::Ok().json(OutboxList {
        number_returned: mails.len(),
        mails,
        links,
    }))
}

/// Queues a failed mail again, due at once, with its attempts counted
/// from 0 (after the mail server or the address was put right). A mail
/// that is not failed is answered 409 and left as it is. Planners only.
#[utoipa::path(
    tag = "Mail",
    security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "The mail's id")),
    responses(
        (status = 200, description = "The mail, queued again", body = OutboxMail),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        problems::ForPlanners,
        (status = 404, description = "No mail has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The mail is not failed (it is queued or sent)", body = Problem, content_type = "application/problem+json"),
        problems::Unavailable,
    )
)]
#[post("/outbox/{id}/retry")]
pub async fn retry_mail(
    req: HttpRequest,
    Planner(who): Planner,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = crate::http::params::resource_id(&path, "mail")?;
    only_format_param(req.query_string(), &["json"])?;
    let mut conn = state.conn().await?;
    let (row, queued) = conn
        .transaction(async |conn| outbox::requeue(conn, id).await)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no mail has the id {id}")))?;
    if !queued {
        return Err(ApiError::Conflict(format!(
            "mail {id} is {}: only a failed mail can be queued again",
            row.state
        )));
    }
    tracing::info!(mail = %id, by = %who, "failed mail queued again");
    Ok(HttpResponse::Ok().json(to_wire(&state.base_url(&req), row)))
}

/// A mail as the API shows it.
pub fn to_wire(base: &str, row: MailRow) -> OutboxMail {
    let state = row.state.parse().unwrap_or(MailState::Queued);
    let mut links = vec![];
    if let Some(enquiry) = row.enquiry_id {
        links.push(Link::new(
            format!("{base}/enquiries/{enquiry}"),
            "related",
            media::JSON,
            "The enquiry the mail tells of",
        ));
    }
    OutboxMail {
        id: row.id,
        // The CHECK constraints hold the columns to the lists.
        kind: row.kind.parse().unwrap_or(MailKind::EnquiryNotice),
        next_attempt_at: (state == MailState::Queued).then_some(row.next_attempt_at),
        state,
        enquiry_id: row.enquiry_id,
        recipient: row.recipient,
        subject: row.subject,
        lang: row.lang,
        attempts: row.attempts,
        last_error: row.last_error,
        created_at: row.created_at,
        sent_at: row.sent_at,
        links,
    }
}

fn encode_cursor(after: After) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "m:{}:{}",
        after.created_at.timestamp_micros(),
        after.id
    ))
}

fn decode_cursor(value: &str) -> Result<After, String> {
    let invalid = || "is not a cursor of this listing; follow the `next` links".to_owned();
    let bytes = URL_SAFE_NO_PAD.decode(value).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = text.splitn(3, ':');
    let (Some("m"), Some(micros), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid());
    };
    let created_at = micros
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(invalid)?;
    let id = Uuid::parse_str(id).map_err(|_| invalid())?;
    Ok(After { created_at, id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_forgeries_are_refused() {
        let after = After {
            created_at: DateTime::from_timestamp_micros(1_790_000_000_123_456).unwrap(),
            id: Uuid::new_v4(),
        };
        assert_eq!(decode_cursor(&encode_cursor(after)), Ok(after));
        // An enquiry listing's cursor is not one of this listing.
        let enquiry = URL_SAFE_NO_PAD.encode(format!("e:1:{}", Uuid::new_v4()));
        for bad in ["", "abc", &enquiry] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }
}
