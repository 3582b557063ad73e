//! What the fuzz targets assert about a CQL2 translation, beyond "no
//! panic": the SQL is made only of text the registry writes itself, every
//! value is a bound parameter, and every bound value is one PostgreSQL and
//! PostGIS take (a value they refuse would be a 500, not a 400).

use chrono::Datelike;
use naeringsareal::crs::{Crs, SUPPORTED_EPSG};
use naeringsareal::db::bound::{Bind, BoundSql};
use naeringsareal::plots::catalogue;
use naeringsareal::plots::search::cql2::{self, Lang};

/// Words the translation writes besides column names.
const WORDS: &[&str] = &[
    "TRUE",
    "FALSE",
    "AND",
    "OR",
    "NOT",
    "LIKE",
    "BETWEEN",
    "ANY",
    "IS",
    "NULL",
    "ST_Intersects",
    "ST_Within",
    "ST_Contains",
    "ST_Disjoint",
    "ST_Equals",
    "ST_Touches",
    "ST_Overlaps",
    "ST_Crosses",
    "ST_DWithin",
    "ST_Transform",
    "ST_FlipCoordinates",
    "ST_GeomFromText",
    "ST_MakeEnvelope",
    "dwithin_box",
    "geography",
];

/// Every CRS a filter may be in: CRS84, and each EPSG code as a URI.
fn crss() -> impl Iterator<Item = Crs> {
    std::iter::once(Crs::CRS84).chain(
        SUPPORTED_EPSG
            .iter()
            .map(|&srid| Crs { srid, crs84: false }),
    )
}

/// Translates `text` in every CRS; where it translates, checks the result.
pub fn check(text: &str, lang: Lang) {
    let mut first: Option<Result<BoundSql, String>> = None;
    for crs in crss() {
        let result = cql2::parse(text, lang, crs);
        match &result {
            Ok(sql) => check_sql(text, sql),
            Err(reason) => assert!(!reason.is_empty(), "an empty reason for {text:?}"),
        }
        // Whether a filter translates does not depend on its CRS.
        match &first {
            None => first = Some(result),
            Some(f) => assert_eq!(f.is_ok(), result.is_ok(), "{text:?} in {crs:?}"),
        }
    }
}

fn check_sql(input: &str, bound: &BoundSql) {
    let sql = bound.with_placeholders();
    let binds: Vec<&Bind> = bound.binds().collect();
    // One placeholder per bound value, and no `$` of the SQL's own.
    assert_eq!(
        sql.matches('$').count(),
        binds.len(),
        "placeholders and binds differ for {input:?}: {sql}"
    );
    // Only the registry's own vocabulary: identifiers from the allow-list,
    // SRIDs, and operator characters; so no quote, semicolon, comment or
    // any text of the input's can be in it.
    let columns: Vec<&str> = catalogue::queryables().filter_map(|p| p.column).collect();
    let mut chars = sql.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_ascii_alphabetic() || c == '_' {
            let mut end = start + c.len_utf8();
            while let Some(&(i, c)) = chars.peek() {
                if c.is_ascii_alphanumeric() || c == '_' {
                    end = i + c.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let word = &sql[start..end];
            assert!(
                WORDS.contains(&word) || columns.contains(&word),
                "`{word}` in the SQL of {input:?}: {sql}"
            );
        } else if c.is_ascii_digit() {
            let mut end = start + 1;
            while let Some(&(i, c)) = chars.peek() {
                if c.is_ascii_digit() {
                    end = i + 1;
                    chars.next();
                } else {
                    break;
                }
            }
            let number: i32 = sql[start..end].parse().unwrap_or(-1);
            assert!(
                SUPPORTED_EPSG.contains(&number),
                "the number {} in the SQL of {input:?}: {sql}",
                &sql[start..end]
            );
        } else {
            assert!(
                " ()$,:<>=@&".contains(c),
                "`{c}` in the SQL of {input:?}: {sql}"
            );
        }
    }
    // Bound values PostgreSQL accepts. The SQL before each placeholder says
    // what the value is bound to.
    let before: Vec<&str> = sql.split('$').collect();
    for (i, bind) in binds.iter().enumerate() {
        match bind {
            Bind::Number(n) => assert!(n.is_finite(), "{n} bound for {input:?}"),
            Bind::NumberList(ns) => {
                assert!(
                    ns.iter().all(|n| n.is_finite()),
                    "{ns:?} bound for {input:?}"
                )
            }
            // PostgreSQL's dates run from 4713 BC to 5874897 AD, its
            // timestamps to 294276 AD (chrono's years are astronomical:
            // 4713 BC is -4712).
            Bind::Date(d) => assert!(d.year() >= -4712, "{d} bound for {input:?}"),
            Bind::Timestamp(t) => assert!(
                (-4712..=294_276).contains(&t.year()),
                "{t} bound for {input:?}"
            ),
            Bind::Text(wkt) if before[i].ends_with("ST_GeomFromText(") => {
                let lower = wkt.to_ascii_lowercase();
                assert!(
                    !lower.contains("inf") && !lower.contains("nan"),
                    "WKT {wkt:?} bound for {input:?}"
                );
            }
            Bind::Text(s) => assert!(!s.contains('\0'), "a NUL bound for {input:?}"),
            Bind::TextList(v) => {
                assert!(
                    v.iter().all(|s| !s.contains('\0')),
                    "a NUL bound for {input:?}"
                )
            }
            Bind::Integer(_) | Bind::IntegerList(_) | Bind::Boolean(_) => {}
        }
    }
}
