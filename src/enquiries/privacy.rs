//! Enquirers are people: every read of an enquiry by a key is logged (who,
//! when, how); one enquirer's data can be exported or erased on request
//! (the GDPR's rights of access and erasure), by admins through the API or
//! the CLI; and every enquiry's personal data is erased a set time after it
//! closed (the retention time), hourly.
//!
//! Erasing an enquiry empties its personal fields in place (name, company,
//! organisation number, e-mail, phone, message, the client's address), its
//! planners' notes and its rating's comment, and deletes its mails and the
//! stored answers of its retries; the enquiry stays, anonymous, with its
//! times, status and plot, for the response times, ratings and demand. An
//! erasure on request also deletes the address's alerts and other mails.
//! The read log stays (it holds no personal data).

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Integer, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::queries;
use super::wire::Enquiry;
use crate::error::ApiError;

/// How an enquiry was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// In a page of the listing.
    List,
    /// On its own.
    One,
    /// In an export of the enquirer's data.
    Export,
}

impl How {
    fn name(self) -> &'static str {
        match self {
            How::List => "list",
            How::One => "one",
            How::Export => "export",
        }
    }
}

/// Logs that the key `by` read the enquiries `ids`.
pub async fn log_reads(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    by: &str,
    how: How,
) -> Result<(), ApiError> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO enquiry_reads (enquiry_id, by, how) SELECT unnest($1::uuid[]), $2, $3",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Text, _>(by)
    .bind::<Text, _>(how.name())
    .execute(conn)
    .await?;
    Ok(())
}

/// One read of an enquiry, as an export shows it.
#[derive(Debug, Clone, Serialize, ToSchema, QueryableByName)]
pub struct Read {
    #[diesel(sql_type = Text)]
    pub by: String,
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    /// `list`, `one` or `export`.
    #[diesel(sql_type = Text)]
    pub how: String,
}

/// An enquiry in an export: as planners see it, with who has read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Exported {
    #[serde(flatten)]
    pub enquiry: Enquiry,
    pub reads: Vec<Read>,
}

/// Everything the registry holds about one enquirer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Export {
    pub email: String,
    pub exported_at: DateTime<Utc>,
    pub enquiries: Vec<Exported>,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// The enquiries sent from `email` (any case), oldest first.
async fn enquiries_of(
    conn: &mut AsyncPgConnection,
    email: &str,
    lock: bool,
) -> Result<Vec<Uuid>, ApiError> {
    let sql = format!(
        "SELECT id FROM enquiries WHERE lower(email) = lower($1) ORDER BY created_at, id{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let ids: Vec<Id> = diesel::sql_query(sql)
        .bind::<Text, _>(email)
        .load(conn)
        .await?;
    Ok(ids.into_iter().map(|i| i.id).collect())
}

/// Everything held about the enquirer `email`, logged as read by `by`;
/// `to_wire` shows an enquiry with its history as the API does.
pub async fn export(
    conn: &mut AsyncPgConnection,
    email: &str,
    by: &str,
    to_wire: impl Fn(
        queries::EnquiryRow,
        Option<queries::PlotSummary>,
        Vec<queries::EventRow>,
    ) -> Enquiry,
) -> Result<Export, ApiError> {
    let ids = enquiries_of(conn, email, false).await?;
    let mut enquiries = Vec::with_capacity(ids.len());
    for &id in &ids {
        let Some((row, plot)) = queries::get(conn, id).await? else {
            continue;
        };
        let events = queries::events(conn, id).await?;
        let reads: Vec<Read> = diesel::sql_query(
            "SELECT by, at, how FROM enquiry_reads WHERE enquiry_id = $1 ORDER BY at, id",
        )
        .bind::<SqlUuid, _>(id)
        .load(conn)
        .await?;
        enquiries.push(Exported {
            enquiry: to_wire(row, plot, events),
            reads,
        });
    }
    log_reads(conn, &ids, by, How::Export).await?;
    Ok(Export {
        email: email.to_owned(),
        exported_at: Utc::now(),
        enquiries,
    })
}

/// What an erasure removed.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
pub struct Erased {
    /// Enquiries whose personal data was erased (they stay, anonymous).
    pub enquiries: i64,
    /// Stored answers of retried POSTs that held one of them.
    pub stored_answers: i64,
    /// Saved alerts of the address, with their mails and matches.
    pub alerts: i64,
    /// Mails of the enquiries, and other mails to the address, deleted
    /// from the outbox (those of the alerts go with them).
    pub mails: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// `sql` (a `WITH gone AS (… RETURNING 1)` with `$1`) bound to `value`:
/// how many rows it touched.
async fn count<T, V>(conn: &mut AsyncPgConnection, sql: &str, value: V) -> QueryResult<i64>
where
    T: diesel::sql_types::SqlType + diesel::sql_types::SingleValue,
    V: diesel::serialize::ToSql<T, diesel::pg::Pg> + Send,
    T: diesel::query_builder::QueryId + Send + 'static,
    diesel::pg::Pg: diesel::sql_types::HasSqlType<T>,
{
    let counted: Count = diesel::sql_query(format!("{sql} SELECT count(*) AS n FROM gone"))
        .bind::<T, _>(value)
        .get_result(conn)
        .await?;
    Ok(counted.n)
}

/// Erases the personal data of the enquiries `ids` (locked by the caller)
/// in place: see the module's comment. An enquiry still open is closed
/// (an erased enquiry cannot be handled further). Returns what it erased:
/// the enquiries, the stored answers and the mails.
async fn anonymise(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Erased> {
    let texts: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let stored_answers = count::<Array<Text>, _>(
        conn,
        "WITH gone AS (
             DELETE FROM idempotency_keys AS k
             WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) AS id
                           WHERE position(convert_to(id, 'UTF8') IN k.body) > 0)
             RETURNING 1)",
        &texts,
    )
    .await?;
    let enquiries = count::<Array<SqlUuid>, _>(
        conn,
        "WITH gone AS (
             UPDATE enquiries SET name = NULL, company = NULL, organisation_number = NULL,
                 email = NULL, phone = NULL, message = NULL, client_address = NULL,
                 status = 'closed', closed_at = coalesce(closed_at, now()),
                 answered_at = coalesce(answered_at, now()),
                 erased_at = now(), updated_at = now()
             WHERE id = ANY ($1) AND erased_at IS NULL
             RETURNING 1)",
        ids,
    )
    .await?;
    diesel::sql_query(
        "UPDATE enquiry_events SET note = NULL, note_erased = true
         WHERE enquiry_id = ANY ($1) AND note IS NOT NULL",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "UPDATE enquiry_ratings SET comment = NULL WHERE enquiry_id = ANY ($1) AND comment IS NOT NULL",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .execute(conn)
    .await?;
    let mails = count::<Array<SqlUuid>, _>(
        conn,
        "WITH gone AS (DELETE FROM mail_outbox WHERE enquiry_id = ANY ($1) RETURNING 1)",
        ids,
    )
    .await?;
    Ok(Erased {
        enquiries,
        stored_answers,
        alerts: 0,
        mails,
    })
}

/// Erases the enquirer `email` on request: the personal data of their
/// enquiries (see the module's comment), and the address's alerts and other
/// mails, at once or not at all. Their enquiries and demand records stay,
/// anonymous; the read log stays.
pub async fn erase(conn: &mut AsyncPgConnection, email: &str) -> Result<Erased, ApiError> {
    conn.transaction(async |conn| {
        let ids = enquiries_of(conn, email, true).await?;
        let erased = anonymise(conn, &ids).await?;
        let alerts = count::<Text, _>(
            conn,
            "WITH gone AS (DELETE FROM alerts WHERE lower(email) = lower($1) RETURNING 1)",
            email,
        )
        .await?;
        let mails = count::<Text, _>(
            conn,
            "WITH gone AS (DELETE FROM mail_outbox WHERE lower(recipient) = lower($1) RETURNING 1)",
            email,
        )
        .await?;
        Ok::<_, ApiError>(Erased {
            alerts,
            mails: erased.mails + mails,
            ..erased
        })
    })
    .await
}

/// The most enquiries one pass of [`erase_expired`] erases (the next pass
/// takes the rest).
const EXPIRED_BATCH: i64 = 1000;

/// Erases the personal data of the enquiries closed more than `days` days
/// ago (the retention time), up to a batch at a time until none is left;
/// how many it erased. Enquiries another instance is erasing are skipped.
pub async fn erase_expired(conn: &mut AsyncPgConnection, days: u64) -> QueryResult<usize> {
    let mut total = 0;
    loop {
        let erased = conn
            .transaction(async |conn| {
                let ids: Vec<Id> = diesel::sql_query(
                    "SELECT id FROM enquiries
                     WHERE erased_at IS NULL AND closed_at < now() - make_interval(days => $1)
                     ORDER BY closed_at LIMIT $2 FOR UPDATE SKIP LOCKED",
                )
                .bind::<Integer, _>(i32::try_from(days).unwrap_or(i32::MAX))
                .bind::<BigInt, _>(EXPIRED_BATCH)
                .load(conn)
                .await?;
                let ids: Vec<Uuid> = ids.into_iter().map(|i| i.id).collect();
                anonymise(conn, &ids).await.map(|e| e.enquiries)
            })
            .await?;
        total += erased as usize;
        if erased < EXPIRED_BATCH {
            return Ok(total);
        }
    }
}
