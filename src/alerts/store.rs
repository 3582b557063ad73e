//! Queries on `alerts`. Free functions taking `&mut conn`, returning
//! `QueryResult`.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::schema::{alert_matches, alerts};
use crate::html::i18n::Lang;

/// An alert as stored (its tokens but the unsubscribe one left out).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = alerts, check_for_backend(Pg))]
pub struct AlertRow {
    pub id: Uuid,
    pub email: String,
    pub needs: Value,
    pub lang: String,
    pub state: String,
    pub unsubscribe_token: String,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub unsubscribed_at: Option<DateTime<Utc>>,
}

/// A new link token: 32 random bytes, base64url (43 characters).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system gives random bytes");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The link that ends an alert, in every mail of it.
pub fn unsubscribe_link(base: &str, token: &str) -> String {
    format!("{base}/alerts/unsubscribe?token={token}")
}

/// What is stored of a confirmation token.
pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Serialises the alerts one client saves until the transaction ends, so
/// that two at once cannot both pass the rate limit.
pub async fn lock_client(conn: &mut AsyncPgConnection, client: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<Text, _>(format!("naeringsareal.alerts:{client}"))
        .execute(conn)
        .await
        .map(drop)
}

/// When `client` may save again, in seconds from now, if it has saved
/// `max` or more alerts in the last `window`; `None` while under the limit.
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
    let wait = diesel::sql_query(
        "SELECT ceil(extract(epoch FROM created_at + make_interval(secs => $2) - now()))::bigint AS seconds \
         FROM alerts WHERE client_address = $1 AND created_at > now() - make_interval(secs => $2) \
         ORDER BY created_at DESC OFFSET $3 LIMIT 1",
    )
    .bind::<Text, _>(client)
    .bind::<Double, _>(window.as_secs_f64())
    .bind::<BigInt, _>(i64::from(max) - 1)
    .get_result::<Wait>(conn)
    .await
    .optional()?;
    Ok(wait.map(|w| w.seconds.max(1) as u64))
}

/// Stores a new, pending alert.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    email: &str,
    needs: &Value,
    lang: Lang,
    confirm_token: &str,
    unsubscribe_token: &str,
    client: &str,
) -> QueryResult<AlertRow> {
    diesel::insert_into(alerts::table)
        .values((
            alerts::email.eq(email),
            alerts::needs.eq(needs),
            alerts::lang.eq(lang.tag()),
            alerts::confirm_hash.eq(hash(confirm_token)),
            alerts::unsubscribe_token.eq(unsubscribe_token),
            alerts::client_address.eq(client),
        ))
        .returning(AlertRow::as_returning())
        .get_result(conn)
        .await
}

/// The alert whose confirmation token is `token`.
pub async fn by_confirm_token(
    conn: &mut AsyncPgConnection,
    token: &str,
) -> QueryResult<Option<AlertRow>> {
    alerts::table
        .filter(alerts::confirm_hash.eq(hash(token)))
        .select(AlertRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The alert whose unsubscribe token is `token`.
pub async fn by_unsubscribe_token(
    conn: &mut AsyncPgConnection,
    token: &str,
) -> QueryResult<Option<AlertRow>> {
    alerts::table
        .filter(alerts::unsubscribe_token.eq(token))
        .select(AlertRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Activates the pending alert `id`; an active or unsubscribed one stays
/// as it is. The alert as it is afterwards.
pub async fn confirm(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<AlertRow> {
    diesel::update(alerts::table.find(id).filter(alerts::state.eq("pending")))
        .set((
            alerts::state.eq("active"),
            alerts::confirmed_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    alerts::table
        .find(id)
        .select(AlertRow::as_select())
        .first(conn)
        .await
}

/// Ends the alert `id` (pending or active), forgetting which plots met
/// it; the alert afterwards.
pub async fn unsubscribe(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<AlertRow> {
    diesel::delete(alert_matches::table.filter(alert_matches::alert_id.eq(id)))
        .execute(conn)
        .await?;
    diesel::update(
        alerts::table
            .find(id)
            .filter(alerts::state.ne("unsubscribed")),
    )
    .set((
        alerts::state.eq("unsubscribed"),
        alerts::unsubscribed_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    alerts::table
        .find(id)
        .select(AlertRow::as_select())
        .first(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash(&a).len(), 32);
        assert_ne!(hash(&a), hash(&b));
    }
}
