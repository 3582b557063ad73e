//! Handlers of `/enquiries`: companies send, planners list, read and move them.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use strum::VariantNames;
use utoipa::IntoParams;
use uuid::Uuid;

use super::input::{self, Change, EnquiryInput};
use super::privacy::{self, Erased, Export, How};
use super::queries::{self, After, EnquiryFilter, EnquiryRow, EventRow, PlotSummary};
use super::wire::{
    Enquiry, EnquiryChange, EnquiryEvent, EnquiryList, EnquiryStatus, NewEnquiry, PlotRef,
};
use crate::config::RateLimit;
use crate::demand::record::{self, Demand, Source};
use crate::error::{ApiError, FieldError, Problem};
use crate::html::i18n::Lang;
use crate::http::body::{check_content_type, parse_json, read_body};
use crate::http::caller::{Admin, Caller, Planner};
use crate::http::client::client_address;
use crate::http::idempotency::{Idempotency, IdempotencyKeyHeader, Reply, Scope};
use crate::http::link::{Link, PageLinks};
use crate::http::media::MERGE_PATCH_JSON;
use crate::http::params::parse_limit;
use crate::http::params::{QueryParams, list_of, only_format_param};
use crate::http::{media, problems};
use crate::mail::reception;
use crate::mail::templates::EnquiryFacts;
use crate::matching::candidates::Candidates;
use crate::matching::needs::Needs;
use crate::plots::catalogue::COLLECTION_ID;
use crate::reception::rating;
use crate::state::AppState;

/// The largest body of an enquiry or of a change to one (413 past it).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Sends an enquiry about a plot or about a need. No key is needed. The body
/// is checked whole (every problem at once); a client address may send a
/// limited number in a while (`NAERINGSAREAL_ENQUIRY_RATE`, 5 in 10 minutes
/// by default; callers with a key are not limited). With the enquiry, in
/// its transaction, two mails are queued in the outbox: a notice to the
/// planners' reception address (`NAERINGSAREAL_RECEPTION_EMAIL`) and a
/// confirmation with the enquiry's `reference` to the company's `email`,
/// in the enquiry's `lang`.
#[utoipa::path(
    tag = "Enquiries",
    request_body(content = NewEnquiry, content_type = "application/json"),
    params(IdempotencyKeyHeader),
    responses(
        (status = 201, description = "The enquiry, as stored (or, for a retry with the same `Idempotency-Key`, as first stored)", body = Enquiry,
            headers(("Location" = String, description = "The enquiry's URL (for planners)"),
                ("Idempotent-Replayed" = String, description = "`true` when this is the first answer to an earlier request with the same `Idempotency-Key`"))),
        (status = 400, description = "The enquiry is not valid; every problem is in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "An Authorization header with an invalid key", body = Problem, content_type = "application/problem+json"),
        problems::Idempotent,
        problems::TooLarge16K,
        problems::NotJson,
        (status = 429, description = "This address has sent as many enquiries as it may for now", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until it may send again"))),
        problems::Unavailable,
    )
)]
#[post("/enquiries")]
pub async fn create_enquiry(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    candidates: web::Data<Candidates>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json"])?;
    check_content_type(&req, &[media::JSON])?;
    let raw = read_body(&req, payload, MAX_BODY_BYTES).await?;
    let scope = match &caller {
        Caller::Key { name, .. } => Scope::Key(name),
        Caller::Anonymous => Scope::Anonymous,
    };
    let idempotency = Idempotency::of(&req, scope, &raw, state.api.idempotency_ttl)?;
    let body = parse_json(&raw)?;
    let client = client_address(&req, state.api.trust_forwarded);
    // Planners entering an enquiry they took by phone are not limited.
    let rate = if caller.is_planner() {
        RateLimit::Off
    } else {
        state.api.enquiry_rate
    };
    let base = state.base_url(&req);
    // The language of the replies when the body does not say: the one the
    // company reads the site in (its choice on the pages, else
    // `Accept-Language`), else bokmål.
    let request_lang = Lang::of(&req);
    let reception_email = state.api.mail.reception_email.as_deref();
    let answer_working_days = state.api.answer_working_days;
    let mut conn = state.conn().await?;
    // The statement of needs is demand, with how many plots on offer meet
    // its hard requirements now (site matching's copy, as a search would).
    let demand = body.get("needs").and_then(Demand::of_enquiry);
    let mut found = 0;
    if let Some(demand) = &demand {
        candidates.refresh(&mut conn).await?;
        let (copy, needs) = (candidates.into_inner(), Needs::of_demand(demand));
        found = web::block(move || copy.rank(&needs, 1).candidates)
            .await
            .map_err(anyhow::Error::from)?;
    }
    let reply = conn
        .transaction(async |conn| {
            // A retry is answered before the rate limit: it creates nothing.
            if let Some(first) = idempotency.replay(conn).await? {
                return Ok(first);
            }
            if let RateLimit::Every { max, window } = rate {
                // Held until the transaction ends: this client's enquiries
                // are counted and stored one at a time.
                queries::lock_client(conn, &client).await?;
                if let Some(seconds) =
                    queries::rate_limited_for(conn, &client, max.get(), window).await?
                {
                    return Err(ApiError::TooManyRequests {
                        detail: format!(
                            "this address has sent {max} enquiries in the last {}; \
                             try again in {seconds} s, or call the municipality",
                            minutes(window.as_secs())
                        ),
                        retry_after_secs: seconds,
                    });
                }
            }
            let (input, plot) = validate(conn, &body).await?;
            let lang = input.lang.unwrap_or(request_lang);
            let row =
                queries::insert(conn, &input, lang, &client, answer_working_days).await?;
            if let Some(demand) = &demand {
                record::store(conn, Source::Enquiry(row.id), demand, found).await?;
            }
            // In this transaction: the mails exist exactly when the enquiry does.
            let mails = queue_mails(
                conn,
                &base,
                (&row, &input),
                plot.as_ref(),
                lang,
                reception_email,
            )
            .await?;
            tracing::info!(enquiry = %row.id, reference = %row.reference, plot = ?row.plot_id, mails = mails.len(), "enquiry received");
            let enquiry = to_wire(&base, row, plot, None);
            let reply = Reply::of(
                HttpResponse::Created()
                    .insert_header((header::LOCATION, format!("{base}/enquiries/{}", enquiry.id)))
                    .json(enquiry),
            )?;
            idempotency.record(conn, reply).await
        })
        .await?;
    Ok(reply.into_response())
}

/// Queues the reception's mails of the new enquiry `row`: the notice to
/// the planners (when a reception address is configured) and the
/// confirmation to the company.
async fn queue_mails(
    conn: &mut AsyncPgConnection,
    base: &str,
    (row, input): (&EnquiryRow, &EnquiryInput),
    plot: Option<&PlotSummary>,
    lang: Lang,
    reception_email: Option<&str>,
) -> Result<Vec<Uuid>, ApiError> {
    let link = format!("{base}/enquiries/{}", row.id);
    let facts = EnquiryFacts {
        reference: &row.reference,
        received: row.created_at,
        due: row.answer_due_at,
        name: &input.name,
        company: &input.company,
        organisation_number: &input.organisation_number,
        email: &input.email,
        phone: input.phone.as_deref(),
        message: &input.message,
        plot: plot.map(|p| (p.reference.as_str(), p.name.as_str())),
        needs: input.needs.as_ref(),
        link: &link,
    };
    Ok(reception::queue_enquiry_mails(conn, row.id, lang, &facts, reception_email).await?)
}

/// "10 minutes", "30 s", "2 hours".
fn minutes(secs: u64) -> String {
    match secs {
        s if s % 3600 == 0 => format!("{} hour{}", s / 3600, if s == 3600 { "" } else { "s" }),
        s if s % 60 == 0 => format!("{} minute{}", s / 60, if s == 60 { "" } else { "s" }),
        s => format!("{s} s"),
    }
}

/// Checks a new enquiry, the plot it names included (it must be on the
/// public register: published and not ended): every problem at once.
async fn validate(
    conn: &mut AsyncPgConnection,
    body: &serde_json::Value,
) -> Result<(EnquiryInput, Option<PlotSummary>), ApiError> {
    let (input, mut errors) = input::check_enquiry(body);
    // The plot is checked even when other fields are wrong, so that its
    // problem is reported with theirs.
    let plot_id = body
        .get("plot_id")
        .and_then(|v| v.as_str())
        .and_then(|s| Uuid::parse_str(s).ok());
    let mut plot = None;
    if let Some(id) = plot_id {
        plot = queries::plot(conn, id).await?;
        let reason = match &plot {
            // An unpublished plot is not there for the public.
            None
            | Some(PlotSummary {
                published: false, ..
            }) => Some(format!("no plot on the register has the id {id}")),
            Some(PlotSummary {
                ended_at: Some(ended),
                reference,
                end_reason,
                ..
            }) => Some(format!(
                "plot {reference} is no longer on offer (ended {}: {}); ask about a need instead",
                ended.date_naive(),
                end_reason.as_deref().unwrap_or_default()
            )),
            Some(_) => None,
        };
        if let Some(reason) = reason {
            errors.push(FieldError::new("plot_id", reason));
        }
    }
    match input {
        Some(input) if errors.is_empty() => Ok((input, plot)),
        _ => Err(ApiError::InvalidBody(errors)),
    }
}

/// Query parameters of the enquiry listing. Filters take one value or a
/// comma-separated list (any of them matches).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EnquiriesQuery {
    /// Page size (described by its schema).
    #[param(schema_with = crate::http::params::limit_schema)]
    pub limit: Option<u32>,
    /// Opaque position of a page, from a `next` link.
    pub cursor: Option<String>,
    /// Only enquiries with this status, or any of a comma-separated list.
    #[param(value_type = Option<EnquiryStatus>, example = "new")]
    pub status: Option<String>,
    /// Only enquiries assigned to this planner (an API key's name), or to
    /// any of a comma-separated list.
    #[param(example = "kari.nordmann")]
    pub assigned_to: Option<String>,
    /// Only enquiries about this plot (its id), or any of a comma-separated list.
    #[param(example = "0b7f3c52-5d7e-4a8e-9d43-0a6f2f8e1c11")]
    pub plot_id: Option<String>,
    /// `true`: only enquiries whose first answer is late (due, and none
    /// yet), the overdue list; `false`: only the others.
    pub overdue: Option<bool>,
    /// Output format; only JSON is served.
    pub f: Option<String>,
}

const LIST_PARAMS: &[&str] = &[
    "limit",
    "cursor",
    "status",
    "assigned_to",
    "plot_id",
    "overdue",
    "f",
];

/// The enquiries, newest first, a page at a time. Planners only.
#[utoipa::path(
    tag = "Enquiries",
    security(("api_key" = [])),
    params(EnquiriesQuery),
    responses(
        (status = 200, description = "A page of enquiries", body = EnquiryList),
        problems::BadQueryNamed,
        problems::Unauthorized,
        problems::Unavailable,
    )
)]
#[get("/enquiries")]
pub async fn list_enquiries(
    req: HttpRequest,
    Planner(who): Planner,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut p = QueryParams::parse(req.query_string());
    p.check_format(&["json"]);
    let limit = p
        .parsed("limit", parse_limit)
        .unwrap_or(state.api.default_limit.get())
        .min(state.api.max_limit.get());
    let after = p.parsed("cursor", decode_cursor);
    let filter = EnquiryFilter {
        status: p
            .parsed("status", |v| {
                list_of(v, |s| {
                    s.parse::<EnquiryStatus>()
                        .map(|st| st.as_ref().to_owned())
                        .map_err(|_| {
                            format!("`{s}` is not one of {}", EnquiryStatus::VARIANTS.join(", "))
                        })
                })
            })
            .unwrap_or_default(),
        assigned_to: p
            .parsed("assigned_to", |v| {
                list_of(v, |s| {
                    crate::keys::store::check_name(s).map(|()| s.to_owned())
                })
            })
            .unwrap_or_default(),
        plot_id: p
            .parsed("plot_id", |v| {
                list_of(v, |s| {
                    Uuid::parse_str(s).map_err(|_| format!("`{s}` is not a plot id (a UUID)"))
                })
            })
            .unwrap_or_default(),
        overdue: p.parsed("overdue", |v| match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(format!("`{v}` is not `true` or `false`")),
        }),
    };
    let pairs = p.finish(LIST_PARAMS)?;
    let mut conn = state.conn().await?;
    let (rows, more) = queries::list(&mut conn, &filter, after, i64::from(limit)).await?;
    let ids: Vec<Uuid> = rows.iter().map(|(row, _)| row.id).collect();
    privacy::log_reads(&mut conn, &ids, &who, How::List).await?;
    drop(conn);

    let base = state.base_url(&req);
    let url = format!("{base}/enquiries");
    let pages = PageLinks {
        url: &url,
        pairs: &pairs,
        media_type: media::JSON,
    };
    let mut links = vec![pages.this(after.map(encode_cursor).as_deref())];
    if let (true, Some((last, _))) = (more, rows.last()) {
        links.push(pages.next(&encode_cursor(After {
            created_at: last.created_at,
            id: last.id,
        })));
    }
    let enquiries: Vec<Enquiry> = rows
        .into_iter()
        .map(|(row, plot)| to_wire(&base, row, plot, None))
        .collect();
    Ok(HttpResponse::Ok().json(EnquiryList {
        number_returned: enquiries.len(),
        enquiries,
        links,
    }))
}

/// One enquiry with its workflow history and its plot (also when the plot
/// has ended since). Planners only.
#[utoipa::path(
    tag = "Enquiries",
    security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "The enquiry's id")),
    responses(
        (status = 200, description = "The enquiry and its history", body = Enquiry),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        problems::Unauthorized,
        problems::EnquiryNotFound,
        problems::Unavailable,
    )
)]
#[get("/enquiries/{id}")]
pub async fn get_enquiry(
    req: HttpRequest,
    Planner(who): Planner,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    only_format_param(req.query_string(), &["json"])?;
    let mut conn = state.conn().await?;
    let enquiry = read(&mut conn, &state.base_url(&req), id).await?;
    privacy::log_reads(&mut conn, &[id], &who, How::One).await?;
    Ok(HttpResponse::Ok().json(enquiry))
}

/// The enquiry `id` as the API shows it, with its history; 404 if none.
async fn read(conn: &mut AsyncPgConnection, base: &str, id: Uuid) -> Result<Enquiry, ApiError> {
    let (row, plot) = queries::get(conn, id).await?.ok_or_else(|| not_found(id))?;
    let events = queries::events(conn, id).await?;
    Ok(to_wire(base, row, plot, Some(events)))
}

/// Moves an enquiry on, assigns it, or adds a note; each change is recorded
/// with the caller's key name. Planners only.
#[utoipa::path(
    tag = "Enquiries",
    security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "The enquiry's id")),
    request_body(content = EnquiryChange, content_type = "application/json"),
    responses(
        (status = 200, description = "The enquiry after the change, with its history", body = Enquiry),
        (status = 400, description = "The change is not valid (a note missing, an unknown key, …); every problem is in `errors`", body = Problem, content_type = "application/problem+json"),
        problems::Unauthorized,
        problems::EnquiryNotFound,
        (status = 409, description = "The enquiry cannot move to that status from where it is", body = Problem, content_type = "application/problem+json"),
        problems::TooLarge16K,
        problems::NotJson,
        problems::Unavailable,
    )
)]
#[patch("/enquiries/{id}")]
pub async fn update_enquiry(
    req: HttpRequest,
    Planner(who): Planner,
    path: web::Path<String>,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path)?;
    only_format_param(req.query_string(), &["json"])?;
    check_content_type(&req, &[media::JSON, MERGE_PATCH_JSON])?;
    let body = parse_json(&read_body(&req, payload, MAX_BODY_BYTES).await?)?;
    let (change, errors) = input::check_change(&body);
    let base = state.base_url(&req);
    let reception_email = state.api.mail.reception_email.as_deref();
    let mut conn = state.conn().await?;
    let enquiry = conn
        .transaction(async |conn| {
            let current = queries::lock(conn, id)
                .await?
                .ok_or_else(|| not_found(id))?;
            let closed = apply(conn, &current, change, errors, &who).await?;
            if closed {
                queue_rating_request(conn, &base, &current, reception_email).await?;
            }
            privacy::log_reads(conn, &[id], &who, How::One).await?;
            read(conn, &base, id).await
        })
        .await?;
    Ok(HttpResponse::Ok().json(enquiry))
}

/// Checks `change` against the enquiry as it is (locked) and makes it;
/// whether it closed the enquiry.
async fn apply(
    conn: &mut AsyncPgConnection,
    current: &EnquiryRow,
    change: Change,
    mut errors: Vec<FieldError>,
    who: &str,
) -> Result<bool, ApiError> {
    if let Some(Some(name)) = &change.assigned_to {
        match queries::key_state(conn, name).await? {
            None => errors.push(FieldError::new(
                "assigned_to",
                format!("no API key is named `{name}`"),
            )),
            Some(Some(revoked)) => errors.push(FieldError::new(
                "assigned_to",
                format!("the key `{name}` was revoked on {}", revoked.date_naive()),
            )),
            Some(None) => {}
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::InvalidBody(errors));
    }
    if current.erased_at.is_some() {
        return Err(ApiError::Conflict(format!(
            "enquiry {} is closed and its personal data was erased: it cannot be changed or reopened",
            current.reference
        )));
    }
    let from = status_of(&current.status);
    let to = change.status.unwrap_or(from);
    if from == EnquiryStatus::Closed && to == from {
        return Err(ApiError::Conflict(format!(
            "enquiry {} is closed: reopen it (status in_progress, with a note) to change it",
            current.id
        )));
    }
    if from != to {
        input::check_transition(from, to).map_err(ApiError::Conflict)?;
    }
    if input::needs_note(from, to) && change.note.is_none() {
        return Err(ApiError::InvalidBody(vec![FieldError::new(
            "note",
            format!(
                "is required to move an enquiry from {} to {}: say what was answered, or why",
                from.as_ref(),
                to.as_ref()
            ),
        )]));
    }
    let assigned_to = match change.assigned_to {
        Some(assignee) => assignee,
        // Taking a new enquiry makes it the taker's, unless it is someone's.
        None if from == EnquiryStatus::New && to == EnquiryStatus::InProgress => {
            current.assigned_to.clone().or_else(|| Some(who.to_owned()))
        }
        None => current.assigned_to.clone(),
    };
    if from == to && assigned_to == current.assigned_to && change.note.is_none() {
        // Nothing changes: nothing to record.
        return Ok(false);
    }
    queries::change(
        conn,
        current,
        to.as_ref(),
        assigned_to.as_deref(),
        change.note.as_deref(),
        who,
    )
    .await?;
    tracing::info!(enquiry = %current.id, from = from.as_ref(), to = to.as_ref(), by = %who, "enquiry changed");
    Ok(to == EnquiryStatus::Closed && from != to)
}

/// Queues the request to rate the reception to the company of the enquiry
/// `closed` has just closed (once per enquiry).
async fn queue_rating_request(
    conn: &mut AsyncPgConnection,
    base: &str,
    closed: &EnquiryRow,
    reception_email: Option<&str>,
) -> Result<(), ApiError> {
    let (Some(name), Some(email)) = (&closed.name, &closed.email) else {
        return Ok(());
    };
    let lang = Lang::parse(&closed.lang).unwrap_or(Lang::Nb);
    let link = format!(
        "{}&lang={}",
        rating::link(conn, base, closed.id).await?,
        lang.tag()
    );
    reception::queue_rating_request(
        conn,
        closed.id,
        lang,
        (&closed.reference, name, email),
        &link,
        reception_email,
    )
    .await?;
    Ok(())
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::NotFound(format!("no enquiry has the id {id}"))
}

fn parse_id(path: &str) -> Result<Uuid, ApiError> {
    crate::http::params::resource_id(path, "enquiry")
}

/// A status as stored; the CHECK constraint holds the column to the list.
fn status_of(stored: &str) -> EnquiryStatus {
    stored.parse().unwrap_or(EnquiryStatus::New)
}

/// The enquiry as the API shows it.
fn to_wire(
    base: &str,
    row: EnquiryRow,
    plot: Option<PlotSummary>,
    events: Option<Vec<EventRow>>,
) -> Enquiry {
    let mut links = vec![Link::new(
        format!("{base}/enquiries/{}", row.id),
        "self",
        media::JSON,
        "This enquiry",
    )];
    if let Some(plot) = &plot {
        links.push(Link::new(
            format!("{base}/collections/{COLLECTION_ID}/items/{}", plot.id),
            "related",
            media::GEOJSON,
            &format!("The plot asked about, {}", plot.reference),
        ));
    }
    let overdue = row.overdue(Utc::now());
    Enquiry {
        id: row.id,
        reference: row.reference,
        lang: row.lang,
        plot: plot.map(|p| PlotRef {
            id: p.id,
            reference: p.reference,
            name: p.name,
            status: p.status,
            ended_at: p.ended_at,
            end_reason: p.end_reason,
        }),
        name: row.name,
        company: row.company,
        organisation_number: row.organisation_number,
        email: row.email,
        phone: row.phone,
        message: row.message,
        needs: row.needs,
        status: status_of(&row.status),
        overdue,
        assigned_to: row.assigned_to,
        created_at: row.created_at,
        updated_at: row.updated_at,
        answer_due_at: row.answer_due_at,
        answered_at: row.answered_at,
        closed_at: row.closed_at,
        erased_at: row.erased_at,
        events: events.map(|events| {
            events
                .into_iter()
                .map(|e| EnquiryEvent {
                    at: e.at,
                    by: e.by,
                    from_status: status_of(&e.from_status),
                    to_status: status_of(&e.to_status),
                    assigned_to: e.assigned_to,
                    note: e.note,
                })
                .collect()
        }),
        links,
    }
}

/// The opaque text of a position in the listing: the last enquiry's
/// creation time (in microseconds, the database's precision) and id.
fn encode_cursor(after: After) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "e:{}:{}",
        after.created_at.timestamp_micros(),
        after.id
    ))
}

fn decode_cursor(value: &str) -> Result<After, String> {
    let invalid = || "is not a cursor of this listing; follow the `next` links".to_owned();
    let bytes = URL_SAFE_NO_PAD.decode(value).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = text.splitn(3, ':');
    let (Some("e"), Some(micros), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
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
        for bad in ["", "abc", &URL_SAFE_NO_PAD.encode("a:1:x")] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn windows_are_said_in_words() {
        assert_eq!(minutes(600), "10 minutes");
        assert_eq!(minutes(60), "1 minute");
        assert_eq!(minutes(7200), "2 hours");
        assert_eq!(minutes(45), "45 s");
    }
}

/// Everything held about the enquirer `email`, with links under `base`,
/// logged as read by `by` (a key's name, or the command line).
pub async fn export_of(
    conn: &mut AsyncPgConnection,
    base: &str,
    email: &str,
    by: &str,
) -> Result<Export, ApiError> {
    privacy::export(conn, email, by, |row, plot, events| {
        to_wire(base, row, plot, Some(events))
    })
    .await
}

/// The body of a request about one enquirer.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Enquirer {
    /// The e-mail address the enquirer wrote from (any case).
    #[schema(example = "kari@eksempel.no")]
    pub email: String,
}

async fn enquirer(req: &HttpRequest, payload: web::Payload) -> Result<String, ApiError> {
    check_content_type(req, &[media::JSON])?;
    let body = read_body(req, payload, MAX_BODY_BYTES).await?;
    let enquirer: Enquirer =
        crate::http::body::parse_body(&body, "an enquirer (`{\"email\": …}`)")?;
    let email = enquirer.email.trim().to_owned();
    crate::contact::check_email(&email)
        .map_err(|reason| ApiError::InvalidBody(vec![FieldError::new("email", reason)]))?;
    Ok(email)
}

/// Everything the registry holds about one enquirer (the GDPR's right of
/// access): their enquiries with their history, and who has read each.
/// The export is logged as a read. Admins only.
#[utoipa::path(
    tag = "Enquiries",
    security(("api_key" = [])),
    request_body(content = Enquirer, content_type = "application/json"),
    responses(
        (status = 200, description = "The enquirer's data (no enquiries: an empty list)", body = Export),
        (status = 400, description = "Not an e-mail address", body = Problem, content_type = "application/problem+json"),
        problems::ForAdmins,
        problems::TooLarge16K,
        problems::NotJson,
        problems::Unavailable,
    )
)]
#[post("/privacy/export")]
pub async fn export_enquirer(
    req: HttpRequest,
    Admin(who): Admin,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json"])?;
    let email = enquirer(&req, payload).await?;
    let mut conn = state.conn().await?;
    let export = export_of(&mut conn, &state.base_url(&req), &email, &who).await?;
    tracing::info!(by = %who, enquiries = export.enquiries.len(), "an enquirer's data exported");
    Ok(HttpResponse::Ok().json(export))
}

/// Erases one enquirer (the GDPR's right to erasure): their enquiries with
/// their history, and the stored answers of retries that hold them; their
/// demand records stay, anonymous. All or nothing. Admins only.
#[utoipa::path(
    tag = "Enquiries",
    security(("api_key" = [])),
    request_body(content = Enquirer, content_type = "application/json"),
    responses(
        (status = 200, description = "What was erased (nothing: zeros)", body = Erased),
        (status = 400, description = "Not an e-mail address", body = Problem, content_type = "application/problem+json"),
        problems::ForAdmins,
        problems::TooLarge16K,
        problems::NotJson,
        problems::Unavailable,
    )
)]
#[post("/privacy/erase")]
pub async fn erase_enquirer(
    req: HttpRequest,
    Admin(who): Admin,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    only_format_param(req.query_string(), &["json"])?;
    let email = enquirer(&req, payload).await?;
    let mut conn = state.conn().await?;
    let erased = privacy::erase(&mut conn, &email).await?;
    tracing::info!(by = %who, enquiries = erased.enquiries, stored_answers = erased.stored_answers, "an enquirer erased");
    Ok(HttpResponse::Ok().json(erased))
}
