//! The store of API keys: made (shown once), listed, revoked, found by the
//! key a request carries. Only a key's SHA-256 is stored; keys are 32
//! random bytes, so a fast hash is enough (slow password hashes are for
//! secrets a person chose).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::role::Role;
use crate::db::schema::api_keys;

/// Every key starts so, which makes a leaked one easy to recognise (secret
/// scanners look for fixed prefixes).
pub const KEY_PREFIX: &str = "naer_";

/// A new random key: the prefix and 32 random bytes, base64url.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system gives random bytes");
    format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored of a key.
pub fn hash(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// A key as listed: never the key itself.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyInfo {
    /// The key's name, recorded in the history of every write it makes.
    pub name: String,
    /// What the key may do.
    pub role: Role,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was revoked; absent while it is valid.
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_keys, check_for_backend(Pg))]
struct KeyRow {
    name: String,
    role: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<KeyRow> for KeyInfo {
    fn from(row: KeyRow) -> Self {
        Self {
            name: row.name,
            // The CHECK constraint holds the column to the role names.
            role: row.role.parse().unwrap_or(Role::Planner),
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// Checks a key name: 1–64 letters, digits and `._@-`, starting with a letter or digit.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a key name: use 1–64 letters, digits and . _ @ -, starting with a letter or digit"
        ))
    }
}

/// Makes a key; returns it (the only time it is seen) and its record.
pub async fn create(
    conn: &mut AsyncPgConnection,
    name: &str,
    role: Role,
) -> QueryResult<(String, KeyInfo)> {
    let key = generate();
    let row = diesel::insert_into(api_keys::table)
        .values((
            api_keys::name.eq(name),
            api_keys::role.eq(role.as_ref()),
            api_keys::key_hash.eq(hash(&key)),
        ))
        .returning(KeyRow::as_returning())
        .get_result(conn)
        .await?;
    Ok((key, row.into()))
}

/// Every key, valid and revoked, by name.
pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<KeyInfo>> {
    let rows = api_keys::table
        .select(KeyRow::as_select())
        .order(api_keys::name)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(KeyInfo::from).collect())
}

/// Revokes the key `name`; `None` when there is no valid key of that name.
pub async fn revoke(conn: &mut AsyncPgConnection, name: &str) -> QueryResult<Option<KeyInfo>> {
    let row = diesel::update(
        api_keys::table
            .filter(api_keys::name.eq(name))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(diesel::dsl::now))
    .returning(KeyRow::as_returning())
    .get_result(conn)
    .await
    .optional()?;
    Ok(row.map(KeyInfo::from))
}

/// The valid key whose hash is that of `key`.
pub async fn find_active(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<Option<KeyInfo>> {
    let row = api_keys::table
        .filter(api_keys::key_hash.eq(hash(key)))
        .filter(api_keys::revoked_at.is_null())
        .select(KeyRow::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(KeyInfo::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_random_and_hashed() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert!(a.starts_with(KEY_PREFIX));
        // 32 bytes in base64url without padding are 43 characters.
        assert_eq!(a.len(), KEY_PREFIX.len() + 43);
        assert_eq!(hash(&a).len(), 32);
        assert_ne!(hash(&a), hash(&b));
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("kari.nordmann@drammen").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("-x").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
    }
}
