//! `sortby` (OGC API – Features Part 8, draft): any sortable property, each
//! ascending or descending, the id last as the tie-breaker; and the keyset
//! that pages through such an order (the last row's sort values and id).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::db::bound::{Bind, BoundSql};
use crate::plots::catalogue::{self, Kind};
use crate::plots::queries::PlotRow;

/// One sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    /// The property's name.
    pub name: &'static str,
    /// Its column.
    pub column: &'static str,
    pub kind: Kind,
    pub descending: bool,
}

/// Parses `sortby`: comma-separated properties, each with an optional `+`
/// (ascending, the default) or `-` (descending).
pub fn parse_sortby(value: &str) -> Result<Vec<SortKey>, String> {
    let mut keys: Vec<SortKey> = Vec::new();
    for item in value.split(',') {
        let item = item.trim();
        let (descending, name) = match item.as_bytes().first() {
            Some(b'-') => (true, &item[1..]),
            Some(b'+') => (false, &item[1..]),
            _ => (false, item),
        };
        let (name, column, kind) = catalogue::queryable(name)
            .filter(|p| p.sortable())
            .and_then(|p| Some((p.name, p.column?, p.kind)))
            .ok_or_else(|| {
                format!("`{name}` is not a property plots can be sorted by (see /collections/plots/queryables)")
            })?;
        if keys.iter().any(|k| k.name == name) {
            return Err(format!("sorts by `{name}` twice"));
        }
        keys.push(SortKey {
            name,
            column,
            kind,
            descending,
        });
    }
    Ok(keys)
}

/// The ORDER BY clause: the keys (NULLs last either way), then the id.
/// Only names from the allow-list reach it.
pub fn order_sql(keys: &[SortKey]) -> String {
    let mut parts: Vec<String> = keys
        .iter()
        .map(|k| {
            format!(
                "{} {} NULLS LAST",
                k.column,
                if k.descending { "DESC" } else { "ASC" }
            )
        })
        .collect();
    parts.push("id ASC".to_owned());
    parts.join(", ")
}

/// Where a sorted page starts: after the row with these sort values and id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SortPosition {
    /// The sort values of the last row of the page before.
    pub keys: Vec<Value>,
    /// Its id.
    pub id: Uuid,
}

/// A sorted cursor's prefix (after base64url decoding).
pub const CURSOR_SORTED: &str = "s";

impl SortPosition {
    /// The position after `row` in the order of `keys`.
    pub fn after(row: &PlotRow, keys: &[SortKey]) -> anyhow::Result<Self> {
        let values = serde_json::to_value(row)?;
        Ok(Self {
            keys: keys.iter().map(|k| values[k.column].clone()).collect(),
            id: row.id,
        })
    }

    /// The opaque cursor text.
    pub fn encode(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(format!("{CURSOR_SORTED}:{json}"))
    }

    /// Reads the JSON part of a sorted cursor.
    pub fn decode(json: &str) -> Option<Self> {
        serde_json::from_str(json).ok()
    }

    /// The condition "comes after this position" in the order of `keys`:
    /// an OR of (equal on the first i keys AND after on key i), NULLs last.
    pub fn predicate(&self, keys: &[SortKey]) -> Result<BoundSql, String> {
        if self.keys.len() != keys.len() {
            return Err("does not belong to this sortby; follow the `next` links".to_owned());
        }
        let mut f = BoundSql::new();
        f.sql("(");
        for i in 0..=keys.len() {
            if i > 0 {
                f.sql(" OR ");
            }
            f.sql("(TRUE");
            for (key, value) in keys[..i].iter().zip(&self.keys) {
                if value.is_null() {
                    f.sql(&format!(" AND {} IS NULL", key.column));
                } else {
                    f.sql(&format!(" AND {} = ", key.column));
                    f.bind(bind(key.kind, value)?);
                }
            }
            match keys.get(i) {
                Some(key) => {
                    let value = &self.keys[i];
                    if value.is_null() {
                        // Nothing sorts after NULL on this key (NULLs are last).
                        f.sql(" AND FALSE");
                    } else {
                        let op = if key.descending { "<" } else { ">" };
                        f.sql(&format!(" AND ({} {op} ", key.column));
                        f.bind(bind(key.kind, value)?);
                        f.sql(&format!(" OR {} IS NULL)", key.column));
                    }
                }
                None => {
                    f.sql(" AND id > ");
                    f.bind(Bind::Text(self.id.to_string()));
                    f.sql("::uuid");
                }
            }
            f.sql(")");
        }
        f.sql(")");
        Ok(f)
    }
}

fn bind(kind: Kind, value: &Value) -> Result<Bind, String> {
    let bad = || "is not a cursor of this server; follow the `next` links".to_owned();
    Ok(match kind {
        Kind::Text => Bind::Text(value.as_str().ok_or_else(bad)?.to_owned()),
        Kind::Integer => Bind::Integer(
            value
                .as_i64()
                .and_then(|v| i32::try_from(v).ok())
                .ok_or_else(bad)?,
        ),
        Kind::Number => Bind::Number(value.as_f64().ok_or_else(bad)?),
        Kind::Boolean => Bind::Boolean(value.as_bool().ok_or_else(bad)?),
        Kind::Date => Bind::Date(
            NaiveDate::parse_from_str(value.as_str().ok_or_else(bad)?, "%Y-%m-%d")
                .map_err(|_| bad())?,
        ),
        Kind::Timestamp => Bind::Timestamp(
            DateTime::parse_from_rfc3339(value.as_str().ok_or_else(bad)?)
                .map_err(|_| bad())?
                .with_timezone(&Utc),
        ),
        Kind::TextList | Kind::Uuids | Kind::Documents | Kind::Geometry => return Err(bad()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sortby_parses_directions_and_refuses_what_cannot_be_sorted() {
        let keys = parse_sortby("-area_m2,+price_nok_per_m2,name").unwrap();
        assert_eq!(
            keys.iter()
                .map(|k| (k.name, k.descending))
                .collect::<Vec<_>>(),
            [
                ("area_m2", true),
                ("price_nok_per_m2", false),
                ("name", false)
            ]
        );
        assert_eq!(
            order_sql(&keys),
            "area_m2 DESC NULLS LAST, price_nok_per_m2 ASC NULLS LAST, name ASC NULLS LAST, id ASC"
        );
        assert!(parse_sortby("geometry").is_err());
        assert!(
            parse_sortby("area_m2;DROP TABLE plots")
                .unwrap_err()
                .contains("not a property")
        );
        assert!(parse_sortby("name,-name").unwrap_err().contains("twice"));
    }
}
