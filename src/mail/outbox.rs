//! The transactional outbox (`mail_outbox`): mails are queued in the
//! transaction of what they tell of, so that they exist exactly when it
//! does, and the sender takes them from here. Free functions taking
//! `&mut conn`, returning `QueryResult`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Double, Integer, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::wire::{MailKind, MailState};
use crate::db::schema::mail_outbox;
use crate::html::i18n::Lang;

/// A mail of the outbox, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_outbox, check_for_backend(Pg))]
pub struct MailRow {
    pub id: Uuid,
    pub kind: String,
    pub enquiry_id: Option<Uuid>,
    pub recipient: String,
    pub reply_to: Option<String>,
    pub lang: String,
    pub subject: String,
    pub body: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub list_unsubscribe: Option<String>,
}

/// A mail to queue.
#[derive(Debug, Clone)]
pub struct NewMail<'a> {
    pub kind: MailKind,
    pub enquiry_id: Option<Uuid>,
    pub recipient: &'a str,
    pub reply_to: Option<&'a str>,
    pub lang: Lang,
    pub subject: String,
    pub body: String,
    /// The alert the mail belongs to.
    pub alert_id: Option<Uuid>,
    /// The one-click unsubscribe URL (`List-Unsubscribe`), for mails a
    /// company asked for.
    pub list_unsubscribe: Option<String>,
}

/// Queues `mails`, due at once; their ids, in order. Call it inside the
/// transaction of what the mails tell of.
pub async fn queue(conn: &mut AsyncPgConnection, mails: &[NewMail<'_>]) -> QueryResult<Vec<Uuid>> {
    let rows: Vec<_> = mails
        .iter()
        .map(|m| {
            (
                mail_outbox::kind.eq(m.kind.as_ref()),
                mail_outbox::enquiry_id.eq(m.enquiry_id),
                mail_outbox::recipient.eq(m.recipient),
                mail_outbox::reply_to.eq(m.reply_to),
                mail_outbox::lang.eq(m.lang.tag()),
                mail_outbox::subject.eq(&m.subject),
                mail_outbox::body.eq(&m.body),
                mail_outbox::alert_id.eq(m.alert_id),
                mail_outbox::list_unsubscribe.eq(&m.list_unsubscribe),
            )
        })
        .collect();
    diesel::insert_into(mail_outbox::table)
        .values(rows)
        .returning(mail_outbox::id)
        .get_results(conn)
        .await
}

/// Whether a mail of `kind` about the enquiry `enquiry_id` was ever queued.
pub async fn has(
    conn: &mut AsyncPgConnection,
    enquiry_id: Uuid,
    kind: MailKind,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        mail_outbox::table
            .filter(mail_outbox::enquiry_id.eq(enquiry_id))
            .filter(mail_outbox::kind.eq(kind.as_ref())),
    ))
    .get_result(conn)
    .await
}

/// The queued mail that has been due longest, locked until the transaction
/// ends; mails another sender holds are skipped (`FOR UPDATE SKIP LOCKED`),
/// so two senders never take the same mail.
pub async fn take_due(conn: &mut AsyncPgConnection) -> QueryResult<Option<MailRow>> {
    mail_outbox::table
        .select(MailRow::as_select())
        .filter(mail_outbox::state.eq(MailState::Queued.as_ref()))
        .filter(mail_outbox::next_attempt_at.le(diesel::dsl::now))
        .order((mail_outbox::next_attempt_at, mail_outbox::id))
        .for_update()
        .skip_locked()
        .first(conn)
        .await
        .optional()
}

/// Marks the mail `id` sent, counting the attempt.
pub async fn mark_sent(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE mail_outbox SET state = 'sent', sent_at = now(), attempts = attempts + 1 \
         WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .execute(conn)
    .await
    .map(drop)
}

/// Counts a failed attempt at the mail `id` and sets it to be tried again
/// `after` from now (by the database's clock, the one `take_due` reads).
pub async fn mark_retry(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    after: Duration,
    error: &str,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $3, \
         next_attempt_at = now() + make_interval(secs => $2) WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<Double, _>(after.as_secs_f64())
    .bind::<Text, _>(clip(error))
    .execute(conn)
    .await
    .map(drop)
}

/// Counts a failed attempt at the mail `id` and gives it up.
pub async fn mark_failed(conn: &mut AsyncPgConnection, id: Uuid, error: &str) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE mail_outbox SET state = 'failed', attempts = attempts + 1, last_error = $2 \
         WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<Text, _>(clip(error))
    .execute(conn)
    .await
    .map(drop)
}

/// The column holds 2000 characters of an error.
fn clip(error: &str) -> String {
    error.chars().take(2000).collect()
}

/// Queues the failed mail `id` again, due at once, with its attempts back
/// at 0 (its last error stays, for the record): the mail and `true`.
/// `None` when no mail has that id; the mail as it is and `false` when it
/// is not failed (nothing changes).
pub async fn requeue(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<(MailRow, bool)>> {
    let row = mail_outbox::table
        .find(id)
        .select(MailRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?;
    match row {
        Some(row) if row.state == MailState::Failed.as_ref() => {
            diesel::update(mail_outbox::table.find(id))
                .set((
                    mail_outbox::state.eq(MailState::Queued.as_ref()),
                    mail_outbox::attempts.eq(0),
                    mail_outbox::next_attempt_at.eq(diesel::dsl::now),
                ))
                .returning(MailRow::as_returning())
                .get_result(conn)
                .await
                .map(|row| Some((row, true)))
        }
        other => Ok(other.map(|row| (row, false))),
    }
}

/// Where a page of the listing starts: after this mail, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

/// One page of the outbox, newest first, of the given states (all when
/// empty): up to `limit` mails, and whether there are more.
pub async fn list(
    conn: &mut AsyncPgConnection,
    states: &[String],
    after: Option<After>,
    limit: i64,
) -> QueryResult<(Vec<MailRow>, bool)> {
    let mut query = mail_outbox::table.select(MailRow::as_select()).into_boxed();
    if !states.is_empty() {
        query = query.filter(mail_outbox::state.eq_any(states));
    }
    if let Some(after) = after {
        query = query.filter(
            mail_outbox::created_at
                .lt(after.created_at)
                .or(mail_outbox::created_at
                    .eq(after.created_at)
                    .and(mail_outbox::id.lt(after.id))),
        );
    }
    let mut rows: Vec<MailRow> = query
        .order((mail_outbox::created_at.desc(), mail_outbox::id.desc()))
        .limit(limit + 1)
        .load(conn)
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// The mails of the enquiry `id`, oldest first.
pub async fn of_enquiry(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<MailRow>> {
    mail_outbox::table
        .filter(mail_outbox::enquiry_id.eq(id))
        .order((mail_outbox::created_at, mail_outbox::kind))
        .select(MailRow::as_select())
        .load(conn)
        .await
}

/// How many mails are in each state, and how long the oldest queued one
/// has waited.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    pub queued: u64,
    pub sent: u64,
    pub failed: u64,
    /// Seconds since the oldest queued mail was queued; 0 when none is.
    pub oldest_queued_secs: f64,
}

/// The outbox's counts, for `/metrics`.
pub async fn counts(conn: &mut AsyncPgConnection) -> QueryResult<Counts> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        state: String,
        #[diesel(sql_type = Integer)]
        n: i32,
        #[diesel(sql_type = Double)]
        oldest: f64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT state, count(*)::integer AS n, \
                coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest \
         FROM mail_outbox GROUP BY state",
    )
    .load(conn)
    .await?;
    let mut counts = Counts::default();
    for row in rows {
        let n = u64::try_from(row.n).unwrap_or(0);
        match row.state.as_str() {
            "queued" => {
                counts.queued = n;
                counts.oldest_queued_secs = row.oldest;
            }
            "sent" => counts.sent = n,
            _ => counts.failed = n,
        }
    }
    Ok(counts)
}

/// Drops the mails of the alert `id` that are still queued (it was ended:
/// nothing more goes to its address); how many.
pub async fn drop_queued_of_alert(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(
        mail_outbox::table
            .filter(mail_outbox::alert_id.eq(id))
            .filter(mail_outbox::state.eq(MailState::Queued.as_ref())),
    )
    .execute(conn)
    .await
}
