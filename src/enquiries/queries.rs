//! Queries on `enquiries` and `enquiry_events`. Free functions taking
//! `&mut conn`, returning `QueryResult`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::input::EnquiryInput;
use crate::db::schema::{api_keys, enquiries, enquiry_events, plots};
use crate::html::i18n::Lang;

/// An enquiry's columns but the client's address (which never leaves the
/// database). The personal fields are `None` once erased.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = enquiries, check_for_backend(Pg))]
pub struct EnquiryRow {
    pub id: Uuid,
    pub plot_id: Option<Uuid>,
    pub name: Option<String>,
    pub company: Option<String>,
    pub organisation_number: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub message: Option<String>,
    pub needs: Option<Value>,
    pub status: String,
    pub assigned_to: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Its reference number, `HEN-000042`.
    pub reference: String,
    /// The language of its replies, `nb` or `en`.
    pub lang: String,
    /// When its first answer is due (the target when it arrived).
    pub answer_due_at: DateTime<Utc>,
    /// When it first got an answer, or was closed without one.
    pub answered_at: Option<DateTime<Utc>>,
    /// When it was closed, while it is.
    pub closed_at: Option<DateTime<Utc>>,
    /// When its personal fields were erased.
    pub erased_at: Option<DateTime<Utc>>,
}

impl EnquiryRow {
    /// Its first answer is late: due, and none yet.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.answered_at.is_none() && self.answer_due_at < now
    }
}

/// What an enquiry shows of its plot, and what a submission checks.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plots, check_for_backend(Pg))]
pub struct PlotSummary {
    pub id: Uuid,
    pub reference: String,
    pub name: String,
    pub status: String,
    pub published: bool,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
}

/// An enquiry with its plot, if it has one.
pub type EnquiryWithPlot = (EnquiryRow, Option<PlotSummary>);

/// One workflow change.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = enquiry_events, check_for_backend(Pg))]
pub struct EventRow {
    pub at: DateTime<Utc>,
    pub by: String,
    pub from_status: String,
    pub to_status: String,
    pub assigned_to: Option<String>,
    pub note: Option<String>,
    pub note_erased: bool,
}

/// Which enquiries a listing selects. Empty lists and `None` mean "any".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnquiryFilter {
    pub status: Vec<String>,
    pub assigned_to: Vec<String>,
    pub plot_id: Vec<Uuid>,
    /// Only those whose first answer is late (`true`), or not (`false`).
    pub overdue: Option<bool>,
}

/// Where a page starts: after this enquiry in the order newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

/// Serialises the enquiries one client sends, until the transaction ends,
/// so that two sent at once cannot both pass the rate limit; on the
/// database, so it holds across workers and replicas.
pub async fn lock_client(conn: &mut AsyncPgConnection, client: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<Text, _>(format!("naeringsareal.enquiries:{client}"))
        .execute(conn)
        .await
        .map(drop)
}

/// When `client` may send again, in seconds from now, if it has sent `max`
/// or more enquiries in the last `window`: the moment the `max`-th newest
/// of them leaves the window. `None` while it is under the limit. The
/// database's clock decides, the same clock that stamps `created_at`.
pub async fn rate_limited_for(
    conn: &mut AsyncPgConnection,
    client: &str,
    max: u32,
    window: Duration,
) -> QueryResult<Option<u64>> {
    #[derive(QueryableByName)]
    struct Wait {
        #[diesel(sql_type = BigInt)]
        seconds: i64,
    }
    let wait = diesel::sql_query(include_str!("sql/rate_limited_for.sql"))
        .bind::<Text, _>(client)
        .bind::<Double, _>(window.as_secs_f64())
        .bind::<BigInt, _>(i64::from(max) - 1)
        .get_result::<Wait>(conn)
        .await
        .optional()?;
    Ok(wait.map(|w| w.seconds.max(1) as u64))
}

/// The plot `id`, ended or not, published or not.
pub async fn plot(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<PlotSummary>> {
    plots::table
        .find(id)
        .select(PlotSummary::as_select())
        .first(conn)
        .await
        .optional()
}

/// Stores a new enquiry from `client`, in `lang`, its first answer due by
/// the end of the `working_days`-th working day after today (its reference
/// number and due time come from the database).
pub async fn insert(
    conn: &mut AsyncPgConnection,
    input: &EnquiryInput,
    lang: Lang,
    client: &str,
    working_days: u32,
) -> QueryResult<EnquiryRow> {
    let due = diesel::dsl::sql::<Timestamptz>("answer_due(now(), ")
        .bind::<Integer, _>(working_days as i32)
        .sql(")");
    diesel::insert_into(enquiries::table)
        .values((
            enquiries::plot_id.eq(input.plot_id),
            enquiries::name.eq(&input.name),
            enquiries::company.eq(&input.company),
            enquiries::organisation_number.eq(&input.organisation_number),
            enquiries::email.eq(&input.email),
            enquiries::phone.eq(&input.phone),
            enquiries::message.eq(&input.message),
            enquiries::needs.eq(&input.needs),
            enquiries::client_address.eq(client),
            enquiries::lang.eq(lang.tag()),
            enquiries::answer_due_at.eq(due),
        ))
        .returning(EnquiryRow::as_returning())
        .get_result(conn)
        .await
}

/// One page of enquiries, newest first: up to `limit` rows, and whether
/// there are more.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &EnquiryFilter,
    after: Option<After>,
    limit: i64,
) -> QueryResult<(Vec<EnquiryWithPlot>, bool)> {
    let mut query = enquiries::table
        .left_join(plots::table)
        .select((EnquiryRow::as_select(), Option::<PlotSummary>::as_select()))
        .into_boxed();
    if !filter.status.is_empty() {
        query = query.filter(enquiries::status.eq_any(&filter.status));
    }
    if !filter.assigned_to.is_empty() {
        query = query.filter(enquiries::assigned_to.eq_any(&filter.assigned_to));
    }
    if !filter.plot_id.is_empty() {
        query = query.filter(enquiries::plot_id.eq_any(&filter.plot_id));
    }
    match filter.overdue {
        Some(true) => {
            query = query.filter(
                enquiries::answered_at
                    .is_null()
                    .and(enquiries::answer_due_at.lt(diesel::dsl::now)),
            )
        }
        Some(false) => {
            query = query.filter(
                enquiries::answered_at
                    .is_not_null()
                    .or(enquiries::answer_due_at.ge(diesel::dsl::now)),
            )
        }
        None => {}
    }
    if let Some(after) = after {
        query = query.filter(
            enquiries::created_at
                .lt(after.created_at)
                .or(enquiries::created_at
                    .eq(after.created_at)
                    .and(enquiries::id.lt(after.id))),
        );
    }
    let mut rows: Vec<EnquiryWithPlot> = query
        .order((enquiries::created_at.desc(), enquiries::id.desc()))
        .limit(limit + 1)
        .load(conn)
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// The enquiry `id` with its plot.
pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<EnquiryWithPlot>> {
    enquiries::table
        .left_join(plots::table)
        .filter(enquiries::id.eq(id))
        .select((EnquiryRow::as_select(), Option::<PlotSummary>::as_select()))
        .first(conn)
        .await
        .optional()
}

/// The enquiry `id`, locked until the transaction ends.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<EnquiryRow>> {
    enquiries::table
        .find(id)
        .select(EnquiryRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Sets an enquiry's status and assignee and records the change, by `by`:
/// its first answer is when it first moves to answered or closed; it is
/// closed from when it moves to closed until it is reopened.
pub async fn change(
    conn: &mut AsyncPgConnection,
    current: &EnquiryRow,
    to_status: &str,
    assigned_to: Option<&str>,
    note: Option<&str>,
    by: &str,
) -> QueryResult<()> {
    // The database's clock, the one that stamps `created_at` and the events.
    diesel::sql_query(
        "UPDATE enquiries SET status = $2, assigned_to = $3, updated_at = now(),
             answered_at = CASE WHEN answered_at IS NULL AND $2 IN ('answered', 'closed')
                                THEN now() ELSE answered_at END,
             closed_at = CASE WHEN $2 <> 'closed' THEN NULL
                              WHEN status = 'closed' THEN closed_at ELSE now() END
         WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(current.id)
    .bind::<Text, _>(to_status)
    .bind::<diesel::sql_types::Nullable<Text>, _>(assigned_to)
    .execute(conn)
    .await?;
    diesel::insert_into(enquiry_events::table)
        .values((
            enquiry_events::enquiry_id.eq(current.id),
            enquiry_events::by.eq(by),
            enquiry_events::from_status.eq(&current.status),
            enquiry_events::to_status.eq(to_status),
            enquiry_events::assigned_to.eq(assigned_to),
            enquiry_events::note.eq(note),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Every workflow change of the enquiry `id`, oldest first.
pub async fn events(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<EventRow>> {
    enquiry_events::table
        .filter(enquiry_events::enquiry_id.eq(id))
        .select(EventRow::as_select())
        .order(enquiry_events::id)
        .load(conn)
        .await
}

/// The key named `name`: `None` when there is none, `Some(None)` when it is
/// valid, `Some(Some(t))` when it was revoked at `t`.
pub async fn key_state(
    conn: &mut AsyncPgConnection,
    name: &str,
) -> QueryResult<Option<Option<DateTime<Utc>>>> {
    api_keys::table
        .filter(api_keys::name.eq(name))
        .select(api_keys::revoked_at)
        .first(conn)
        .await
        .optional()
}
