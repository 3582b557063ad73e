//! The company's rating of the reception: when its enquiry is closed it
//! gets a link with a signed token (the enquiry's id and an HMAC-SHA-256
//! of it under a key kept in the database, shared by every instance), so
//! that rating needs no login and no stored token, and a link cannot be
//! made for another enquiry. The link opens a page with a button per
//! score; only the button's POST records anything (mail scanners follow
//! links). A second rating replaces the first.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use diesel::sql_types::{Bytea, Nullable, SmallInt, Text, Timestamptz, Uuid as SqlUuid};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use uuid::Uuid;

/// What the MAC is over, besides the id: a token for something else the
/// service may sign one day cannot pass for a rating's.
const PURPOSE: &[u8] = b"naeringsareal rating v1:";
/// Bytes of the MAC kept in a token (128 bits).
const MAC_BYTES: usize = 16;

/// The signing key, made by the migration.
async fn secret(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Vec<u8>> {
    #[derive(QueryableByName)]
    struct Secret {
        #[diesel(sql_type = Bytea)]
        secret: Vec<u8>,
    }
    let row: Secret = diesel::sql_query("SELECT secret FROM service_secrets WHERE name = 'rating'")
        .get_result(conn)
        .await?;
    Ok(row.secret)
}

fn mac(secret: &[u8], id: Uuid) -> Hmac<Sha256> {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(PURPOSE);
    mac.update(id.as_bytes());
    mac
}

/// The token of the enquiry `id`'s rating link.
pub fn sign(secret: &[u8], id: Uuid) -> String {
    let tag = mac(secret, id).finalize().into_bytes();
    let mut bytes = id.as_bytes().to_vec();
    bytes.extend_from_slice(&tag[..MAC_BYTES]);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The enquiry a token was made for, if it was made by this service.
pub fn verify(secret: &[u8], token: &str) -> Option<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    if bytes.len() != 16 + MAC_BYTES {
        return None;
    }
    let id = Uuid::from_slice(&bytes[..16]).ok()?;
    mac(secret, id)
        .verify_truncated_left(&bytes[16..])
        .ok()
        .map(|()| id)
}

/// The rating link of the enquiry `id`.
pub async fn link(
    conn: &mut AsyncPgConnection,
    base: &str,
    id: Uuid,
) -> diesel::QueryResult<String> {
    Ok(format!(
        "{base}/rating?token={}",
        sign(&secret(conn).await?, id)
    ))
}

/// The enquiry of `token`, if the token is this service's.
pub async fn enquiry_of(
    conn: &mut AsyncPgConnection,
    token: &str,
) -> diesel::QueryResult<Option<Uuid>> {
    Ok(verify(&secret(conn).await?, token))
}

/// An enquiry as its rating page shows it, with the rating it has.
#[derive(Debug, QueryableByName)]
pub struct Rated {
    #[diesel(sql_type = Text)]
    pub reference: String,
    #[diesel(sql_type = Text)]
    pub lang: String,
    #[diesel(sql_type = Nullable<SmallInt>)]
    pub score: Option<i16>,
    #[diesel(sql_type = Nullable<Text>)]
    pub comment: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub rated_at: Option<DateTime<Utc>>,
}

/// The enquiry `id` and its rating, if it still exists.
pub async fn rated(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<Option<Rated>> {
    diesel::sql_query(
        "SELECT e.reference, e.lang, r.score, r.comment, r.rated_at
         FROM enquiries e LEFT JOIN enquiry_ratings r ON r.enquiry_id = e.id
         WHERE e.id = $1",
    )
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .await
    .optional()
}

/// Records (or replaces) the rating of the enquiry `id`. A comment is not
/// kept once the enquiry's personal fields are erased.
pub async fn record(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    score: i16,
    comment: Option<&str>,
) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO enquiry_ratings (enquiry_id, score, comment)
         SELECT id, $2, CASE WHEN erased_at IS NULL THEN $3 END FROM enquiries WHERE id = $1
         ON CONFLICT (enquiry_id) DO UPDATE
             SET score = excluded.score, comment = excluded.comment, rated_at = now()",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<SmallInt, _>(score)
    .bind::<Nullable<Text>, _>(comment)
    .execute(conn)
    .await
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_enquiry_and_nothing_else_passes() {
        let secret = [7u8; 32];
        let id = Uuid::new_v4();
        let token = sign(&secret, id);
        assert_eq!(token.len(), 43, "{token}");
        assert_eq!(verify(&secret, &token), Some(id));
        // Another key, another enquiry's id with this MAC, a changed or
        // cut token: nothing.
        assert_eq!(verify(&[8u8; 32], &token), None);
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        bytes[..16].copy_from_slice(Uuid::new_v4().as_bytes());
        assert_eq!(verify(&secret, &URL_SAFE_NO_PAD.encode(&bytes)), None);
        bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        bytes[20] ^= 1;
        assert_eq!(verify(&secret, &URL_SAFE_NO_PAD.encode(&bytes)), None);
        assert_eq!(verify(&secret, &token[..40]), None);
        assert_eq!(verify(&secret, "not a token"), None);
    }
}
