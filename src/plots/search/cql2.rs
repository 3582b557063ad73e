//! CQL2 filters (OGC API – Features Part 3): cql2-text or cql2-json, parsed
//! by the `cql2` crate, translated here into SQL over an allow-list of
//! properties. Property names map to fixed column expressions; every value
//! is a bound parameter; nothing the client writes reaches SQL text.

use chrono::{DateTime, NaiveDate, Utc};
use cql2::Expr;

use super::proximity::MAX_RADIUS_M;
use crate::crs::Crs;
use crate::db::bound::{Bind, BoundSql};
use crate::plots::catalogue::{self, Kind};

/// Which language the filter is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Text,
    Json,
}

/// How deep brackets may nest in a cql2-text filter. The parser backtracks
/// on nested brackets, its time growing exponentially with their depth
/// (the fuzz target found 100 of them taking over 10 s; in a debug build
/// `"v" = ((-(a > (b > ` nested 12 deep took 0.35 s and 16 deep 5 s, 8
/// deep 27 ms); real filters nest a few levels (a MULTIPOLYGON in
/// S_INTERSECTS inside two groups of AND/OR is 6).
pub const MAX_TEXT_NESTING: usize = 10;

/// The deepest nesting of brackets in cql2-text, outside quoted text.
fn nesting(text: &str) -> usize {
    let (mut depth, mut deepest, mut quote) = (0usize, 0, None);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (None, ')' | ']') => depth = depth.saturating_sub(1),
            (None, _) => {}
        }
    }
    deepest
}

/// Parses and translates `text` in `lang` into a boolean SQL expression
/// over `plots`; geometries in it are in `crs`.
pub fn parse(text: &str, lang: Lang, crs: Crs) -> Result<BoundSql, String> {
    let expr = match lang {
        Lang::Text if nesting(text) > MAX_TEXT_NESTING => {
            return Err(format!(
                "nests brackets {} deep; cql2-text filters may nest at most {MAX_TEXT_NESTING}",
                nesting(text)
            ));
        }
        Lang::Text => cql2::parse_text(text).map_err(|e| format!("is not valid cql2-text: {e}"))?,
        Lang::Json => cql2::parse_json(text).map_err(|e| format!("is not valid cql2-json: {e}"))?,
    };
    let mut filter = BoundSql::new();
    Translator {
        out: &mut filter,
        crs,
    }
    .boolean(&expr)?;
    Ok(filter)
}

struct Translator<'a> {
    out: &'a mut BoundSql,
    crs: Crs,
}

fn property(expr: &Expr) -> Option<Result<(&'static str, Kind), String>> {
    let Expr::Property { property } = expr else {
        return None;
    };
    Some(
        catalogue::queryable(property)
            .and_then(|p| Some((p.column?, p.kind)))
            .ok_or_else(|| {
                format!(
                    "`{property}` is not a queryable property (see /collections/plots/queryables)"
                )
            }),
    )
}

/// The distance of S_DWITHIN in metres: a number, in metres unless a unit
/// follows (`meters`/`metres`/`m` or `kilometers`/`kilometres`/`km`), above
/// 0 and at most the proximity search's limit.
fn dwithin_metres(distance: &Expr, unit: Option<&Expr>) -> Result<f64, String> {
    let value = match distance {
        Expr::Float(f) => *f,
        other => return Err(format!("`{}` is not a distance", describe(other))),
    };
    let factor = match unit {
        None => 1.0,
        Some(Expr::Literal(u) | Expr::Property { property: u }) => {
            match u.to_lowercase().as_str() {
                "meters" | "metres" | "m" => 1.0,
                "kilometers" | "kilometres" | "km" => 1000.0,
                _ => {
                    return Err(format!(
                        "`{u}` is not a unit of distance (meters or kilometers)"
                    ));
                }
            }
        }
        Some(other) => return Err(format!("`{}` is not a unit of distance", describe(other))),
    };
    let metres = value * factor;
    let max = MAX_RADIUS_M;
    if metres.is_finite() && metres > 0.0 && metres <= max {
        Ok(metres)
    } else {
        Err(format!(
            "the distance must be above 0 and at most {max} metres"
        ))
    }
}

/// A LIKE pattern PostgreSQL takes: `\` escapes the character after it
/// (`\%` is a percent sign), so it cannot come last (PostgreSQL would fail
/// the statement: a 500 instead of a 400).
fn check_like_pattern(pattern: &str) -> Result<(), String> {
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.next().is_none() {
            return Err(format!(
                "the LIKE pattern `{pattern}` ends with the escape character `\\`; \
                 write `\\\\` for a backslash"
            ));
        }
    }
    Ok(())
}

/// Text bound as a value: PostgreSQL's text cannot hold NUL (U+0000), and
/// would refuse it with an error of its own (a 500, not a 400).
fn text(s: &str) -> Result<String, String> {
    if s.contains('\0') {
        Err("a text value contains a NUL character (U+0000), which text cannot hold".to_owned())
    } else {
        Ok(s.to_owned())
    }
}

fn describe(expr: &Expr) -> String {
    cql2::Expr::to_text(expr).unwrap_or_else(|_| format!("{expr:?}"))
}

impl Translator<'_> {
    /// A boolean expression.
    fn boolean(&mut self, expr: &Expr) -> Result<(), String> {
        let Expr::Operation { op, args } = expr else {
            return match expr {
                Expr::Bool(b) => {
                    self.out.sql(if *b { "TRUE" } else { "FALSE" });
                    Ok(())
                }
                other => Err(format!("`{}` is not a condition", describe(other))),
            };
        };
        let arity = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(format!("{op} takes {n} arguments, got {}", args.len()))
            }
        };
        if op.eq_ignore_ascii_case("s_dwithin") {
            return self.dwithin(args);
        }
        match op.as_str() {
            "and" | "or" => {
                self.out.sql("(");
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        self.out.sql(if op == "and" { " AND " } else { " OR " });
                    }
                    self.boolean(arg)?;
                }
                self.out.sql(")");
            }
            "not" => {
                arity(1)?;
                self.out.sql("(NOT ");
                self.boolean(&args[0])?;
                self.out.sql(")");
            }
            "=" | "<>" | "<" | "<=" | ">" | ">=" => {
                arity(2)?;
                let (column, kind, value, flipped) = self.property_and_value(&args[0], &args[1])?;
                if matches!(kind, Kind::Geometry | Kind::TextList) {
                    return Err(format!("`{op}` does not compare a {kind:?} property"));
                }
                if kind == Kind::Boolean && !matches!(op.as_str(), "=" | "<>") {
                    return Err(format!("`{op}` does not compare true/false"));
                }
                let op = if flipped { flip(op) } else { op.as_str() };
                self.out.sql(&format!("({column} {op} "));
                let bind = self.value(kind, value)?;
                self.out.bind(bind);
                self.out.sql(")");
            }
            "like" => {
                arity(2)?;
                let (column, kind) =
                    property(&args[0]).ok_or("LIKE needs a property on its left")??;
                if kind != Kind::Text {
                    return Err(format!("LIKE needs a text property, `{column}` is not"));
                }
                let Expr::Literal(pattern) = args[1].as_ref() else {
                    return Err("LIKE needs a text pattern on its right".to_owned());
                };
                check_like_pattern(pattern)?;
                self.out.sql(&format!("({column} LIKE "));
                self.out.bind(Bind::Text(text(pattern)?));
                self.out.sql(")");
            }
            "between" => {
                arity(3)?;
                let (column, kind) =
                    property(&args[0]).ok_or("BETWEEN needs a property first")??;
                self.out.sql(&format!("({column} BETWEEN "));
                let low = self.value(kind, &args[1])?;
                self.out.bind(low);
                self.out.sql(" AND ");
                let high = self.value(kind, &args[2])?;
                self.out.bind(high);
                self.out.sql(")");
            }
            "in" => {
                arity(2)?;
                let (column, kind) = property(&args[0]).ok_or("IN needs a property first")??;
                let Expr::Array(items) = args[1].as_ref() else {
                    return Err("IN needs a list of values".to_owned());
                };
                let values = items
                    .iter()
                    .map(|i| self.value(kind, i))
                    .collect::<Result<Vec<_>, _>>()?;
                let list = match kind {
                    Kind::Text => Bind::TextList(
                        values
                            .into_iter()
                            .filter_map(|v| match v {
                                Bind::Text(s) => Some(s),
                                _ => None,
                            })
                            .collect(),
                    ),
                    Kind::Integer => Bind::IntegerList(
                        values
                            .into_iter()
                            .filter_map(|v| match v {
                                Bind::Integer(n) => Some(n),
                                _ => None,
                            })
                            .collect(),
                    ),
                    Kind::Number => Bind::NumberList(
                        values
                            .into_iter()
                            .filter_map(|v| match v {
                                Bind::Number(n) => Some(n),
                                _ => None,
                            })
                            .collect(),
                    ),
                    other => return Err(format!("IN does not take a {other:?} property")),
                };
                self.out.sql(&format!("({column} = ANY("));
                self.out.bind(list);
                self.out.sql("))");
            }
            "isNull" => {
                arity(1)?;
                let (column, _) = property(&args[0]).ok_or("IS NULL needs a property")??;
                self.out.sql(&format!("({column} IS NULL)"));
            }
            "s_intersects" | "s_within" | "s_contains" | "s_disjoint" | "s_equals"
            | "s_touches" | "s_overlaps" | "s_crosses" => {
                arity(2)?;
                let function = match op.as_str() {
                    "s_intersects" => "ST_Intersects",
                    "s_within" => "ST_Within",
                    "s_contains" => "ST_Contains",
                    "s_disjoint" => "ST_Disjoint",
                    "s_equals" => "ST_Equals",
                    "s_touches" => "ST_Touches",
                    "s_overlaps" => "ST_Overlaps",
                    _ => "ST_Crosses",
                };
                let (column, kind, other, flipped) = self.property_and_value(&args[0], &args[1])?;
                if kind != Kind::Geometry {
                    return Err(format!("{op} needs the geometry property, not `{column}`"));
                }
                // s_within(a, b) with the literal first is s_contains(b, a).
                let function = match (flipped, function) {
                    (true, "ST_Within") => "ST_Contains",
                    (true, "ST_Contains") => "ST_Within",
                    (_, f) => f,
                };
                self.out.sql(&format!("{function}({column}, "));
                self.geometry(other)?;
                self.out.sql(")");
            }
            "t_before" | "t_after" | "t_intersects" | "t_equals" => {
                arity(2)?;
                let (column, kind, other, flipped) = self.property_and_value(&args[0], &args[1])?;
                if !matches!(kind, Kind::Date | Kind::Timestamp) {
                    return Err(format!(
                        "{op} needs a date or time property, not `{column}`"
                    ));
                }
                let op = match (op.as_str(), flipped) {
                    ("t_before", false) | ("t_after", true) => "<",
                    ("t_after", false) | ("t_before", true) => ">",
                    _ => "=",
                };
                if let Expr::Interval { interval } = other {
                    if op != "=" || interval.len() != 2 {
                        return Err("an interval works with t_intersects only".to_owned());
                    }
                    self.out.sql(&format!("({column} BETWEEN "));
                    let a = self.value(kind, &interval[0])?;
                    self.out.bind(a);
                    self.out.sql(" AND ");
                    let b = self.value(kind, &interval[1])?;
                    self.out.bind(b);
                    self.out.sql(")");
                } else {
                    self.out.sql(&format!("({column} {op} "));
                    let v = self.value(kind, other)?;
                    self.out.bind(v);
                    self.out.sql(")");
                }
            }
            "a_contains" | "a_containedBy" | "a_overlaps" | "a_equals" => {
                arity(2)?;
                let (column, kind) =
                    property(&args[0]).ok_or("array predicates need a property first")??;
                if kind != Kind::TextList {
                    return Err(format!(
                        "{op} needs a list property (focus_areas), not `{column}`"
                    ));
                }
                let Expr::Array(items) = args[1].as_ref() else {
                    return Err(format!("{op} needs a list of values"));
                };
                let values = items
                    .iter()
                    .map(|i| match i.as_ref() {
                        Expr::Literal(s) => text(s),
                        other => Err(format!("`{}` is not text", describe(other))),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let sql_op = match op.as_str() {
                    "a_contains" => "@>",
                    "a_containedBy" => "<@",
                    "a_overlaps" => "&&",
                    _ => "=",
                };
                self.out.sql(&format!("({column} {sql_op} "));
                self.out.bind(Bind::TextList(values));
                self.out.sql(")");
            }
            other => return Err(format!("the operator `{other}` is not supported here")),
        }
        Ok(())
    }

    /// S_DWITHIN(geometry, g, distance[, units]): within that geodesic
    /// distance of g. Not one of CQL2's own functions, so its name arrives
    /// in the case the client wrote it.
    fn dwithin(&mut self, args: &[Box<Expr>]) -> Result<(), String> {
        // The box lets the spatial index pick the candidates; the distance
        // on the ellipsoid decides.
        if !(3..=4).contains(&args.len()) {
            return Err(format!(
                "s_dwithin takes a property, a geometry, a distance and optionally its \
                 unit (meters or kilometers), got {} arguments",
                args.len()
            ));
        }
        let (column, kind, other, _) = self.property_and_value(&args[0], &args[1])?;
        if kind != Kind::Geometry {
            return Err(format!(
                "s_dwithin needs the geometry property, not `{column}`"
            ));
        }
        let metres = dwithin_metres(&args[2], args.get(3).map(AsRef::as_ref))?;
        self.out
            .sql(&format!("(ST_Intersects({column}, dwithin_box("));
        self.geometry(other)?;
        self.out.sql(", ");
        self.out.bind(Bind::Number(metres));
        self.out
            .sql(&format!(")) AND ST_DWithin({column}::geography, ("));
        self.geometry(other)?;
        self.out.sql(")::geography, ");
        self.out.bind(Bind::Number(metres));
        self.out.sql("))");
        Ok(())
    }

    /// The property and the other operand of a binary operation, and
    /// whether they came the other way round.
    fn property_and_value<'e>(
        &self,
        a: &'e Expr,
        b: &'e Expr,
    ) -> Result<(&'static str, Kind, &'e Expr, bool), String> {
        if let Some(p) = property(a) {
            let (column, kind) = p?;
            if property(b).is_some() {
                return Err("comparing two properties is not supported".to_owned());
            }
            return Ok((column, kind, b, false));
        }
        if let Some(p) = property(b) {
            let (column, kind) = p?;
            return Ok((column, kind, a, true));
        }
        Err(format!(
            "`{}` compares no property",
            describe(&Expr::Operation {
                op: "=".into(),
                args: vec![Box::new(a.clone()), Box::new(b.clone())]
            })
        ))
    }

    /// A literal as a value of `kind`.
    fn value(&self, kind: Kind, expr: &Expr) -> Result<Bind, String> {
        let wrong = |what: &str| format!("`{}` is not {what}", describe(expr));
        Ok(match (kind, expr) {
            (Kind::Text, Expr::Literal(s)) => Bind::Text(text(s)?),
            (Kind::Integer, Expr::Float(f))
                if f.fract() == 0.0 && f.abs() <= f64::from(i32::MAX) =>
            {
                Bind::Integer(*f as i32)
            }
            (Kind::Integer, _) => return Err(wrong("a whole number")),
            (Kind::Number, Expr::Float(f)) => Bind::Number(*f),
            (Kind::Number, _) => return Err(wrong("a number")),
            (Kind::Boolean, Expr::Bool(b)) => Bind::Boolean(*b),
            (Kind::Boolean, _) => return Err(wrong("true or false")),
            (Kind::Date | Kind::Timestamp, _) => {
                // DATE('…'), TIMESTAMP('…'), or a bound of an INTERVAL.
                let text = match expr {
                    Expr::Date { date: t } | Expr::Timestamp { timestamp: t } => match t.as_ref() {
                        Expr::Literal(text) => Some(text.as_str()),
                        _ => None,
                    },
                    Expr::Literal(text) => Some(text.as_str()),
                    _ => None,
                };
                let instant = text.and_then(|text| {
                    DateTime::parse_from_rfc3339(text)
                        .map(|t| t.with_timezone(&Utc))
                        .ok()
                        .or_else(|| {
                            NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d")
                                .ok()
                                .and_then(|d| d.and_hms_opt(0, 0, 0))
                                .map(|t| t.and_utc())
                        })
                });
                match (kind, instant) {
                    (Kind::Date, Some(t)) => Bind::Date(t.date_naive()),
                    (_, Some(t)) => Bind::Timestamp(t),
                    (Kind::Date, None) => return Err(wrong("a date, e.g. DATE('2027-01-01')")),
                    (_, None) => {
                        return Err(wrong("a time, e.g. TIMESTAMP('2026-11-01T00:00:00Z')"));
                    }
                }
            }
            (Kind::Text, _) => return Err(wrong("text")),
            (Kind::TextList | Kind::Uuids | Kind::Documents | Kind::Geometry, _) => {
                return Err(wrong("a plain value"));
            }
        })
    }

    /// A geometry literal (WKT, GeoJSON or a BBOX) in the filter's CRS, as
    /// an SQL expression in storage CRS.
    fn geometry(&mut self, expr: &Expr) -> Result<(), String> {
        let srid = self.crs.srid;
        let (open, close) = if srid == 4326 && !self.crs.lat_lon() {
            (String::new(), String::new())
        } else if self.crs.lat_lon() {
            (
                "ST_Transform(ST_FlipCoordinates(".to_owned(),
                "), 4326)".to_owned(),
            )
        } else {
            ("ST_Transform(".to_owned(), ", 4326)".to_owned())
        };
        match expr {
            Expr::Geometry(g) => {
                let wkt = g.to_wkt().map_err(|e| format!("is not a geometry: {e}"))?;
                self.out.sql(&format!("{open}ST_GeomFromText("));
                self.out.bind(Bind::Text(wkt));
                self.out.sql(&format!(", {srid}){close}"));
            }
            Expr::BBox { bbox } => {
                let numbers = bbox
                    .iter()
                    .map(|n| match n.as_ref() {
                        Expr::Float(f) => Ok(*f),
                        other => Err(format!("`{}` is not a number", describe(other))),
                    })
                    .collect::<Result<Vec<f64>, _>>()?;
                let [w, s, e, n] = match numbers[..] {
                    [w, s, e, n] | [w, s, _, e, n, _] => [w, s, e, n],
                    _ => return Err("BBOX takes 4 or 6 numbers".to_owned()),
                };
                self.out.sql(&format!("{open}ST_MakeEnvelope("));
                for (i, v) in [w, s, e, n].into_iter().enumerate() {
                    if i > 0 {
                        self.out.sql(", ");
                    }
                    self.out.bind(Bind::Number(v));
                }
                self.out.sql(&format!(", {srid}){close}"));
            }
            other => return Err(format!("`{}` is not a geometry", describe(other))),
        }
        Ok(())
    }
}

fn flip(op: &str) -> &'static str {
    match op {
        "<" => ">",
        "<=" => ">=",
        ">" => "<",
        ">=" => "<=",
        "=" => "=",
        _ => "<>",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql_of(text: &str) -> Result<String, String> {
        Ok(parse(text, Lang::Text, Crs::CRS84)?.with_placeholders())
    }

    #[test]
    fn values_are_bound_and_names_come_from_the_allow_list() {
        assert_eq!(
            sql_of("status = 'available' AND area_m2 > 20000").unwrap(),
            "((status = $) AND (area_m2 > $))"
        );
        assert_eq!(
            sql_of("land_use IN (1340, 1350)").unwrap(),
            "(land_use = ANY($))"
        );
        let injection = sql_of("status = 'x''; DROP TABLE plots; --'").unwrap();
        assert!(!injection.contains("DROP"), "{injection}");
        assert!(
            sql_of("\"geom; DROP TABLE plots\" = 1")
                .unwrap_err()
                .contains("not a queryable")
        );
        assert!(
            sql_of("land_use = 1340.5")
                .unwrap_err()
                .contains("whole number")
        );
    }

    #[test]
    fn a_like_pattern_cannot_end_with_its_escape_character() {
        for bad in [r"name LIKE '\'", r"name LIKE 'Holmen\'", r"name LIKE '\\\'"] {
            let reason = sql_of(bad).unwrap_err();
            assert!(reason.contains("escape character"), "{bad}: {reason}");
        }
        for good in [
            r"name LIKE '\\'",
            r"name LIKE '100\%'",
            r"name LIKE 'a\_b%'",
        ] {
            assert!(sql_of(good).is_ok(), "{good}");
        }
    }

    /// Found by the cql2_text fuzz target: 100 nested brackets took the
    /// parser over 10 s (it backtracks). The limit refuses them before
    /// parsing; filters at the limit still parse.
    #[test]
    fn deep_nesting_is_refused_quickly() {
        let deep = |n: usize| format!("{}status = 'a'{}", "(".repeat(n), ")".repeat(n));
        let reason = sql_of(&deep(100)).unwrap_err();
        assert!(reason.contains("at most 10"), "{reason}");
        assert!(sql_of(&deep(MAX_TEXT_NESTING)).is_ok());
        // Brackets in quoted text do not count.
        assert!(sql_of(&format!("status = '{}'", "(".repeat(100))).is_ok());
    }

    /// Found by the cql2_text fuzz target: PostgreSQL refuses NUL in text
    /// (a database error, so a 500); the filter is refused first.
    #[test]
    fn nul_in_text_values_is_refused() {
        for filter in [
            "status = 'a\0b'",
            "name LIKE '%\0%'",
            "status IN ('available', '\0')",
            "A_CONTAINS(focus_areas, ('\0'))",
        ] {
            let reason = sql_of(filter).unwrap_err();
            assert!(reason.contains("NUL"), "{filter:?}: {reason}");
        }
        let json = r#"{"op": "=", "args": [{"property": "status"}, "a\u0000b"]}"#;
        let reason = parse(json, Lang::Json, Crs::CRS84).unwrap_err();
        assert!(reason.contains("NUL"), "{reason}");
        assert!(sql_of("status = 'a b'").is_ok());
    }
}
