//! Enquirers are people: every read of an enquiry by a key is logged (who,
//! when, how), and one enquirer's data can be exported or erased on request
//! (the GDPR's rights of access and erasure), by admins through the API or
//! the CLI. An erasure deletes the enquirer's enquiries with their history
//! and mails, the stored answers of their retries, and the alerts and mails
//! of the address; their demand records stay,
//! anonymous, and so does the read log (it holds no personal data).

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Text, Timestamptz, Uuid as SqlUuid};
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
    /// Enquiries deleted, with their history.
    pub enquiries: i64,
    /// Stored answers of retried POSTs that held one of them.
    pub stored_answers: i64,
    /// Saved alerts of the address, with their mails and matches.
    pub alerts: i64,
    /// Other mails to the address still in the outbox (those of the
    /// enquiries and alerts go with them).
    pub mails: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Erases the enquirer `email`: their enquiries, history and mails, the
/// stored answers that hold them, and the address's alerts and other mails,
/// at once or not at all. Their demand
/// records stay, without the link; the read log stays.
pub async fn erase(conn: &mut AsyncPgConnection, email: &str) -> Result<Erased, ApiError> {
    conn.transaction(async |conn| {
        let ids = enquiries_of(conn, email, true).await?;
        let texts: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        let answers: Count = diesel::sql_query(
            "WITH gone AS (
                     DELETE FROM idempotency_keys AS k
                     WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) AS id
                                   WHERE position(convert_to(id, 'UTF8') IN k.body) > 0)
                     RETURNING 1)
                 SELECT count(*) AS n FROM gone",
        )
        .bind::<Array<Text>, _>(&texts)
        .get_result(conn)
        .await?;
        let deleted: Count = diesel::sql_query(
            "WITH gone AS (DELETE FROM enquiries WHERE id = ANY ($1) RETURNING 1)
                 SELECT count(*) AS n FROM gone",
        )
        .bind::<Array<SqlUuid>, _>(&ids)
        .get_result(conn)
        .await?;
        let alerts: Count = diesel::sql_query(
            "WITH gone AS (DELETE FROM alerts WHERE lower(email) = lower($1) RETURNING 1)
             SELECT count(*) AS n FROM gone",
        )
        .bind::<Text, _>(email)
        .get_result(conn)
        .await?;
        let mails: Count = diesel::sql_query(
            "WITH gone AS (DELETE FROM mail_outbox WHERE lower(recipient) = lower($1) RETURNING 1)
             SELECT count(*) AS n FROM gone",
        )
        .bind::<Text, _>(email)
        .get_result(conn)
        .await?;
        Ok::<_, ApiError>(Erased {
            enquiries: deleted.n,
            stored_answers: answers.n,
            alerts: alerts.n,
            mails: mails.n,
        })
    })
    .await
}
