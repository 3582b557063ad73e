//! Query-string handling shared by every resource: unknown parameters and
//! invalid values are answered 400, naming the parameter and the reason.

use utoipa::IntoParams;
use uuid::Uuid;

use crate::error::{ApiError, FieldError};

/// The largest `limit` a client may ask for; larger values are refused,
/// values above the server's maximum page size are clamped to it.
pub const LIMIT_MAX: u32 = 10_000;

/// The `f` parameter that OGC clients may send to ask for JSON.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatParam {
    /// Output format: `json` (`geojson` for features), or `html` for a page
    /// (browsers get it by their `Accept`); `f` wins over `Accept`.
    #[param(example = "json")]
    pub f: Option<String>,
}

/// The decoded parameters of a query string, in order.
#[derive(Debug, Default)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

impl QueryParams {
    /// Decodes `query`; a parameter given twice is an error.
    pub fn parse(query: &str) -> Self {
        let mut params = Self::default();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            if params.pairs.iter().any(|(n, _)| *n == name) {
                params.error(&name, "is given more than once");
            } else {
                params.pairs.push((name.into_owned(), value.into_owned()));
            }
        }
        params
    }

    /// The value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every parameter as given.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Records that `name` is invalid for `reason`.
    pub fn error(&mut self, name: &str, reason: impl Into<String>) {
        self.errors.push(FieldError::new(name, reason));
    }

    /// Parses `name` with `parse` if it is given, recording its error.
    pub fn parsed<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.get(name)?.to_owned();
        match parse(&value) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.error(name, reason);
                None
            }
        }
    }

    /// Records every parameter not in `known` as unknown, then answers with
    /// all errors at once, if any.
    pub fn finish(mut self, known: &[&str]) -> Result<Vec<(String, String)>, ApiError> {
        let unknown: Vec<String> = self
            .pairs
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| !known.contains(&n.as_str()))
            .collect();
        for name in unknown {
            let reason = format!(
                "is not a parameter of this resource; known: {}",
                known.join(", ")
            );
            self.error(&name, reason);
        }
        if self.errors.is_empty() {
            Ok(self.pairs)
        } else {
            Err(ApiError::InvalidParameters(self.errors))
        }
    }

    /// Checks `f`: JSON is the only format served.
    pub fn check_format(&mut self, accepted: &[&str]) {
        if let Some(f) = self.get("f")
            && !accepted.contains(&f)
        {
            let reason = format!("format `{f}` is not served; use {}", accepted.join(" or "));
            self.error("f", reason);
        }
    }
}

/// For resources that take no parameters but `f` (one of `formats`).
pub fn only_format_param(query: &str, formats: &[&str]) -> Result<(), ApiError> {
    let mut params = QueryParams::parse(query);
    params.check_format(formats);
    params.finish(&["f"]).map(drop)
}

/// Parses a comma-separated list, each item with `parse`.
pub fn list_of<T>(
    value: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    value
        .split(',')
        .map(|item| {
            let item = item.trim();
            if item.is_empty() {
                Err("has an empty item in its list".to_owned())
            } else {
                parse(item)
            }
        })
        .collect()
}

/// A page size: a whole number from 1 to [`LIMIT_MAX`].
pub fn parse_limit(value: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(n) if (1..=LIMIT_MAX).contains(&n) => Ok(n),
        _ => Err(format!(
            "must be a whole number from 1 to {LIMIT_MAX}, got `{value}`"
        )),
    }
}

/// The id in a path segment named `name`, or 400 saying it is not `what`
/// (a UUID).
pub fn parse_id(value: &str, name: &str, what: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(value)
        .map_err(|_| ApiError::invalid(name, format!("`{value}` is not {what} (a UUID)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_repeated_parameters_are_named() {
        let mut params = QueryParams::parse("limit=1&limit=2&colour=red");
        params.check_format(&["json"]);
        let Err(ApiError::InvalidParameters(errors)) = params.finish(&["limit"]) else {
            panic!("expected errors");
        };
        let names: Vec<_> = errors.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["limit", "colour"]);
        assert!(errors[1].reason.contains("not a parameter"));
    }

    #[test]
    fn format_other_than_json_is_refused() {
        assert!(only_format_param("f=json", &["json"]).is_ok());
        assert!(only_format_param("", &["json"]).is_ok());
        assert!(only_format_param("f=html", &["json"]).is_err());
    }

    #[test]
    fn lists_refuse_empty_items() {
        let parse = |s: &str| Ok::<_, String>(s.to_owned());
        assert_eq!(list_of("a,b", parse).unwrap(), ["a", "b"]);
        assert!(list_of("a,,b", parse).is_err());
    }
}
